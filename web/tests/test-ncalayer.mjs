// TEST NCALayer: a stand-in for NCALayer (the desktop signer of Kazakhstan's National
// Certification Authority) for browser tests only. It is NOT NCALayer and holds test keys only.
//
// It serves NCALayer's protocol over a real TLS WebSocket (wss://127.0.0.1:PORT, a self-signed
// certificate made by `openssl req -x509` in a temporary directory; the browser under test is
// launched with --ignore-certificate-errors): on connect it greets with a version message as some
// NCALayer versions do, then answers `kz.gov.pki.knca.basics` / `sign` requests with a CMS made by
// `openssl cms -sign -binary -outform DER [-nodetach]` with the key and certificate the test chose
// (PEM paths). Like NCALayer it offers only keys whose extended key usage the request asks for.
// What the "user" does next is set by the test: sign with a key, cancel the dialog, or fail.
//
// As a module: `const nl = await startTestNcaLayer({ key, cert })`, `nl.url`, `nl.use({ key, cert })`,
// `nl.next('cancel' | 'error' | 'sign')`, `nl.requests` (what the page sent), `await nl.close()`.
// As a program: `node tests/test-ncalayer.mjs --key KEY.pem --cert CERT.pem [--port N]` prints
// `listening on wss://127.0.0.1:PORT` (a test NCALayer, not NCALayer).
import { createServer } from 'node:https';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// The `ws` library (WebSocket server) as playwright-core bundles it.
const { wsServer: WebSocketServer } = createRequire(import.meta.url)('playwright-core/lib/utilsBundle');

/** Most bytes the test NCALayer signs (NCALayer itself bounds its input too). */
const MAX_DATA = 16 * 1024 * 1024;

/** The extended key usages of a PEM certificate (OIDs and OpenSSL's short names). */
async function ekuOf(certPath) {
  const { stdout } = await run('openssl', ['x509', '-in', certPath, '-noout', '-ext', 'extendedKeyUsage', '-certopt', 'ext_parse']);
  const names = { 'TLS Web Client Authentication': '1.3.6.1.5.5.7.3.2', 'E-mail Protection': '1.3.6.1.5.5.7.3.4' };
  return stdout.split(/[\n,]/).map((s) => s.trim()).filter(Boolean).map((s) => names[s] ?? s);
}

/** Starts the test NCALayer; `key`/`cert`: PEM paths of the key the "user" picks first. */
export async function startTestNcaLayer({ key, cert, port = 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'test-ncalayer-'));
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')]);
  const server = createServer({ key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.crt')) });
  const wss = new WebSocketServer({ server, maxPayload: 2 * MAX_DATA });
  const state = { key, cert, next: 'sign', seq: 0 };
  const requests = [];
  const connections = new Set();

  async function answer(m) {
    if (m?.module !== 'kz.gov.pki.knca.basics' || m?.method !== 'sign') return { status: false, code: '500', message: `unknown module or method: ${m?.module} ${m?.method}` };
    const a = m.args ?? {};
    if (a.format !== 'cms') return { status: false, code: '500', message: `unsupported format: ${a.format}` };
    if (state.next === 'cancel') return { status: true, body: {} };
    if (state.next === 'error') return { status: false, code: '500', message: 'TEST NCALayer: storage error' };
    if (!state.key || !state.cert) return { status: false, code: '500', message: 'TEST NCALayer: no key' };
    const want = a.signerParams?.extKeyUsageOids ?? [];
    const has = await ekuOf(state.cert);
    if (!want.every((oid) => has.includes(oid))) return { status: false, code: '500', message: `TEST NCALayer: the key lacks ${want.join(', ')}` };
    const data = Buffer.from(String(a.data ?? ''), a.signingParams?.decode === false ? 'utf8' : 'base64');
    if (data.length === 0 || data.length > MAX_DATA) return { status: false, code: '500', message: 'TEST NCALayer: no data or too much' };
    const n = ++state.seq;
    const input = join(dir, `in-${n}`), output = join(dir, `out-${n}`);
    writeFileSync(input, data);
    const args = ['cms', '-sign', '-binary', '-md', 'sha256', '-outform', 'DER', '-in', input, '-out', output, '-signer', state.cert, '-inkey', state.key];
    if (a.signingParams?.encapsulate) args.push('-nodetach');
    await run('openssl', args);
    const cms = readFileSync(output).toString('base64');
    rmSync(input); rmSync(output);
    return { status: true, body: { result: [cms] } };
  }

  wss.on('connection', (ws) => {
    connections.add(ws);
    ws.on('close', () => connections.delete(ws));
    ws.send(JSON.stringify({ result: { version: '1.4' } }));
    ws.on('message', async (raw) => {
      let m = null;
      try { m = JSON.parse(String(raw)); } catch { /* answered below */ }
      requests.push(m);
      let a;
      try { a = await answer(m); } catch (e) { a = { status: false, code: '500', message: `TEST NCALayer: ${String(e).slice(0, 300)}` }; }
      ws.send(JSON.stringify(a));
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `wss://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    /** The key and certificate the "user" picks in the next dialogs. */
    use(k) { state.key = k.key; state.cert = k.cert; state.next = 'sign'; },
    /** What the "user" does next: 'sign', 'cancel' (closes the dialog) or 'error'. */
    next(what) { state.next = what; },
    async close() {
      for (const c of connections) c.terminate();
      await new Promise((resolve) => wss.close(() => server.close(() => resolve())));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  const nl = await startTestNcaLayer({ key: arg('--key'), cert: arg('--cert'), port: Number(arg('--port') ?? 0) });
  console.log(`listening on ${nl.url} (TEST NCALayer, not NCALayer)`);
  const stop = () => void nl.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
