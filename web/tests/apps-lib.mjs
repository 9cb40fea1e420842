// What the browser tests of the applications screens (web/tests/apps-*.mjs) share: the
// environment (QALA_URL, QALA_ARTIFACTS, QALA_PASSWORD), the "ok - / not ok - " lines and their
// failure count, the API as a demo user (session cookie + CSRF token), valid test values (a BIN,
// a small PDF), and Chromium launched as web/tests/e2e.mjs launches it (Debian's /usr/bin/chromium,
// requests to other hosts aborted, the language set once per tab).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const base = (process.env.QALA_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
export const artifacts = process.env.QALA_ARTIFACTS ?? 'test-artifacts';
export const password = process.env.QALA_PASSWORD ?? 'demo-pass-1';
export const host = new URL(base).host;
mkdirSync(artifacts, { recursive: true });

// ------------------------------------------------------------ checks
let failed = 0;
/** One line per check; a failure counts and prints its detail (objects as JSON, at most 2000 characters). */
export function check(name, cond, detail = '') {
  if (cond) console.log(`ok - ${name}`);
  else { failed += 1; console.log(`not ok - ${name} ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`.slice(0, 2000)); }
}
/** Counts a failure that is not a check (e.g. the run stopped). */
export function fail(line) {
  failed += 1;
  console.log(`not ok - ${line}`);
}
export const failures = () => failed;
/** Exits with 1 when any check failed. */
export const finish = () => process.exit(failed ? 1 : 0);
export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// ------------------------------------------------------------ the API, as a demo user
/** Signs `who` in: `{ login, user, cookie, csrf }` (the session cookie and the CSRF token). */
export async function login(who, pass = password) {
  const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: who, password: pass }) });
  if (!r.ok) throw new Error(`login ${who}: ${r.status} ${await r.text()}`);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const user = await r.json();
  return { login: who, user, cookie, csrf: user.csrf ?? '' };
}
/** A request as `session` (null: anonymous); a JSON body is sent as JSON, bytes as they are.
 *  `{ status, etag, json, text, headers }`. */
export async function call(session, method, path, body, headers = {}) {
  const h = { 'Accept-Language': 'ru', 'X-Requested-With': 'XMLHttpRequest', ...headers };
  if (session) { h.Cookie = session.cookie; if (method !== 'GET') h['X-CSRF-Token'] = session.csrf; }
  let payload = body;
  if (body !== undefined && !(body instanceof Uint8Array)) { payload = JSON.stringify(body); h['Content-Type'] = 'application/json'; }
  const r = await fetch(`${base}${path}`, { method, headers: h, body: payload });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, etag: r.headers.get('etag'), json, text, headers: r.headers };
}
/** Throws unless `r` succeeded; `r`. */
export function must(r, what) {
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r;
}
/** Action `body` on application `id` at its current version (If-Match from the card read now). */
export async function act(session, id, body) {
  const card = await call(session, 'GET', `/api/applications/${id}`);
  return call(session, 'POST', `/api/applications/${id}/actions`, body, { 'If-Match': card.etag });
}

// ------------------------------------------------------------ test values
/** A valid BIN (registration month 01-12, entity kind 4) with its check digit. */
export function makeBin(seed) {
  const w1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], w2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
  for (let n = seed; ; n++) {
    const d = `0904400${String(n % 10000).padStart(4, '0')}`.split('').map(Number);
    let c = d.reduce((s, x, i) => s + x * w1[i], 0) % 11;
    if (c === 10) c = d.reduce((s, x, i) => s + x * w2[i], 0) % 11;
    if (c !== 10) return d.join('') + c;
  }
}

/** A small PDF of about 1.5 MB (the bytes begin as a PDF's do, so its type is read as PDF). */
export function pdf() {
  const head = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n');
  const pad = Buffer.alloc(1_500_000, 0x20);
  return Buffer.concat([head, pad, Buffer.from('\n%%EOF\n')]);
}

// ------------------------------------------------------------ the browser
export const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const DESKTOP = { viewport: { width: 1280, height: 860 } };

/** Chromium as web/tests/e2e.mjs launches it. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
  });
}

/** Uncaught errors of every page opened by `newContext`, each prefixed by its context's name. */
export const pageErrors = [];

/** A browser context (`device`: PHONE, DESKTOP or any context options) that aborts requests to
 *  other hosts and sets the language `lang` once per tab (a language chosen in the page then
 *  stays); its first page. Uncaught errors of its pages go to `pageErrors`. */
export async function newContext(browser, { device = DESKTOP, lang = 'ru', name = 'page', downloads = true } = {}) {
  const context = await browser.newContext({ ...device, locale: 'ru-RU', acceptDownloads: downloads });
  await context.route('**/*', (route) => (new URL(route.request().url()).host === host ? route.continue() : route.abort('internetdisconnected')));
  // (Frames without storage, e.g. an opaque-origin document, are left alone.)
  await context.addInitScript((l) => {
    try { if (!sessionStorage.getItem('qala.test')) { localStorage.setItem('qala.lang', l); sessionStorage.setItem('qala.test', '1'); } } catch { /* no storage here */ }
  }, lang);
  context.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(`${name}: ${e}`)));
  const page = await context.newPage();
  return { context, page };
}

/** Signs in through the shell's form (shown on a page that needs a user, or by its Log in button). */
export async function signInForm(page, who, pass = password) {
  await page.waitForSelector('[data-testid=login-form]');
  await page.fill('[data-testid=login-user]', who);
  await page.fill('[data-testid=login-password]', pass);
  await page.click('[data-testid=login-submit]');
}

/** A screenshot taker: `shot(page, name)` saves `<prefix>-<name>.png` (full page unless `full` is false). */
export const shooter = (prefix, full = true) => (page, name) => page.screenshot({ path: join(artifacts, `${prefix}-${name}.png`), fullPage: full });

/** Whether the page fits its window's width (no horizontal scroll). */
export const noHorizontalScroll = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
