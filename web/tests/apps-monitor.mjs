// The monitoring table, the card's timeline and the dashboards (MON-1, ANL-1) in headless Chromium
// (playwright-core, Debian's /usr/bin/chromium) against a running Qala server with the Almaty demo
// and its demo users: QALA_URL, QALA_PASSWORD (the demo users' password), screenshots into
// QALA_ARTIFACTS. Applications are made through the API first (the demo applicant submits, the
// akimat's and Almaty Su's staff claim, forward, return, refuse and comment), then the browser's
// table, card and dashboards are held to what the API answers for the same question.
// One line per check ("ok - ..." / "not ok - ..."); exit code 1 when any fails.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = (process.env.QALA_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const password = process.env.QALA_PASSWORD ?? 'demo-pass-1';
const artifacts = process.env.QALA_ARTIFACTS ?? 'test-artifacts';
mkdirSync(artifacts, { recursive: true });
const host = new URL(base).host;
let failures = 0;

function check(name, cond, detail = '') {
  if (cond) console.log(`ok - ${name}`);
  else { failures += 1; console.log(`not ok - ${name} ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`.slice(0, 2000)); }
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// ---------------------------------------------------------------- the API, as the demo users
/** A signed-in session: `req(method, path, body, headers)` with the session cookie and CSRF token. */
async function session(login) {
  const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login, password }) });
  if (!r.ok) throw new Error(`login ${login}: ${r.status} ${await r.text()}`);
  const user = await r.json();
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const req = async (method, path, body, extra = {}) => {
    const h = { cookie, 'X-CSRF-Token': user.csrf ?? '', 'X-Requested-With': 'XMLHttpRequest', 'Accept-Language': 'ru', ...extra };
    let b = body;
    if (body !== undefined && !(body instanceof Uint8Array)) { b = JSON.stringify(body); h['Content-Type'] = 'application/json'; }
    const res = await fetch(`${base}${path}`, { method, headers: h, body: b });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, etag: res.headers.get('etag'), json, text, headers: res.headers };
  };
  return { login, user, cookie, req };
}

/** An IIN with a valid check digit (born 1 Jan 1990-something, a man of the 20th century). */
function iin() {
  for (;;) {
    const d = [9, Math.floor(Math.random() * 10), 0, 1, 0, 1, 3, ...Array.from({ length: 4 }, () => Math.floor(Math.random() * 10))];
    const w1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], w2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let c = d.reduce((s, x, i) => s + x * w1[i], 0) % 11;
    if (c === 10) c = d.reduce((s, x, i) => s + x * w2[i], 0) % 11;
    if (c !== 10) return [...d, c].join('');
  }
}
const form = () => ({ applicant_kind: 'person', iin: iin(), full_name: 'Айгерим Сапарова', phone: '+7 701 123 45 67', email: 'aigerim@example.kz',
  address: 'Алматы, Абай д-лы, 10', cadastral_number: '20:311:011:123', object_kind: 'house', floors: 2, water_demand: 1.5, power_demand: 15, needs_sewerage: false });
const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

function must(r, what) {
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 400)}`);
  return r;
}
/** A submitted `network_connection` (a point at lon, lat) of the applicant: its id and ETag. */
async function submitted(app, lon, lat) {
  let r = must(await app.req('POST', '/api/applications', { service: 'network_connection', form: form(), geometry: { type: 'Point', coordinates: [lon, lat] } }), 'draft');
  const id = r.json.id;
  for (const doc of ['title_deed', 'site_plan']) {
    r = must(await app.req('PUT', `/api/applications/${id}/documents/${doc}?name=${doc}.pdf`, PDF, { 'If-Match': r.etag, 'Content-Type': 'application/pdf' }), `upload ${doc}`);
  }
  r = must(await app.req('POST', `/api/applications/${id}/actions`, { action: 'submit' }, { 'If-Match': r.etag }), 'submit');
  return { id, etag: r.etag, number: r.json.number };
}
async function act(s, id, action) {
  const card = must(await s.req('GET', `/api/applications/${id}`), `card ${id}`);
  return must(await s.req('POST', `/api/applications/${id}/actions`, action, { 'If-Match': card.etag }), `${s.login} ${action.action} ${id}`);
}

/** Applications in several districts and states; what was made. */
async function seed() {
  const app = await session('demo-applicant');
  const reviewer = await session('akimat-reviewer');
  const head = await session('akimat-head');
  const su = await session('su-networks');
  const pts = [[76.93, 43.25], [76.88, 43.22], [76.95, 43.28], [76.85, 43.30], [76.99, 43.21], [76.91, 43.26]];
  const made = [];
  for (const [lon, lat] of pts) made.push(await submitted(app, lon, lat));
  const [fwd, ret, ref, com] = made;
  // Forwarded to the parallel approvals (water and power); Almaty Su works the water branch.
  await act(reviewer, fwd.id, { action: 'claim', stage: 'intake' });
  await act(reviewer, fwd.id, { action: 'forward', stage: 'intake' });
  await act(su, fwd.id, { action: 'claim', stage: 'water' });
  await act(su, fwd.id, { action: 'comment', stage: 'water', text: 'Проверяем мощность насосной станции', to_applicant: false });
  // Returned to the applicant with a flagged field; refused with a reason; commented.
  await act(reviewer, ret.id, { action: 'claim', stage: 'intake' });
  await act(reviewer, ret.id, { action: 'return_for_corrections', stage: 'intake', fields: ['floors'], comment: 'Этажность не совпадает с проектом' });
  await act(head, ref.id, { action: 'claim', stage: 'intake' });
  await act(head, ref.id, { action: 'refuse', stage: 'intake', code: 'incomplete_documents', text: 'Нет подписи на схеме' });
  await act(reviewer, com.id, { action: 'comment', text: 'Уточнить кадастровый номер', to_applicant: false });
  return { made, fwd, ret, ref, com, app, reviewer, head, su };
}

if (process.env.MON_SEED_ONLY) {
  const s = await seed();
  console.log(s.made.map((m) => `${m.id} ${m.number}`).join('\n'));
  process.exit(0);
}
