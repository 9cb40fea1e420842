// The NCALayer client: NCALayer is the desktop signer of Kazakhstan's National Certification
// Authority that citizens install; the page talks to it over a WebSocket on the user's own machine
// (`wss://127.0.0.1:13579`). One request at a time (NCALayer shows one key-store dialog), a bounded
// wait to connect and to answer, and every failure as an `NcaLayerError` whose `kind` the caller
// turns into a message in the user's language:
// - `not_running`: nothing answered at the address (NCALayer not started, or the connection could
//   not be opened in time);
// - `refused`: NCALayer closed the connection before answering;
// - `cancelled`: the user closed NCALayer's dialog (an answer with no result);
// - `ncalayer`: NCALayer answered an error (its own message is kept in `detail`);
// - `timeout`: no answer within the answer bound.
// The address is `window.QALA_NCALAYER_URL`, else `localStorage['qala.ncalayer']` (tests point it at
// a test NCALayer), else NCALayer's own.

export const DEFAULT_NCALAYER_URL = 'wss://127.0.0.1:13579';
/** Where users get NCALayer. */
export const NCALAYER_DOWNLOAD = 'https://pki.gov.kz/ncalayer/';
/** Extended key usage of an authentication key (clientAuth) and of a signing key (emailProtection). */
export const EKU_AUTH = '1.3.6.1.5.5.7.3.2';
export const EKU_SIGN = '1.3.6.1.5.5.7.3.4';
/** The key stores NCALayer may offer: a file (PKCS#12), the Kaztoken and the ID card. */
export const STORAGES = ['PKCS12', 'AKKaztokenStore', 'AKKZIDCardStore'];

export type NcaLayerErrorKind = 'not_running' | 'refused' | 'cancelled' | 'ncalayer' | 'timeout';

export class NcaLayerError extends Error {
  constructor(public kind: NcaLayerErrorKind, public detail = '') {
    super(detail ? `${kind}: ${detail}` : kind);
  }
}

/** What to sign: `data` in base64; `attached` puts the data inside the CMS (sign-in) or leaves it
 *  out (documents); `purpose` picks the key by its extended key usage. */
export interface SignRequest {
  data: string;
  attached: boolean;
  purpose: 'auth' | 'sign';
  locale: 'kk' | 'ru' | 'en';
}

export interface SignOptions {
  url?: string;
  /** Bound on opening the connection (ms). */
  connectTimeoutMs?: number;
  /** Bound on the user choosing a key and typing its password (ms). */
  answerTimeoutMs?: number;
  /** The WebSocket class (tests give a fake one). */
  WebSocketImpl?: typeof WebSocket;
}

/** The configured address of NCALayer. */
export function ncaLayerUrl(): string {
  const g = (globalThis as { QALA_NCALAYER_URL?: unknown }).QALA_NCALAYER_URL;
  if (typeof g === 'string' && g) return g;
  try {
    const s = globalThis.localStorage?.getItem('qala.ncalayer');
    if (s) return s;
  } catch { /* storage may be off */ }
  return DEFAULT_NCALAYER_URL;
}

/** The request NCALayer's `kz.gov.pki.knca.basics` module takes for a CMS signature. */
export function signMessage(req: SignRequest): Record<string, unknown> {
  return {
    module: 'kz.gov.pki.knca.basics',
    method: 'sign',
    args: {
      allowedStorages: STORAGES,
      format: 'cms',
      data: req.data,
      signingParams: { decode: true, encapsulate: req.attached, digested: false, tsaProfile: {} },
      signerParams: { extKeyUsageOids: [req.purpose === 'auth' ? EKU_AUTH : EKU_SIGN], chain: [] },
      locale: req.locale,
    },
  };
}

/** Reads one NCALayer message: the CMS (base64), an error, or null when it is not an answer (the
 *  version greeting some versions send on connect). */
export function readAnswer(text: string): { cms: string } | NcaLayerError | null {
  let m: unknown;
  try { m = JSON.parse(text); } catch { return null; }
  if (!m || typeof m !== 'object' || !('status' in m)) return null;
  const a = m as { status: unknown; code?: unknown; message?: unknown; body?: { result?: unknown } };
  if (a.status !== true) {
    const msg = [a.code, a.message].filter((x) => x !== undefined && x !== null && x !== '').map(String).join(' ');
    return new NcaLayerError('ncalayer', msg.slice(0, 500));
  }
  const r = a.body?.result;
  const cms = Array.isArray(r) ? r[0] : r;
  if (typeof cms === 'string' && cms.length > 0) return { cms: cms.replace(/\s+/g, '') };
  return new NcaLayerError('cancelled');
}

let queue: Promise<unknown> = Promise.resolve();

/** Asks NCALayer for a CMS signature (base64 DER). Requests wait for the one before them. */
export function signCms(req: SignRequest, opts: SignOptions = {}): Promise<string> {
  const run = () => signOnce(req, opts);
  const p = queue.then(run, run);
  queue = p.catch(() => undefined);
  return p;
}

function signOnce(req: SignRequest, opts: SignOptions): Promise<string> {
  const Impl = opts.WebSocketImpl ?? globalThis.WebSocket;
  const url = opts.url ?? ncaLayerUrl();
  const connectMs = opts.connectTimeoutMs ?? 5000;
  const answerMs = opts.answerTimeoutMs ?? 10 * 60 * 1000;
  return new Promise<string>((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new Impl(url);
    } catch (e) {
      reject(new NcaLayerError('not_running', String(e)));
      return;
    }
    let opened = false;
    let done = false;
    let timer = setTimeout(() => finish(new NcaLayerError('not_running', 'connect timeout')), connectMs);
    const finish = (r: string | NcaLayerError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try { ws.close(); } catch { /* already closed */ }
      if (typeof r === 'string') resolve(r); else reject(r);
    };
    ws.onopen = () => {
      opened = true;
      clearTimeout(timer);
      timer = setTimeout(() => finish(new NcaLayerError('timeout')), answerMs);
      ws.send(JSON.stringify(signMessage(req)));
    };
    ws.onmessage = (ev: MessageEvent) => {
      const a = readAnswer(typeof ev.data === 'string' ? ev.data : '');
      if (a === null) return;
      finish(a instanceof NcaLayerError ? a : a.cms);
    };
    ws.onerror = () => { if (!opened) finish(new NcaLayerError('not_running')); };
    ws.onclose = () => finish(new NcaLayerError(opened ? 'refused' : 'not_running'));
  });
}

/** Bytes as base64 (in pieces: a spread of a large array would overflow the stack). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
