// The sign-in dialog the web map and the applications screens share: three tabs,
// - password: the host's own password sign-in (its messages, its limits);
// - EDS: a challenge from the server, signed in NCALayer with the user's authentication key
//   (an attached CMS), sent back: `POST /api/auth/eds/challenge`, then `/api/auth/eds/login`;
// - SMS: the IIN (checked in the browser first: check digit, birth date), a one-time code sent to
//   the phone the state database holds for it (`/api/auth/sms/start`), typed back
//   (`/api/auth/sms/verify`), with the code's remaining time and a resend after the server's wait.
// Every refusal shows the server's message as it comes (in the user's language); NCALayer's
// failures get a message of their own (not running: with the link to install it).
import './signin.css';
import type { Lang } from '../i18n';
import { serverLang } from '../i18n';
import { NCALAYER_DOWNLOAD, NcaLayerError, signCms } from './ncalayer';
import { isValidIin, normalizeIin } from './iin';
import { Refusal, sendJson, type Http } from './http';
import { esc, sw, type Key } from './words';

export interface SignInOptions<U> {
  lang(): Lang;
  /** The password sign-in of the host; throws an Error whose message is shown. */
  password(login: string, password: string): Promise<U>;
  /** Called once signed in, by any method, with `/api/auth/me`'s user. */
  done(user: U): void | Promise<void>;
  /** A heading over the tabs (the applications screens) or none (the web map's top bar). */
  heading?: boolean;
  /** A line under the heading. */
  hint?: string;
  /** The user name to put back into the password form (after a re-render). */
  login?: string;
}

type Tab = 'password' | 'eds' | 'sms';
const TABS: Array<[Tab, Key]> = [['password', 'tabPassword'], ['eds', 'tabEds'], ['sms', 'tabSms']];
let seq = 0;

/** NCALayer's failure as a message in `lang` (HTML: the install link when it is not running). */
export function ncaLayerMessage(e: NcaLayerError, lang: Lang): string {
  switch (e.kind) {
    case 'not_running':
      return `${esc(sw('notRunning', lang))} <a href="${NCALAYER_DOWNLOAD}" target="_blank" rel="noopener" data-testid="ncalayer-link">${esc(sw('download', lang))}</a>`;
    case 'refused': return esc(sw('refused', lang));
    case 'cancelled': return esc(sw('cancelled', lang));
    case 'timeout': return esc(sw('timeout', lang));
    default: return esc(`${sw('ncaError', lang)}: ${e.detail}`);
  }
}

