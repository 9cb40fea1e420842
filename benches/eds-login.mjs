// EDS sign-ins over HTTP at a fixed concurrency (benches/eds.sh): N challenges are taken, each is
// signed as NCALayer would (attached CMS, RSA 2048, SHA-256, by openssl with the test person's AUTH
// key), then the N sign-ins are sent from C connections at once; prints JSON: sign-ins per second
// and their latency (challenge lookup, CMS, chain, revocation by the cached CRL, account, session).
//
// node benches/eds-login.mjs BASE_URL KEY_PEM CERT_PEM [N] [C]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const [base, key, cert, nArg, cArg] = process.argv.slice(2);
const N = Number(nArg ?? 1000), C = Number(cArg ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'qala-bench-eds-'));

async function pool(n, c, job) {
  let next = 0;
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) { const i = next++; await job(i); }
  }));
}

const challenges = new Array(N);
await pool(N, C, async (i) => {
  const r = await fetch(`${base}/api/auth/eds/challenge`, { method: 'POST' });
  if (r.status !== 200) throw new Error(`challenge: ${r.status}`);
  challenges[i] = (await r.json()).challenge;
});
const signed = new Array(N);
await pool(N, 2, async (i) => {
  const input = join(dir, `c${i}`), output = join(dir, `s${i}`);
  writeFileSync(input, Buffer.from(challenges[i], 'base64'));
  await run('openssl', ['cms', '-sign', '-binary', '-nodetach', '-md', 'sha256', '-in', input, '-signer', cert,
    '-inkey', key, '-outform', 'DER', '-out', output]);
  signed[i] = JSON.stringify({ cms: readFileSync(output).toString('base64') });
});
const times = [];
let failed = 0;
const t0 = performance.now();
await pool(N, C, async (i) => {
  const t = performance.now();
  const r = await fetch(`${base}/api/auth/eds/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: signed[i],
  });
  await r.arrayBuffer();
  if (r.status !== 200) failed++;
  times.push(performance.now() - t);
});
const seconds = (performance.now() - t0) / 1000;
rmSync(dir, { recursive: true, force: true });
times.sort((a, b) => a - b);
const pct = (p) => times[Math.round((times.length - 1) * p)];
console.log(JSON.stringify({
  n: N, connections: C, failed, logins_per_s: N / seconds,
  p50_ms: pct(0.5), p95_ms: pct(0.95), p99_ms: pct(0.99),
}));
if (failed) process.exit(1);
