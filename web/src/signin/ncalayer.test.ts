import { describe, expect, it } from 'vitest';
import { DEFAULT_NCALAYER_URL, EKU_AUTH, EKU_SIGN, NcaLayerError, ncaLayerUrl, readAnswer, signCms, signMessage, toBase64 } from './ncalayer';

/** A WebSocket stand-in: `script` decides what happens once the page sends its request. */
type Script = (ws: FakeSocket, sent: string) => void;
class FakeSocket {
  static script: Script = () => {};
  static connect: 'open' | 'error' | 'never' = 'open';
  static sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(public url: string) {
    queueMicrotask(() => {
      if (FakeSocket.connect === 'open') this.onopen?.();
      else if (FakeSocket.connect === 'error') { this.onerror?.(); this.onclose?.(); }
    });
  }
  send(s: string) { FakeSocket.sent.push(s); FakeSocket.script(this, s); }
  reply(m: unknown) { queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(m) })); }
  close() { if (!this.closed) { this.closed = true; queueMicrotask(() => this.onclose?.()); } }
}
const Impl = FakeSocket as unknown as typeof WebSocket;
const req = { data: 'AAEC', attached: true, purpose: 'auth' as const, locale: 'ru' as const };

describe('NCALayer client', () => {
  it('builds the sign request of kz.gov.pki.knca.basics', () => {
    const m = signMessage(req) as { module: string; method: string; args: Record<string, any> };
    expect(m.module).toBe('kz.gov.pki.knca.basics');
    expect(m.method).toBe('sign');
    expect(m.args.format).toBe('cms');
    expect(m.args.data).toBe('AAEC');
    expect(m.args.signingParams).toEqual({ decode: true, encapsulate: true, digested: false, tsaProfile: {} });
    expect(m.args.signerParams.extKeyUsageOids).toEqual([EKU_AUTH]);
    const s = signMessage({ ...req, attached: false, purpose: 'sign', locale: 'kk' }) as { args: Record<string, any> };
    expect(s.args.signingParams.encapsulate).toBe(false);
    expect(s.args.signerParams.extKeyUsageOids).toEqual([EKU_SIGN]);
    expect(s.args.locale).toBe('kk');
  });

  it('reads answers, errors, cancels and ignores the version greeting', () => {
    expect(readAnswer('{"result":{"version":"1.4"}}')).toBeNull();
    expect(readAnswer('not json')).toBeNull();
    expect(readAnswer('{"status":true,"body":{"result":["MIIB\\nAA=="]}}')).toEqual({ cms: 'MIIBAA==' });
    const c = readAnswer('{"status":true,"body":{}}');
    expect(c).toBeInstanceOf(NcaLayerError);
    expect((c as NcaLayerError).kind).toBe('cancelled');
    const e = readAnswer('{"status":false,"code":"500","message":"wrong password"}') as NcaLayerError;
    expect(e.kind).toBe('ncalayer');
    expect(e.detail).toBe('500 wrong password');
  });

  it('signs over the socket, skipping the greeting, and closes it', async () => {
    FakeSocket.connect = 'open';
    let socket: FakeSocket | null = null;
    FakeSocket.script = (ws) => { socket = ws; ws.reply({ result: { version: '1.4' } }); ws.reply({ status: true, body: { result: ['CMS='] } }); };
    await expect(signCms(req, { WebSocketImpl: Impl, url: 'wss://x' })).resolves.toBe('CMS=');
    expect(socket!.closed).toBe(true);
    expect(JSON.parse(FakeSocket.sent.at(-1)!).args.data).toBe('AAEC');
  });

  it('names each failure', async () => {
    const kind = async () => { try { await signCms(req, { WebSocketImpl: Impl, url: 'wss://x', connectTimeoutMs: 50, answerTimeoutMs: 50 }); return 'signed'; } catch (e) { return (e as NcaLayerError).kind; } };
    FakeSocket.connect = 'error';
    expect(await kind()).toBe('not_running');
    FakeSocket.connect = 'never';
    expect(await kind()).toBe('not_running');
    FakeSocket.connect = 'open';
    FakeSocket.script = (ws) => ws.close();
    expect(await kind()).toBe('refused');
    FakeSocket.script = (ws) => ws.reply({ status: true, body: {} });
    expect(await kind()).toBe('cancelled');
    FakeSocket.script = (ws) => ws.reply({ status: false, code: '500', message: 'boom' });
    expect(await kind()).toBe('ncalayer');
    FakeSocket.script = () => {};
    expect(await kind()).toBe('timeout');
  });

  it('one request at a time', async () => {
    FakeSocket.connect = 'open';
    const open: FakeSocket[] = [];
    FakeSocket.script = (ws, s) => { open.push(ws); expect(open.filter((w) => !w.closed).length).toBe(1); ws.reply({ status: true, body: { result: [JSON.parse(s).args.data] } }); };
    const all = await Promise.all(['QQ==', 'Qg==', 'Qw=='].map((data) => signCms({ ...req, data }, { WebSocketImpl: Impl, url: 'wss://x' })));
    expect(all).toEqual(['QQ==', 'Qg==', 'Qw==']);
    expect(open.length).toBe(3);
  });

  it('the address and base64', () => {
    expect(ncaLayerUrl()).toBe(DEFAULT_NCALAYER_URL);
    (globalThis as { QALA_NCALAYER_URL?: string }).QALA_NCALAYER_URL = 'wss://127.0.0.1:1234';
    expect(ncaLayerUrl()).toBe('wss://127.0.0.1:1234');
    delete (globalThis as { QALA_NCALAYER_URL?: string }).QALA_NCALAYER_URL;
    const big = new Uint8Array(100_000).map((_, i) => i % 256);
    const back = Uint8Array.from(atob(toBase64(big)), (c) => c.charCodeAt(0));
    expect(back).toEqual(big);
    expect(toBase64(new Uint8Array([0, 1, 2]))).toBe('AAEC');
  });
});
