// The signatures of a recorded document and its "Sign with EDS" button: the parties whose
// signatures it needs, the signatures it has (signer, valid or not), and, when the server says the
// caller may sign (`can_sign`), a button that reads the document's bytes (`content_url`), asks
// NCALayer for a detached CMS with the user's SIGN key, and posts it
// (`POST /api/documents/{code}/signatures`). Refusals show the server's message as is.
import './signin.css';
import type { Lang } from '../i18n';
import { serverLang } from '../i18n';
import { NcaLayerError, signCms, toBase64 } from './ncalayer';
import { send, sendJson, type Http } from './http';
import { ncaLayerMessage } from './signin';
import { esc, sw, inAlphabet, type Key } from './words';

interface Signer { name?: string; full_name?: string; common_name?: string; iin?: string; bin?: string; org?: string; organisation?: string }
interface Signature {
  party?: string; signer?: Signer | string; signer_name?: string; name?: string; organisation?: string | null;
  valid?: boolean; refusal?: { code?: string; message?: string } | null;
}
export interface Signatures {
  required?: Array<{ party: string; label?: string; signed?: boolean }>;
  signatures?: Signature[];
  can_sign?: boolean;
  content_url?: string;
}

export interface SignDocumentOptions {
  lang(): Lang;
  csrf(): string | null | undefined;
  /** After a signature was added. */
  onSigned?(): void;
}

const signerName = (s: Signature): string => {
  const g = s.signer;
  if (typeof g === 'string') return g;
  return g?.full_name ?? g?.name ?? g?.common_name ?? s.signer_name ?? s.name ?? '';
};

/** Shows `code`'s signatures in `root` (hidden when the document has none and needs none, or the
 *  server has no signatures for it). Resolves with what the server said (null: nothing). */
export async function mountSignDocument(root: HTMLElement, code: string, opts: SignDocumentOptions): Promise<Signatures | null> {
  const L = opts.lang;
  const t = (k: Key) => sw(k, L());
  const http: Http = { lang: L, csrf: opts.csrf };
  const base = `/api/documents/${encodeURIComponent(code)}/signatures`;
  let info: Signatures;
  try {
    info = await sendJson<Signatures>(http, 'GET', base, undefined, t('unavailable'));
  } catch {
    root.hidden = true;
    return null;
  }
  const sigs = info.signatures ?? [];
  const required = info.required ?? [];
  if (!sigs.length && !required.length && !info.can_sign) { root.hidden = true; return info; }
  root.hidden = false;
  const one = (s: Signature) => {
    const who = [signerName(s), s.organisation].filter(Boolean).join(', ');
    const why = s.valid === false && s.refusal?.message ? `: ${inAlphabet(s.refusal.message, L())}` : '';
    return `${esc(who)} <span class="${s.valid === false ? 'bad' : 'ok'}" data-testid="doc-sign-verdict">(${esc(t(s.valid === false ? 'invalid' : 'valid'))}${esc(why)})</span>`;
  };
  const partyName = (p: { party: string; label?: string }) =>
    p.label ? inAlphabet(p.label, L()) : t(p.party === 'applicant' ? 'partyApplicant' : 'partyProvider');
  const partyLine = (p: { party: string; label?: string }) => {
    const got = sigs.filter((s) => s.party === p.party);
    const what = got.length ? got.map(one).join('; ') : `<span class="hint">${esc(t('missing'))}</span>`;
    return `<li data-testid="doc-sign-party" data-party="${esc(p.party)}">${esc(partyName(p))}: ${what}</li>`;
  };
  const others = sigs.filter((s) => !required.some((p) => p.party === s.party));
  root.innerHTML = `<div class="doc-sign" data-testid="doc-sign-box">
    <b>${esc(t('signatures'))}</b>
    <ul>${required.map(partyLine).join('')}
      ${others.map((s) => `<li data-testid="doc-sign-signature">${one(s)}</li>`).join('')}</ul>
    ${info.can_sign ? `<button type="button" class="primary" data-testid="doc-sign">${esc(t('sign'))}</button>` : ''}
    <p class="status" data-testid="doc-sign-status" aria-live="polite" hidden></p>
    <p class="error" data-testid="doc-sign-error" role="alert" hidden></p>
  </div>`;
  const btn = root.querySelector<HTMLButtonElement>('[data-testid=doc-sign]');
  if (btn) {
    btn.onclick = async () => {
      const status = root.querySelector<HTMLElement>('[data-testid=doc-sign-status]')!;
      const err = root.querySelector<HTMLElement>('[data-testid=doc-sign-error]')!;
      err.hidden = true;
      btn.disabled = true;
      status.hidden = false;
      status.textContent = t('signing');
      try {
        const content = await send(http, 'GET', info.content_url ?? `/api/documents/${encodeURIComponent(code)}/content`, undefined, t('unavailable'));
        const data = toBase64(new Uint8Array(await content.arrayBuffer()));
        status.textContent = t('edsWaiting');
        const cms = await signCms({ data, attached: false, purpose: 'sign', locale: serverLang(L()) });
        status.textContent = t('edsChecking');
        await send(http, 'POST', base, { cms }, t('unavailable'));
        await mountSignDocument(root, code, opts);
        const s = root.querySelector<HTMLElement>('[data-testid=doc-sign-status]');
        if (s) { s.hidden = false; s.textContent = t('signed'); }
        opts.onSigned?.();
      } catch (e) {
        status.hidden = true;
        err.hidden = false;
        err.innerHTML = e instanceof NcaLayerError ? ncaLayerMessage(e, L()) : esc((e as Error).message);
        btn.disabled = false;
      }
    };
  }
  return info;
}
