// The applications screens' HTTP client: every call carries the interface language and
// `X-Requested-With` (so a 401 never brings up the browser's password box), writes carry the
// session's CSRF token, errors come back as `ApiFailure` with the server's message in the
// caller's language. Uploads report their progress. The same API any other client uses.
import type { Lang } from '../i18n';
import { serverLang } from '../i18n';
import { kkLatin } from '../translit';

/** A server message in the interface's alphabet (the server writes Kazakh in Cyrillic). */
const inAlphabet = (m: string) => (lang === 'kk-Latn' ? kkLatin(m) : m);

/** The signed-in user, as `/api/auth/me` gives it. */
export interface User {
  login: string;
  full_name?: string | null;
  roles: string[];
  org?: string | null;
  dept?: string | null;
  lang?: string | null;
  csrf?: string | null;
}

/** A refused or failed call: HTTP status, the server's stable code, its message (in the caller's
 *  language) and, for invalid input, the fields at fault. */
export class ApiFailure extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details?: unknown,
  ) {
    super(message);
  }
  /** Messages per field path, when the server names fields (`details.fields` or a list of
   *  `{field|path, message}`). */
  fieldMessages(): Record<string, string> {
    const out: Record<string, string> = {};
    const d = this.details as Record<string, unknown> | unknown[] | undefined;
    const list = Array.isArray(d) ? d : Array.isArray((d as Record<string, unknown>)?.fields) ? ((d as Record<string, unknown>).fields as unknown[]) : null;
    if (list) {
      for (const e of list as Array<Record<string, unknown>>) {
        const f = (e.field ?? e.path ?? e.name) as string | undefined;
        const m = (e.message ?? e.reason) as string | undefined;
        if (f && m) out[f] = m;
      }
    } else if (d && typeof d === 'object') {
      for (const [k, v] of Object.entries(d)) if (typeof v === 'string') out[k] = v;
    }
    return out;
  }
}

let lang: Lang = 'ru';
let user: User | null = null;
const userListeners: Array<(u: User | null) => void> = [];

export function setLang(l: Lang) { lang = l; }
export function currentLang(): Lang { return lang; }
export function currentUser(): User | null { return user; }
export function onUser(f: (u: User | null) => void) { userListeners.push(f); }
function setUser(u: User | null) { user = u; for (const f of userListeners) f(u); }

/** Whether the signed-in user has one of `roles` (`admin` has every role). */
export function hasRole(...roles: string[]): boolean {
  return !!user && (user.roles.includes('admin') || roles.some((r) => user!.roles.includes(r)));
}

/** Staff: anyone who works or manages applications. */
export function isStaff(): boolean {
  return hasRole('reviewer', 'org_admin', 'analyst', 'manager');
}

function headers(method: string, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { 'Accept-Language': serverLang(lang), 'X-Requested-With': 'XMLHttpRequest', ...extra };
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method) && user?.csrf) h['X-CSRF-Token'] = user.csrf;
  return h;
}

/** The `ApiFailure` of a response that is not ok. A 401 ends the session here. */
export async function failureOf(r: Response): Promise<ApiFailure> {
  let code = String(r.status), message = r.statusText || `HTTP ${r.status}`, details: unknown;
  try {
    const j = (await r.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (j.error) { code = j.error.code ?? code; message = j.error.message ?? message; details = j.error.details; }
  } catch { /* not JSON */ }
  if (r.status === 401 && !r.url.includes('/api/auth/login') && user) setUser(null);
  return new ApiFailure(r.status, code, inAlphabet(message), details);
}

/** A call; `body` is sent as JSON (or as is for FormData/Blob). Resolves with the response. */
export async function call(method: string, url: string, body?: unknown, extra: Record<string, string> = {}): Promise<Response> {
  const h = headers(method, extra);
  let payload: BodyInit | undefined;
  if (body instanceof FormData || body instanceof Blob) payload = body;
  else if (body !== undefined) { payload = JSON.stringify(body); h['Content-Type'] ??= 'application/json'; }
  let r: Response;
  try {
    r = await fetch(url, { method, headers: h, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiFailure(0, 'network', String(e));
  }
  if (!r.ok) throw await failureOf(r);
  return r;
}

/** A call whose answer is JSON. */
export async function json<T>(method: string, url: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
  const r = await call(method, url, body, extra);
  if (r.status === 204) return undefined as T;
  return (await r.json()) as T;
}

export const get = <T>(url: string) => json<T>('GET', url);

/** A file sent with `method` to `url`, `onProgress` called with the share sent (0..1). Resolves
 *  with the parsed JSON answer (or null). XMLHttpRequest, since fetch does not report uploads. */
export function upload(method: string, url: string, file: Blob, onProgress: (share: number) => void, extra: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, url);
    x.withCredentials = true;
    for (const [k, v] of Object.entries(headers(method, extra))) x.setRequestHeader(k, v);
    if (file.type) x.setRequestHeader('Content-Type', file.type);
    x.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    x.onerror = () => reject(new ApiFailure(0, 'network', 'network error'));
    x.onload = () => {
      let j: unknown = null;
      try { j = x.responseText ? JSON.parse(x.responseText) : null; } catch { /* not JSON */ }
      if (x.status >= 200 && x.status < 300) { onProgress(1); resolve(j); return; }
      const e = (j as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
      if (x.status === 401 && user) setUser(null);
      reject(new ApiFailure(x.status, e?.code ?? String(x.status), inAlphabet(e?.message ?? x.statusText), e?.details));
    };
    x.send(file);
  });
}

/** Who is signed in (null: nobody), asked once at start. */
export async function loadUser(): Promise<User | null> {
  try {
    const r = await fetch('/api/auth/me', { credentials: 'same-origin', headers: headers('GET') });
    setUser(r.ok ? ((await r.json()) as User) : null);
  } catch {
    setUser(null);
  }
  return user;
}

/** Signs in with a password; the session cookie is set by the server. */
export async function login(name: string, password: string): Promise<User> {
  const u = await json<User>('POST', '/api/auth/login', { login: name, password });
  setUser(u);
  return u;
}

/** The user a sign-in by EDS or SMS code opened a session for (the server set its cookie). */
export function signedIn(u: User) { setUser(u); }

export async function logout(): Promise<void> {
  try { await call('POST', '/api/auth/logout'); } catch { /* the session may be gone already */ }
  setUser(null);
}
