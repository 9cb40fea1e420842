// The calls of sign-in and signing: JSON to the server with the interface language and
// `X-Requested-With`, writes with the session's CSRF token when there is one; a refusal comes back
// as `Refusal` with the server's code and message (in the caller's language, shown as is), read
// from `{"error": {"code", "message"}}` or a bare `{"code", "message"}`.
import type { Lang } from '../i18n';
import { serverLang } from '../i18n';
import { inAlphabet } from './words';

export class Refusal extends Error {
  constructor(public status: number, public code: string, message: string, public retryAfter: number | null = null) {
    super(message);
  }
}

export interface Http {
  lang(): Lang;
  /** The CSRF token of the current session (none before sign-in). */
  csrf?(): string | null | undefined;
}

/** The refusal of a response that is not ok (`fallback` when the body says nothing). */
export async function refusalOf(r: Response, lang: Lang, fallback: string): Promise<Refusal> {
  let code = String(r.status), message = '';
  try {
    const j = (await r.json()) as { error?: { code?: string; message?: string }; code?: string; message?: string };
    const e = j.error ?? j;
    code = e.code ?? code;
    message = e.message ?? '';
  } catch { /* not JSON */ }
  const ra = Number(r.headers.get('Retry-After'));
  return new Refusal(r.status, code, message ? inAlphabet(message, lang) : fallback, Number.isFinite(ra) && ra > 0 ? ra : null);
}

/** A request; `body` as JSON. Network failures become a `Refusal` with status 0 and `offline`. */
export async function send(http: Http, method: string, url: string, body: unknown, offline: string): Promise<Response> {
  const h: Record<string, string> = { 'Accept-Language': serverLang(http.lang()), 'X-Requested-With': 'XMLHttpRequest' };
  const csrf = http.csrf?.();
  if (method !== 'GET' && csrf) h['X-CSRF-Token'] = csrf;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let r: Response;
  try {
    r = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new Refusal(0, 'network', offline);
  }
  if (!r.ok) throw await refusalOf(r, http.lang(), offline);
  return r;
}

/** A request whose answer is JSON. */
export async function sendJson<T>(http: Http, method: string, url: string, body: unknown, offline: string): Promise<T> {
  const r = await send(http, method, url, body, offline);
  return (await r.json()) as T;
}
