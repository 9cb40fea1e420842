// Runs kkLatin of web/src/translit.ts on each string of a JSON array read from standard input and
// writes the results as a JSON array: tests/web.rs feeds the same strings to `qala_kk_latin` in
// PostgreSQL (migration 0005) and asserts identical output, so the two copies of the table agree.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformWithEsbuild } from 'vite';

const file = fileURLToPath(new URL('../src/translit.ts', import.meta.url));
const { code } = await transformWithEsbuild(readFileSync(file, 'utf8'), file, { loader: 'ts', format: 'esm' });
const { kkLatin } = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
const input = JSON.parse(readFileSync(0, 'utf8'));
if (!Array.isArray(input) || !input.every((s) => typeof s === 'string')) throw new Error('expected a JSON array of strings');
process.stdout.write(JSON.stringify(input.map(kkLatin)));