/** Renders the dialog into `root`; returns its clean-up (the countdown's timer). */
export function mountSignIn<U>(root: HTMLElement, opts: SignInOptions<U>): () => void {
  const L = opts.lang;
  const t = (k: Key) => sw(k, L());
  const id = `signin-${++seq}`;
  const http: Http = { lang: L };
  root.innerHTML = `<div class="signin" data-testid="signin">
    ${opts.heading ? `<h1>${esc(t('title'))}</h1>` : ''}
    ${opts.hint ? `<p class="hint">${esc(opts.hint)}</p>` : ''}
    <div role="tablist" aria-label="${esc(t('tabs'))}">${TABS.map(([tab, k], i) => `<button type="button" role="tab" id="${id}-${tab}" aria-controls="${id}-${tab}-panel" aria-selected="${i === 0}" tabindex="${i === 0 ? 0 : -1}" data-tab="${tab}" data-testid="signin-tab-${tab}">${esc(t(k))}</button>`).join('')}</div>
    <form role="tabpanel" id="${id}-password-panel" aria-labelledby="${id}-password" data-panel="password" data-testid="login-form">
      <label>${esc(t('user'))}<input name="login" autocomplete="username" required data-testid="login-user" value="${esc(opts.login ?? '')}"></label>
      <label>${esc(t('password'))}<input name="password" type="password" autocomplete="current-password" required data-testid="login-password"></label>
      <p class="error" data-testid="login-error" role="alert" hidden></p>
      <button type="submit" class="primary" data-testid="login-submit">${esc(t('login'))}</button>
    </form>
    <section role="tabpanel" id="${id}-eds-panel" aria-labelledby="${id}-eds" data-panel="eds" data-testid="signin-eds" hidden>
      <p class="hint">${esc(t('edsHint'))}</p>
      <button type="button" class="primary" data-testid="eds-submit">${esc(t('edsButton'))}</button>
      <p class="status" data-testid="eds-status" aria-live="polite" hidden></p>
      <p class="error" data-testid="eds-error" role="alert" hidden></p>
    </section>
    <section role="tabpanel" id="${id}-sms-panel" aria-labelledby="${id}-sms" data-panel="sms" data-testid="signin-sms" hidden>
      <form data-step="iin" novalidate>
        <p class="hint">${esc(t('smsHint'))}</p>
        <label>${esc(t('iin'))}<input name="iin" inputmode="numeric" autocomplete="off" maxlength="14" data-testid="sms-iin"></label>
        <button type="submit" class="primary" data-testid="sms-send">${esc(t('sendCode'))}</button>
      </form>
      <form data-step="code" novalidate hidden>
        <p data-testid="sms-sent">${esc(t('codeSent'))} <b data-testid="sms-phone"></b></p>
        <label>${esc(t('code'))}<input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8" data-testid="sms-code"></label>
        <p class="hint" data-testid="sms-expires" aria-live="off"></p>
        <button type="submit" class="primary" data-testid="sms-verify">${esc(t('verify'))}</button>
        <div class="row"><button type="button" data-testid="sms-resend" disabled>${esc(t('resend'))}</button>
          <button type="button" class="link" data-testid="sms-other">${esc(t('otherIin'))}</button></div>
      </form>
      <p class="error" data-testid="sms-error" role="alert" hidden></p>
    </section>
  </div>`;
  const q = <T extends HTMLElement>(sel: string) => root.querySelector<T>(sel)!;
  const show = (el: HTMLElement, html: string | null) => { el.hidden = html === null; el.innerHTML = html ?? ''; };
  const showText = (el: HTMLElement, text: string | null) => show(el, text === null ? null : esc(text));
  let finished = false;
  const signedIn = async (u: U) => { finished = true; stop(); await opts.done(u); };

  // Tabs: click or arrow keys.
  const tabs = [...root.querySelectorAll<HTMLButtonElement>('[role=tab]')];
  const select = (tab: Tab, focus = false) => {
    for (const b of tabs) {
      const on = b.dataset.tab === tab;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    for (const p of root.querySelectorAll<HTMLElement>('[data-panel]')) p.hidden = p.dataset.panel !== tab;
  };
  const tablist = q('[role=tablist]');
  tablist.addEventListener('click', (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLButtonElement>('[role=tab]');
    if (b) select(b.dataset.tab as Tab);
  });
  tablist.addEventListener('keydown', (ev) => {
    const i = tabs.findIndex((b) => b.getAttribute('aria-selected') === 'true');
    const d = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
    if (d) { ev.preventDefault(); select(tabs[(i + d + tabs.length) % tabs.length].dataset.tab as Tab, true); }
  });

  // Password.
  const pf = q<HTMLFormElement>('[data-panel=password]');
  pf.onsubmit = async (ev) => {
    ev.preventDefault();
    const fd = new FormData(pf);
    const err = q('[data-testid=login-error]');
    showText(err, null);
    try {
      await signedIn(await opts.password(String(fd.get('login') ?? '').trim(), String(fd.get('password') ?? '')));
    } catch (e) {
      showText(err, (e as Error).message);
    }
  };

  // EDS.
  const edsBtn = q<HTMLButtonElement>('[data-testid=eds-submit]');
  edsBtn.onclick = async () => {
    const status = q('[data-testid=eds-status]'), err = q('[data-testid=eds-error]');
    show(err, null);
    edsBtn.disabled = true;
    try {
      showText(status, t('edsWaiting'));
      const c = await sendJson<{ challenge: string }>(http, 'POST', '/api/auth/eds/challenge', undefined, t('unavailable'));
      const cms = await signCms({ data: c.challenge, attached: true, purpose: 'auth', locale: serverLang(L()) });
      showText(status, t('edsChecking'));
      const u = await sendJson<U>(http, 'POST', '/api/auth/eds/login', { cms }, t('unavailable'));
      await signedIn(u);
    } catch (e) {
      showText(status, null);
      show(err, e instanceof NcaLayerError ? ncaLayerMessage(e, L()) : esc((e as Error).message));
    } finally {
      edsBtn.disabled = false;
    }
  };

  // SMS.
  const iinForm = q<HTMLFormElement>('[data-step=iin]'), codeForm = q<HTMLFormElement>('[data-step=code]');
  const smsErr = q('[data-testid=sms-error]');
  const iinInput = q<HTMLInputElement>('[data-testid=sms-iin]'), codeInput = q<HTMLInputElement>('[data-testid=sms-code]');
  const sendBtn = q<HTMLButtonElement>('[data-testid=sms-send]'), resendBtn = q<HTMLButtonElement>('[data-testid=sms-resend]');
  let iin = '';
  let expiresAt = 0, resendAt = 0, retryAt = 0;
  let timer: ReturnType<typeof setInterval> | null = null;
  const left = (at: number) => Math.max(0, Math.ceil((at - Date.now()) / 1000));
  const mmss = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  const tick = () => {
    if (!root.isConnected || finished) { stop(); return; }
    const exp = left(expiresAt), res = left(resendAt), retry = left(retryAt);
    const expEl = q('[data-testid=sms-expires]');
    expEl.textContent = exp > 0 ? `${t('expiresIn')} ${mmss(exp)}` : t('expired');
    expEl.classList.toggle('error', exp === 0);
    const wait = Math.max(res, retry);
    resendBtn.disabled = wait > 0;
    resendBtn.textContent = wait > 0 ? `${t('resendIn')} ${wait} ${t('seconds')}` : t('resend');
    sendBtn.disabled = retry > 0;
    sendBtn.textContent = retry > 0 ? `${t('retryAfter')} ${retry} ${t('seconds')}` : t('sendCode');
  };
  const stop = () => { if (timer) clearInterval(timer); timer = null; };
  const run = () => { tick(); if (!timer) timer = setInterval(tick, 1000); };
  const start = async () => {
    showText(smsErr, null);
    try {
      const s = await sendJson<{ phone_hint?: string; expires_in?: number; resend_in?: number }>(http, 'POST', '/api/auth/sms/start', { iin }, t('unavailable'));
      expiresAt = Date.now() + Math.max(0, Number(s.expires_in ?? 300)) * 1000;
      resendAt = Date.now() + Math.max(0, Number(s.resend_in ?? 60)) * 1000;
      q('[data-testid=sms-phone]').textContent = s.phone_hint ?? '';
      iinForm.hidden = true;
      codeForm.hidden = false;
      codeInput.value = '';
      codeInput.focus();
      run();
    } catch (e) {
      if (e instanceof Refusal && e.retryAfter) { retryAt = Date.now() + e.retryAfter * 1000; run(); }
      showText(smsErr, (e as Error).message);
    }
  };
  iinForm.onsubmit = async (ev) => {
    ev.preventDefault();
    iin = normalizeIin(iinInput.value);
    if (!isValidIin(iin)) {
      iinInput.setAttribute('aria-invalid', 'true');
      showText(smsErr, t('iinInvalid'));
      iinInput.focus();
      return;
    }
    iinInput.removeAttribute('aria-invalid');
    sendBtn.disabled = true;
    try { await start(); } finally { if (left(retryAt) === 0) sendBtn.disabled = false; }
  };
  iinInput.oninput = () => { if (iinInput.hasAttribute('aria-invalid') && isValidIin(normalizeIin(iinInput.value))) { iinInput.removeAttribute('aria-invalid'); showText(smsErr, null); } };
  resendBtn.onclick = () => void start();
  q('[data-testid=sms-other]').onclick = () => {
    stop();
    codeForm.hidden = true;
    iinForm.hidden = false;
    showText(smsErr, null);
    iinInput.focus();
  };
  codeForm.onsubmit = async (ev) => {
    ev.preventDefault();
    const code = codeInput.value.replace(/\s/g, '');
    if (!/^\d{4,8}$/.test(code)) { showText(smsErr, t('codeInvalid')); codeInput.focus(); return; }
    showText(smsErr, null);
    const b = q<HTMLButtonElement>('[data-testid=sms-verify]');
    b.disabled = true;
    try {
      await signedIn(await sendJson<U>(http, 'POST', '/api/auth/sms/verify', { iin, code }, t('unavailable')));
    } catch (e) {
      showText(smsErr, (e as Error).message);
      codeInput.select();
    } finally {
      b.disabled = false;
    }
  };
  return stop;
}
