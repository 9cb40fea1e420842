// The monitoring table, the card's timeline and the dashboards (MON-1, ANL-1) in headless Chromium
// (playwright-core, Debian's /usr/bin/chromium) against a running Qala server with the Almaty demo
// and its demo users: QALA_URL, QALA_PASSWORD (the demo users' password), screenshots into
// QALA_ARTIFACTS. Applications are made through the API first (the demo applicant submits, the
// akimat's and Almaty Su's staff claim, forward, return, refuse and comment), then the browser's
// table, card and dashboards are held to what the API answers for the same question.
// One line per check ("ok - ..." / "not ok - ..."); exit code 1 when any fails.
import { base, password, artifacts, check, fail, finish, same, login, call, must, launch, newContext, pageErrors } from './apps-lib.mjs';
import { join } from 'node:path';

// ---------------------------------------------------------------- the API, as the demo users
/** A signed-in session: `req(method, path, body, headers)` with the session cookie and CSRF token. */
async function session(who) {
  const s = await login(who);
  return { login: who, user: s.user, cookie: s.cookie, req: (method, path, body, extra = {}) => call(s, method, path, body, extra) };
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

// ---------------------------------------------------------------- the browser
/** RFC 4180 CSV: rows of fields (quotes, doubled quotes, commas and newlines in quotes). */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const s = await seed();
const staff = s.head; // akimat-head: the akimat's applications
const api = async (path) => must(await staff.req('GET', path), path).json;
const apiNumbers = async (query) => (await api(`/api/applications/table?${query}`)).rows.map((r) => r.number ?? '');

const browser = await launch();
const newPage = (viewport = { width: 1280, height: 900 }, lang = 'ru') => newContext(browser, { device: { viewport }, lang, name: 'monitor', downloads: false });
/** Signs `page` in as `login` through the API (the session cookie lands in the browser). */
async function signIn(page, login) {
  await page.goto(`${base}/app/services`);
  const ok = await page.evaluate(async ([u, p]) => (await fetch('/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: u, password: p }) })).ok, [login, password]);
  if (!ok) throw new Error(`sign-in of ${login} failed`);
}
const shown = (page) => page.$$eval('[data-testid=mon-row]', (els) => els.map((e) => e.dataset.number));
/** Waits until the table has drawn a load after `prev` (its data-loaded changed, not busy). */
async function tableDrawn(page, prev = null) {
  await page.waitForFunction((p) => {
    const t = document.querySelector('[data-testid=mon-table]');
    return t && t.dataset.loaded && t.dataset.loaded !== p && !t.hasAttribute('aria-busy');
  }, prev);
}
const loadedMark = (page) => page.$eval('[data-testid=mon-table]', (t) => t.dataset.loaded ?? null).catch(() => null);

try {
  // 1. The table, signed in through the form; the first page and the measure.
  let { page } = await newPage();
  await page.goto(`${base}/app/monitor`);
  await page.waitForSelector('[data-testid=login-form]');
  await page.fill('[data-testid=login-user]', 'akimat-head');
  await page.fill('[data-testid=login-password]', password);
  await page.click('[data-testid=login-submit]');
  await tableDrawn(page);
  check('signing in on /app/monitor shows the table', (await shown(page)).length > 0);
  const t0 = Date.now();
  const tableRequests = [];
  page.on('request', (r) => { if (r.url().includes('/api/applications/table')) tableRequests.push(r.url()); });
  await page.goto(`${base}/app/monitor`);
  await page.waitForSelector('[data-testid=mon-row]');
  const wall = Date.now() - t0;
  const mark = await page.evaluate(() => performance.getEntriesByName('monitor-first-page')[0]?.startTime ?? null);
  console.log(`# first page of the table: ${Math.round(mark)} ms after navigation start (performance mark), ${wall} ms wall clock from goto`);
  // The measure (< 1 s with 100,000 applications) is taken on a quiet machine against the built
  // bundle; here the bound is MON_FIRST_PAGE_MS (default 5 s), so that a loaded test machine does not fail it.
  const bound = Number(process.env.MON_FIRST_PAGE_MS ?? 5000);
  check(`the first page is drawn within ${bound} ms of navigation`, mark !== null && mark < bound, `${mark} ms`);
  check('the first page is one table request', tableRequests.length === 1, JSON.stringify(tableRequests));
  await page.screenshot({ path: join(artifacts, 'monitor-table.png'), fullPage: true });

  // 2. The rows the API gives, in its order; overdue marked where the API says so.
  const apiPage = await api('/api/applications/table?limit=50');
  const rows = await shown(page);
  check('the table shows the rows of the API, in order', same(rows, apiPage.rows.map((r) => r.number ?? '')), { rows, api: apiPage.rows.map((r) => r.number ?? '') });
  check('every application made by the test is in the table', s.made.every((m) => rows.includes(m.number)));
  const marks = await page.$$eval('[data-testid=mon-row]', (els) => els.map((e) => [e.dataset.number, e.dataset.overdue === 'true', e.classList.contains('overdue'), !!e.querySelector('[data-testid=overdue-badge]')]));
  check('overdue rows are marked exactly where the API says overdue', marks.every(([n, d, c, b]) => { const r = apiPage.rows.find((x) => x.number === n); return r && d === r.overdue && c === r.overdue && b === r.overdue; }), marks);
  const refRow = await page.$eval(`[data-testid=mon-row][data-number="${s.ref.number}"] td.time`, (e) => e.textContent);
  check('a closed row shows the time spent, an open one the time left', /затрачено/.test(refRow) && /осталось/.test(await page.$eval(`[data-testid=mon-row][data-number="${s.com.number}"] td.time`, (e) => e.textContent)), refRow);

  // 3. Sorting by a column follows the API's sort.
  for (const [col, label] of [['number', 'number ascending'], ['number', 'number descending'], ['district', 'district ascending'], ['status', 'status ascending']]) {
    const prev = await loadedMark(page);
    await page.click(`[data-testid=sort-${col}]`);
    await tableDrawn(page, prev);
    const sort = new URL(page.url()).searchParams.get('sort');
    check(`sorting by ${label} orders as the API's sort=${sort}`, sort?.replace('-', '') === col && same(await shown(page), await apiNumbers(`sort=${sort}&limit=50`)), { sort, shown: await shown(page) });
  }

  // 4. A filter narrows the rows as the API's filter does, lives in the address, and the export
  //    links carry exactly it.
  const district = s.made[0] && (await api(`/api/applications/${s.fwd.id}`)).district;
  let prev = await loadedMark(page);
  await page.selectOption('[data-testid=f-district]', district);
  await tableDrawn(page, prev);
  const url = new URL(page.url());
  const filtered = await shown(page);
  const apiFiltered = await apiNumbers(`district=${district}&sort=${url.searchParams.get('sort')}&limit=50`);
  check('the district filter is in the address', url.searchParams.get('district') === district, page.url());
  check('the district filter shows the rows of the API for it', filtered.length > 0 && filtered.length < rows.length && same(filtered, apiFiltered), { filtered, apiFiltered });
  const csvHref = await page.$eval('[data-testid=export-csv]', (a) => a.getAttribute('href'));
  const csv = await staff.req('GET', csvHref);
  const csvRows = parseCsv(csv.text.replace(/^\uFEFF/, '')).filter((r) => r.length > 1);
  const csvNumbers = csvRows.slice(1).map((r) => r[0]);
  check('the CSV export link carries the filter', new URL(csvHref, base).searchParams.get('district') === district && csv.status === 200, csvHref);
  check('the CSV export holds exactly the filtered rows', same(csvNumbers, filtered) && csv.headers.get('qala-rows') === String(filtered.length), { csvNumbers, filtered });
  check('the CSV export rows are all in the district', csvRows.slice(1).every((r) => r[6] === district));
  const xlsxHref = await page.$eval('[data-testid=export-xlsx]', (a) => a.getAttribute('href'));
  const xlsx = await staff.req('GET', xlsxHref);
  check('the XLSX export link answers a workbook of the filtered rows', xlsx.status === 200 && /spreadsheetml/.test(xlsx.headers.get('content-type') ?? '') && xlsx.headers.get('qala-rows') === String(filtered.length), `${xlsx.status} ${xlsx.headers.get('qala-rows')}`);
  await page.screenshot({ path: join(artifacts, 'monitor-filtered.png'), fullPage: true });
  // The address reproduces the view.
  const link = page.url();
  ({ page } = await newPage());
  await signIn(page, 'akimat-head');
  await page.goto(link);
  await tableDrawn(page);
  check('opening the address again reproduces the filtered view', same(await shown(page), filtered) && (await page.$eval('[data-testid=f-district]', (e) => e.value)) === district);
  // Status and the number search.
  prev = await loadedMark(page);
  await page.click('[data-testid=f-clear]');
  await tableDrawn(page, prev);
  prev = await loadedMark(page);
  await page.selectOption('[data-testid=f-status]', 'returned');
  await tableDrawn(page, prev);
  const returned = await shown(page);
  check('the status filter shows the API\'s returned applications', returned.includes(s.ret.number) && same(returned, await apiNumbers(`status=returned&sort=${new URL(page.url()).searchParams.get('sort') ?? '-submitted_at'}&limit=50`)), returned);
  prev = await loadedMark(page);
  await page.click('[data-testid=f-clear]');
  await tableDrawn(page, prev);
  prev = await loadedMark(page);
  await page.fill('[data-testid=f-number]', s.ref.number.toLowerCase());
  await tableDrawn(page, prev);
  check('searching a number finds that application', same(await shown(page), [s.ref.number]), await shown(page));

  // 5. Paging with the cursor: two pages of two equal the API's two pages.
  await page.goto(`${base}/app/monitor?limit=2`);
  await tableDrawn(page);
  const p1 = await api('/api/applications/table?limit=2');
  const p2 = await api(`/api/applications/table?limit=2&cursor=${p1.next_cursor}`);
  check('the first page of two is the API\'s', same(await shown(page), p1.rows.map((r) => r.number ?? '')));
  prev = await loadedMark(page);
  await page.click('[data-testid=mon-more]');
  await tableDrawn(page, prev);
  check('"more" adds the API\'s next page (cursor)', same(await shown(page), [...p1.rows, ...p2.rows].map((r) => r.number ?? '')), await shown(page));

  // 6. The card: the timeline with its parallel branches, notes at their stage.
  await page.goto(`${base}/app/monitor/${s.fwd.id}`);
  await page.waitForSelector('[data-testid=timeline]');
  const lanes = await page.$$eval('[data-testid=tl-parallel] [data-testid=tl-lane]', (els) => els.map((e) => [...e.querySelectorAll('[data-testid=tl-stage]')].map((b) => b.dataset.stage)));
  check('the card draws the parallel branches as two lanes (water, power)', same(lanes.flat().sort(), ['power', 'water']) && lanes.length === 2, lanes);
  const fwdCard = await api(`/api/applications/${s.fwd.id}`);
  const days = await page.$$eval('[data-testid=tl-stage]', (els) => els.map((e) => [e.dataset.stage, Number(e.dataset.days)]));
  check('each stage box shows the working days of the card\'s timeline', same(days, fwdCard.timeline.map((v) => [v.stage, v.working_days])), { days, api: fwdCard.timeline });
  check('the intake comes before the parallel block', await page.$eval('[data-testid=timeline]', (t) => { const seq = [...t.children].map((c) => c.dataset.testid ?? c.querySelector('[data-testid=tl-stage]')?.dataset.stage ?? ''); return seq.indexOf('intake') < seq.indexOf('tl-parallel'); }));
  check('the comment is shown at the water stage', (await page.$$eval('[data-testid=tl-stage][data-stage=water] [data-testid=tl-note][data-kind=comment]', (e) => e.map((x) => x.textContent))).some((t) => t.includes('насосной')));
  await page.screenshot({ path: join(artifacts, 'monitor-card-parallel.png'), fullPage: true });
  await page.goto(`${base}/app/monitor/${s.ref.id}`);
  await page.waitForSelector('[data-testid=timeline]');
  const refCard = await api(`/api/applications/${s.ref.id}`);
  const refusal = await page.$$eval('[data-testid=tl-stage][data-stage=intake] [data-testid=tl-note][data-kind=refused]', (e) => e.map((x) => x.textContent));
  check('the refusal reason is shown at the stage it was given', refusal.length === 1 && refusal[0].includes(refCard.refusal.reason) && refusal[0].includes('Нет подписи'), refusal);
  check('the refused card ends in its result', (await page.textContent('[data-testid=tl-end]')).includes('Отказано'));
  await page.screenshot({ path: join(artifacts, 'monitor-card-refused.png'), fullPage: true });
  await page.goto(`${base}/app/monitor/${s.ret.id}`);
  await page.waitForSelector('[data-testid=timeline]');
  const ret = await page.$$eval('[data-testid=tl-stage][data-stage=intake] [data-testid=tl-note]', (e) => e.map((x) => `${x.dataset.kind}: ${x.textContent}`));
  // (The comment sent with a return is not in the card's history: only in the notification.)
  check('the return for corrections is shown at intake, the flagged field by its label', ret.some((t) => t.startsWith('returned') && t.includes('Этажность')), ret);

  // 7. Overdue rows highlighted (a page served by the test: a fresh database has none overdue yet).
  await page.route('**/api/applications/table?**', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ next_cursor: null, rows: [
    { id: 1, number: 'A-TEST-1', service_id: 'network_connection', service_title: 'x', status: 'in_progress', stages: ['intake'], executors: [], org: 'almaty-akimat', district: district, applicant: 'a', submitted_at: '2026-01-05T05:00:00Z', due_at: '2026-01-19T19:00:00Z', closed_at: null, overdue: true },
    { id: 2, number: 'A-TEST-2', service_id: 'network_connection', service_title: 'x', status: 'in_progress', stages: ['intake'], executors: [], org: 'almaty-akimat', district: district, applicant: 'a', submitted_at: '2099-01-05T05:00:00Z', due_at: '2099-01-19T19:00:00Z', closed_at: null, overdue: false }] }) }));
  await page.goto(`${base}/app/monitor?number=A-TEST`);
  await tableDrawn(page);
  const od = await page.$$eval('[data-testid=mon-row]', (els) => els.map((e) => [e.classList.contains('overdue'), !!e.querySelector('[data-testid=overdue-badge]'), e.querySelector('td.time').className.includes('t-overdue'), getComputedStyle(e.querySelector('td')).backgroundColor]));
  check('an overdue row is highlighted (row colour, badge, time overdue) and the other is not', od[0][0] && od[0][1] && od[0][2] && !od[1][0] && !od[1][1] && od[0][3] !== od[1][3], od);
  await page.unroute('**/api/applications/table?**');

  // 8. The dashboards draw the API's numbers.
  const summary = await api('/api/applications/analytics');
  await page.goto(`${base}/app/dashboard`);
  await page.waitForSelector('.dash[data-loaded]');
  const total = (k) => page.$eval(`[data-testid=total-${k}]`, (e) => e.dataset.value);
  const sum = (list, keys) => list.filter((r) => !keys || keys.includes(r.key)).reduce((a, r) => a + r.count, 0);
  check('the total shown is the API\'s', Number(await total('total')) === sum(summary.by_status), `${await total('total')} vs ${sum(summary.by_status)}`);
  check('open, closed and overdue shown are the API\'s', Number(await total('open')) === sum(summary.by_status, ['in_progress', 'returned']) && Number(await total('closed')) === summary.closed && Number(await total('overdueOpen')) === summary.overdue_open);
  check('deadline compliance shown is the API\'s', (await total('compliance')) === (summary.compliance == null ? '' : String(summary.compliance)));
  const charts = await page.$$eval('[data-testid=chart]', (els) => els.map((e) => ({ dim: e.dataset.dim, metric: e.dataset.metric, keys: JSON.parse(e.dataset.keys ?? '[]'), values: JSON.parse(e.dataset.values ?? '[]'), drawn: (() => { const c = e.querySelector('canvas'); return c?.chart ? c.chart.data.datasets[0].data : null; })() })));
  const expect = {
    status: [summary.by_status.map((r) => r.key ?? ''), summary.by_status.map((r) => r.count)],
    service: [summary.by_service.map((r) => r.key ?? ''), summary.by_service.map((r) => r.count)],
    month: [[...summary.by_month].sort((a, b) => String(a.key).localeCompare(String(b.key))).map((r) => r.key ?? ''), [...summary.by_month].sort((a, b) => String(a.key).localeCompare(String(b.key))).map((r) => r.count)],
    backlog: [summary.backlog_age.map((r) => r.key ?? ''), summary.backlog_age.map((r) => r.count)],
    compliance: summary.closed ? [['in_time', 'late'], [summary.closed_in_time, summary.closed - summary.closed_in_time]] : [[], []],
    stage: [summary.time_per_stage.map((t) => `${t.service}/${t.stage}`), summary.time_per_stage.map((t) => t.median_days ?? 0)],
  };
  for (const c of charts) {
    const [keys, values] = expect[c.dim];
    check(`the chart "${c.dim}" holds the API's numbers (and the Chart instance draws them)`, same(c.keys, keys) && same(c.values, values) && (values.length === 0 || same(c.drawn, values)), { c, keys, values });
  }
  // The user picks what a chart shows and how.
  const fig = '[data-testid=chart][data-card="3"]';
  await page.selectOption(`${fig} [data-testid=chart-dim]`, 'district');
  await page.waitForFunction((f) => document.querySelector(f).dataset.dim === 'district', fig);
  await page.selectOption(`${fig} [data-testid=chart-kind]`, 'pie');
  await page.waitForFunction((f) => document.querySelector(f).dataset.kind === 'pie', fig);
  let c3 = await page.$eval(fig, (e) => ({ keys: JSON.parse(e.dataset.keys), values: JSON.parse(e.dataset.values), type: e.querySelector('canvas').chart?.config.type }));
  check('a chart switched to districts as a pie draws the API\'s by_district', same(c3.keys, summary.by_district.map((r) => r.key ?? '')) && same(c3.values, summary.by_district.map((r) => r.count)) && c3.type === 'pie', c3);
  await page.selectOption(`${fig} [data-testid=chart-metric]`, 'share');
  await page.waitForFunction((f) => document.querySelector(f).dataset.metric === 'share', fig);
  c3 = await page.$eval(fig, (e) => JSON.parse(e.dataset.values));
  const all = sum(summary.by_district);
  check('its share measure is each district\'s share of the API\'s counts', same(c3, summary.by_district.map((r) => Math.round((r.count / all) * 1000) / 10)), c3);
  await page.click('[data-testid=charts-reset]');
  // The districts map: its numbers, and a click on a district opens the table filtered to it.
  const geo = await api('/api/applications/analytics/districts');
  await page.waitForSelector('[data-testid=district-map][data-ready=true]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=district-link]').length > 0);
  const listed = await page.$$eval('[data-testid=district-link]', (els) => Object.fromEntries(els.map((e) => [e.dataset.kato, Number(e.dataset.value)])));
  check('the districts map lists the API\'s count per district', same(listed, Object.fromEntries(geo.features.map((f) => [f.properties.kato, f.properties.count]).sort((a, b) => b[1] - a[1]))), listed);
  check('the map legend spans the largest count', Number(await page.$eval('[data-testid=map-legend]', (e) => e.dataset.max)) === Math.max(...geo.features.map((f) => f.properties.count)));
  await page.evaluate(() => new Promise((res) => { const m = window.qalaDashboardMap; if (m.loaded() && m.areTilesLoaded()) res(); else m.once('idle', () => res()); }));
  await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
  const [lon, lat] = fwdCard.geometry.coordinates;
  const pt = await page.evaluate(([x, y]) => { const m = window.qalaDashboardMap; const p = m.project([x, y]); const r = m.getCanvas().getBoundingClientRect(); m.getCanvas().scrollIntoView({ block: 'center' }); const r2 = m.getCanvas().getBoundingClientRect(); return { x: r2.left + p.x, y: r2.top + p.y, r }; }, [lon, lat]);
  await page.mouse.click(pt.x, pt.y);
  await page.waitForURL((u) => u.pathname === '/app/monitor');
  await tableDrawn(page);
  const clicked = new URL(page.url()).searchParams.get('district');
  check('a click on a district opens the table filtered to it', clicked === fwdCard.district, page.url());
  check('the table opened from the map shows the API\'s rows of that district', same(await shown(page), await apiNumbers(`district=${clicked}&limit=50`)));

  // 9. Every language: its own words on the table and the dashboards; phones too.
  // Kazakh Latin is the Kazakh transliterated: no Cyrillic left, and not the Russian or English words.
  const latin = /^[^\u0400-\u04FF]+$/;
  const heads = { kk: ['Өтінімдер мониторингі', 'Көрсеткіштер'], 'kk-Latn': [latin, latin], ru: ['Мониторинг заявок', 'Показатели'], en: ['Applications monitoring', 'Dashboards'] };
  const is = (text, want) => (want instanceof RegExp ? want.test(text.trim()) && !['Applications monitoring', 'Dashboards'].includes(text.trim()) : text.trim() === want);
  for (const [lang, [mon, dash]] of Object.entries(heads)) {
    await page.evaluate((l) => localStorage.setItem('qala.lang', l), lang);
    await page.goto(`${base}/app/monitor`);
    await tableDrawn(page);
    const h = await page.textContent('.monitor h1');
    const th = await page.$$eval('thead th', (e) => e.map((x) => x.textContent.trim()));
    check(`the table in ${lang} has its own heading and column titles`, is(h, mon) && th.every((t) => t && (lang !== 'kk-Latn' || latin.test(t))), `${h} ${th}`);
    await page.screenshot({ path: join(artifacts, `monitor-${lang}.png`), fullPage: true });
    await page.goto(`${base}/app/dashboard`);
    await page.waitForSelector('.dash[data-loaded]');
    await page.waitForSelector('[data-testid=district-map][data-ready=true]');
    const dh = await page.textContent('.dash h1');
    const labels = await page.$$eval('.dash label, .tile-l', (e) => e.map((x) => x.textContent.trim()));
    check(`the dashboards in ${lang} have their own heading and labels`, is(dh, dash) && (lang !== 'kk-Latn' || labels.every((t) => latin.test(t))), `${dh} ${labels.filter((t) => !latin.test(t))}`);
    await page.screenshot({ path: join(artifacts, `dashboard-${lang}.png`), fullPage: true });
  }
  const phone = await newPage({ width: 360, height: 740 }, 'kk');
  await signIn(phone.page, 'akimat-head');
  for (const [path, ready, name] of [['/app/monitor', '[data-testid=mon-row]', 'monitor'], ['/app/dashboard', '.dash[data-loaded]', 'dashboard'], [`/app/monitor/${s.fwd.id}`, '[data-testid=timeline]', 'card']]) {
    await phone.page.goto(`${base}${path}`);
    await phone.page.waitForSelector(ready);
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    check(`the ${name} on a 360 px phone does not scroll sideways`, width <= 360, `${width}`);
    await phone.page.screenshot({ path: join(artifacts, `phone-${name}.png`), fullPage: true });
  }

  // 10. An applicant gets no one else's rows: the API refuses, the page says so and shows none.
  const applicantApi = await s.app.req('GET', '/api/applications/table');
  check('the API refuses the table to an applicant', applicantApi.status === 403, `${applicantApi.status}`);
  const ap = await newPage();
  await signIn(ap.page, 'demo-applicant');
  const seen = [];
  ap.page.on('response', (r) => { if (r.url().includes('/api/applications/table') || r.url().includes('/api/applications/analytics')) seen.push(r.status()); });
  await ap.page.goto(`${base}/app/monitor`);
  await ap.page.waitForSelector('[data-testid=mon-forbidden]');
  check('an applicant on /app/monitor is told it is for staff and sees no rows', (await ap.page.$$('[data-testid=mon-row]')).length === 0);
  check('no table request of the applicant\'s page answered rows', seen.length > 0 && seen.every((st) => st === 403), JSON.stringify(seen));
  await ap.page.screenshot({ path: join(artifacts, 'monitor-applicant.png') });
  await ap.page.goto(`${base}/app/dashboard`);
  await ap.page.waitForFunction(() => /нет доступа|no access|қол жеткізу/i.test(document.querySelector('#main')?.textContent ?? ''));
  check('an applicant on /app/dashboard sees no numbers', (await ap.page.$$('[data-testid=total-total]')).length === 0 && seen.every((st) => st === 403));
} catch (e) {
  fail(`the run stopped: ${e.stack ?? e}`);
} finally {
  check('no uncaught errors on the pages', pageErrors.length === 0, JSON.stringify(pageErrors));
  await browser.close();
}
finish();
