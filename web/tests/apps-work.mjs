// The reviewer's workstation (/app/work) in headless Chromium (playwright-core, Debian's
// /usr/bin/chromium) against a running Qala server with the Almaty demo and its demo users:
// QALA_URL (e.g. http://127.0.0.1:8080), QALA_PASSWORD (the demo users' password), screenshots
// into QALA_ARTIFACTS. One line per check ("ok - ..." / "not ok - ..."); exit code 1 when any fails.
//
// The story: demo-applicant submits "utilities_tc_all" (the akimat's single window, a polygon)
// through the API; akimat-window, in the browser, sees the queue counts the API gives, claims it,
// sees its site and overlay report on the map, draws and uploads vector objects on it (a plan for
// the applicant, a network from a DXF in UTM 43N; ogr2ogr makes the DXF), whose applicant then sees
// only what is for it; akimat-window returns it with a flagged field; the applicant
// corrects and resubmits (API); akimat-window forwards it to the utilities. At Almaty Su,
// su-networks tries to claim what su-intake took a moment before: the server's refusal is shown.
// The utilities and the consolidation approve through the API; akimat-head (the manager) assigns
// the last stage with the executors' loads, approves, and the decision PDF downloads.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const base = process.env.QALA_URL ?? 'http://127.0.0.1:8080';
const password = process.env.QALA_PASSWORD ?? 'demo-pass-1';
const artifacts = process.env.QALA_ARTIFACTS ?? 'test-artifacts';
mkdirSync(artifacts, { recursive: true });
const host = new URL(base).host;
let failures = 0;

function check(name, cond, detail = '') {
  if (cond) console.log(`ok - ${name}`);
  else { failures += 1; console.log(`not ok - ${name} ${detail}`); }
}

// ---- The API, as each demo user ------------------------------------------------------------
const sessions = {};
async function login(who) {
  const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: who, password }) });
  if (!r.ok) throw new Error(`login ${who}: ${r.status} ${await r.text()}`);
  const u = await r.json();
  sessions[who] = { cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: u.csrf };
}
async function req(who, method, path, body, extra = {}) {
  if (!sessions[who]) await login(who);
  const s = sessions[who];
  const h = { 'Accept-Language': 'ru', Cookie: s.cookie, ...extra };
  if (method !== 'GET') h['X-CSRF-Token'] = s.csrf;
  let payload = body;
  if (body !== undefined && !(body instanceof Uint8Array)) { payload = JSON.stringify(body); h['Content-Type'] = 'application/json'; }
  const r = await fetch(base + path, { method, headers: h, body: payload });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, etag: r.headers.get('etag') ?? '', json, text };
}
const must = (r, what) => { if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 400)}`); return r; };
const card = async (who, id) => must(await req(who, 'GET', `/api/applications/${id}`), `card ${id}`);
const act = async (who, id, body) => {
  const c = await card(who, id);
  return req(who, 'POST', `/api/applications/${id}/actions`, body, { 'If-Match': c.etag });
};
const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
async function uploadAs(who, id, doc) {
  const c = await card(who, id);
  return must(await req(who, 'PUT', `/api/applications/${id}/documents/${doc}?name=${doc}.pdf`, PDF, { 'If-Match': c.etag, 'Content-Type': 'application/pdf' }), `upload ${doc}`);
}

/** A valid BIN (the Kazakh check digit) from 11 digits. */
function bin(d11) {
  const d = [...d11].map(Number);
  let c = d.reduce((s, x, i) => s + x * (i + 1), 0) % 11;
  if (c === 10) c = d.reduce((s, x, i) => s + x * (((i + 2) % 11) + 1), 0) % 11;
  return c === 10 ? bin(String(Number(d11) + 1).padStart(11, '0')) : d11 + c;
}

// ---- The queues the API gives (or, without them, the monitoring table's filters) -----------
const QUEUES = ['new', 'pool', 'mine', 'in_review', 'returned', 'done'];
async function apiCounts(who) {
  const r = await req(who, 'GET', '/api/applications/queues');
  if (r.status === 200) return { counts: r.json.queues, from: 'queues' };
  const me = who;
  const rows = async (q) => (await req(who, 'GET', `/api/applications/table?limit=500&${{
    new: 'status=in_progress', pool: 'status=in_progress', mine: `status=in_progress&executor=${me}`, in_review: 'status=in_progress',
    returned: 'status=returned', done: 'status=approved,refused,withdrawn',
  }[q]}`)).json.rows.filter((x) => {
    const free = !(x.executors?.length);
    if (q === 'pool') return free;
    if (q === 'new') return free && Date.now() - Date.parse(x.submitted_at) < 86_400_000;
    if (q === 'in_review') return !free;
    return true;
  }).length;
  return { counts: Object.fromEntries(await Promise.all(QUEUES.map(async (q) => [q, await rows(q)]))), from: 'table' };
}

// ---- The browser ----------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
});
const pageErrors = [];
async function signedIn(who, viewport = { width: 1400, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: 'ru-RU', acceptDownloads: true });
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    return u.host === host ? route.continue() : route.abort('internetdisconnected');
  });
  await context.addInitScript(() => { try { localStorage.setItem('qala.lang', 'ru'); } catch { /* none */ } });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${who}: ${e}`));
  const r = await page.request.post(`${base}/api/auth/login`, { data: { login: who, password } });
  if (!r.ok()) throw new Error(`browser login ${who}: ${r.status()}`);
  return { context, page };
}
const shot = (page, name) => page.screenshot({ path: join(artifacts, `work-${name}.png`) });
const countsOnScreen = (page) => page.evaluate((qs) => Object.fromEntries(qs.map((q) => [q, Number(document.querySelector(`[data-testid=queue-count-${q}]`)?.dataset.count ?? NaN)])), QUEUES);
const waitCounts = (page) => page.waitForFunction(() => [...document.querySelectorAll('[data-testid^=queue-count-]')].every((e) => e.dataset.count !== undefined));
const confirm = async (page, testid) => {
  await page.waitForSelector(`dialog[data-testid=${testid}][open]`);
  await page.click(`dialog[data-testid=${testid}] [data-testid=dialog-confirm]`);
};
const statusOf = (page) => page.getAttribute('[data-testid=card-status]', 'data-status');
const waitStatus = (page, s) => page.waitForFunction((x) => document.querySelector('[data-testid=card-status]')?.dataset.status === x, s);
async function openCard(page, id) {
  await page.goto(`${base}/app/work/${id}`);
  await page.waitForSelector('[data-testid=work-app]');
  await page.waitForSelector('[data-testid=work-map][data-ready=true]', { timeout: 30000 });
}
const idle = (page) => page.evaluate(() => new Promise((res) => {
  const m = window.qalaWork.map;
  if (m.loaded() && m.areTilesLoaded()) setTimeout(res, 50); else m.once('idle', () => res());
}));

let id;
try {
  // 1. The applicant submits a polygon of the akimat's single window (API).
  const lon = 76.90 + Math.random() * 0.04, lat = 43.235 + Math.random() * 0.02, side = 0.0008;
  const site = { type: 'Polygon', coordinates: [[[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]] };
  const form = {
    bin: bin(String(12045000000 + Math.floor(Math.random() * 99999)).padStart(11, '0')), org_name: 'ТОО «Алатау Құрылыс»', contact_person: 'Айгерим Сапарова',
    phone: '+7 701 123 45 67', email: 'aigerim@example.kz', cadastral_number: '20:311:011:123', project_name: 'Тұрғын үй кешені',
    total_floor_area: 1200, networks: ['water', 'power'],
  };
  const submit = async (geometry) => {
    const created = must(await req('demo-applicant', 'POST', '/api/applications', { service: 'utilities_tc_all', form, geometry }), 'create');
    for (const d of ['title_deed', 'master_plan_sheet', 'loads']) await uploadAs('demo-applicant', created.json.id, d);
    return must(await act('demo-applicant', created.json.id, { action: 'submit' }), 'submit');
  };
  // A neighbour first (30 m east), so that the overlay lists an application nearby.
  const shift = (g, dx) => ({ type: 'Polygon', coordinates: [g.coordinates[0].map(([x, y]) => [x + dx, y])] });
  const neighbour = (await submit(shift(site, 0.0004))).json;
  let r = await submit(site);
  id = r.json.id;
  const submitted = r.json;
  check('the applicant submitted a polygon to the single window (API)', submitted.status === 'in_progress' && submitted.stages[0]?.stage === 'intake', r.text.slice(0, 200));
  const number = submitted.number;

  // 2. The reviewer's queues show the counts the API gives.
  const { page } = await signedIn('akimat-window');
  await page.goto(`${base}/app/work`);
  await page.waitForSelector('[data-testid=work-queues]');
  await waitCounts(page);
  await page.waitForSelector('[data-testid=queue-list][data-loaded=pool]');
  let api = await apiCounts('akimat-window');
  let shown = await countsOnScreen(page);
  check(`the queue counts on screen are the API's (${api.from})`, QUEUES.every((q) => shown[q] === api.counts[q]), `${JSON.stringify(shown)} vs ${JSON.stringify(api.counts)}`);
  const row = page.locator('[data-testid=queue-row]', { hasText: number });
  check('the new application is in the common pool, with its stage, time left and district', await row.count() === 1
    && (await row.textContent()).includes('«Одно окно»: приём') && (await row.locator('[data-testid=row-term]').getAttribute('data-overdue')) === 'false'
    && (await row.textContent()).includes(submitted.overlay.district.name.ru), (await row.textContent().catch(() => '')) ?? '');
  await shot(page, 'queues-pool');

  // 3. Claim from the queue (confirmed in a dialog).
  const mineBefore = shown.mine;
  await row.locator('[data-testid=row-claim]').click();
  await confirm(page, 'confirm-claim');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=queue-count-mine]')?.dataset.count) === n, mineBefore + 1);
  let c = (await card('akimat-window', id)).json;
  check('claim: the stage is held by the reviewer (API) and "mine" counts one more', c.stages[0].executor === 'akimat-window');
  api = await apiCounts('akimat-window');
  shown = await countsOnScreen(page);
  check('after the claim the counts are still the API\'s', QUEUES.every((q) => shown[q] === api.counts[q]), `${JSON.stringify(shown)} vs ${JSON.stringify(api.counts)}`);
  await page.click('[data-testid=queue-mine]');
  await page.waitForSelector('[data-testid=queue-list][data-loaded=mine]');
  check('it is listed under "mine"', await page.locator('[data-testid=queue-row]', { hasText: number }).count() === 1);

  // 4. The application beside its map: the site drawn, the overlay listed and highlighted.
  await openCard(page, id);
  await idle(page);
  const siteDrawn = await page.evaluate(() => window.qalaWork.map.queryRenderedFeatures({ layers: ['work-site-fill', 'work-site-line'] }).length);
  check('the map draws the application\'s polygon', siteDrawn > 0, `${siteDrawn}`);
  const o = c.overlay;
  const expected = (o.zones?.length ?? 0) + (o.networks?.length ?? 0) + (o.nearby?.length ?? 0);
  const listed = await page.locator('[data-testid=overlay-item]').count();
  check('the overlay report lists every zone, network and nearby application of the API\'s', listed === expected && expected > 0, `${listed} vs ${expected}`);
  check('the overlay names the district', (await page.textContent('[data-testid=overlay-district]')).includes(o.district.name.ru));
  const measures = await page.locator('[data-testid=overlay-measure]').allTextContents();
  const share0 = `${Math.round(o.zones[0].share * 1000) / 10}%`;
  check('each overlay line shows its share or distance', measures.length === expected && measures[0].startsWith(share0) && measures.every((m) => m.trim().length > 0), `${measures[0]} / ${share0}`);
  const firstNet = page.locator('[data-testid=overlay-item][data-kind=network]').first();
  if (await firstNet.count()) {
    await firstNet.hover();
    await page.waitForFunction(() => (document.querySelector('[data-testid=work-map]')?.dataset.highlight ?? '').startsWith('net:'));
    await idle(page);
    const hl = await page.evaluate(() => window.qalaWork.map.queryRenderedFeatures({ layers: ['work-hl-line'] }).length);
    check('hovering a network line highlights its feature on the map', hl > 0, `${hl}`);
  }
  const near = page.locator('[data-testid=overlay-item][data-kind=nearby]', { hasText: neighbour.number });
  check('the neighbour is listed among the applications nearby', await near.count() === 1 && o.nearby.some((a) => a.id === neighbour.id));
  if (await near.count()) {
    await near.hover();
    await page.waitForFunction(() => (document.querySelector('[data-testid=work-map]')?.dataset.highlight ?? '').startsWith('app:'));
    await idle(page);
    const hlApp = await page.evaluate(() => window.qalaWork.map.queryRenderedFeatures({ layers: ['work-hl-fill', 'work-hl-line'] }).length);
    check('hovering the neighbour highlights its site on the map', hlApp > 0, `${hlApp}`);
  }
  const zone = page.locator('[data-testid=overlay-item][data-kind=zone]').first();
  await zone.click();
  await page.waitForFunction(() => (document.querySelector('[data-testid=work-map]')?.dataset.highlight ?? '').startsWith('zone:'));
  await idle(page);
  const hlZone = await page.evaluate(() => window.qalaWork.map.queryRenderedFeatures({ layers: ['work-hl-fill', 'work-hl-line'] }).length);
  check('clicking a zone pins its polygon on the map', hlZone > 0 && (await zone.getAttribute('aria-pressed')) === 'true', `${hlZone}`);
  const rasters = (await (await fetch(`${base}/api/web/config`)).json()).basemaps.filter((b) => b.tiles?.length);
  if (rasters.length) {
    await page.selectOption('[data-testid=work-basemap]', rasters[0].id);
    const onMap = await page.evaluate(() => !!window.qalaWork.map.getLayer('work-base'));
    await page.selectOption('[data-testid=work-basemap]', '');
    const off = await page.evaluate(() => !window.qalaWork.map.getLayer('work-base'));
    check(`a configured raster base map (${rasters[0].id}) is put under the layers and taken away`, onMap && off);
  }
  const files = await page.locator('[data-testid=file]').count();
  check('the applicant\'s files are listed with preview and download', files === 3 && await page.locator('[data-testid=file-download]').count() === 3);
  await page.locator('[data-testid=file-preview]').first().click();
  await page.waitForSelector('[data-testid=viewer-pdf]');
  check('a PDF file is previewed in the page', await page.locator('[data-testid=viewer-pdf]').count() === 1);
  const dl = await page.request.get(`${base}${await page.locator('[data-testid=file-download]').first().getAttribute('href')}`);
  check('a file downloads (200)', dl.status() === 200 && (await dl.body()).subarray(0, 4).toString() === '%PDF');
  await shot(page, 'card-claimed');

  // 4b. Vector objects on the application: the reviewer draws a plan for the applicant on the
  // map, uploads a network drawn in CAD (a DXF in UTM 43N, made here by ogr2ogr) naming its CRS,
  // sees the same file refused without it (the server's message), draws a line, opens the plan to
  // the public, deletes the line; the applicant then gets only what is for it, drawn on its card.
  {
    const objects = `/api/applications/${id}/objects`;
    const objectsOf = async (who) => must(await req(who, 'GET', objects), `objects as ${who}`).json.features;
    const rows = () => page.locator('[data-testid=object-row]').count();
    // The PDF preview closed first: headless Chromium's PDF viewer in the page may swallow the next click.
    if (await page.locator('[data-testid=viewer-close]').isVisible()) await page.click('[data-testid=viewer-close]');
    await page.waitForSelector('[data-testid=objects-panel][data-loaded=true]');
    check('the objects panel lists what the API has (none yet)', await rows() === 0 && (await objectsOf('akimat-window')).length === 0);
    await page.evaluate(([x, y]) => window.qalaWork.map.jumpTo({ center: [x, y], zoom: 17 }), [lon + side / 2, lat + side / 2]);
    await idle(page);
    const clickAt = async (lngLat, dbl = false) => {
      const [x, y] = await page.evaluate((ll) => {
        const m = window.qalaWork.map;
        const r = m.getCanvas().getBoundingClientRect();
        const q = m.project(ll);
        return [r.left + q.x, r.top + q.y];
      }, lngLat);
      if (dbl) await page.mouse.dblclick(x, y); else await page.mouse.click(x, y);
    };
    const drawCount = () => page.getAttribute('[data-testid=draw-count]', 'data-count');
    const posted = () => page.waitForResponse((r) => r.url().includes(objects) && r.request().method() === 'POST');

    // A polygon plan for the applicant, drawn vertex by vertex (one taken back).
    await page.click('[data-testid=objects-draw]');
    await page.selectOption('[data-testid=objects-draw-shape]', 'polygon');
    await page.selectOption('[data-testid=objects-draw-kind]', 'plan');
    await page.fill('[data-testid=objects-draw-title]', 'План застройки');
    await page.selectOption('[data-testid=objects-draw-access]', 'applicant');
    await page.click('[data-testid=objects-draw-start]');
    await page.waitForSelector('[data-testid=draw-bar]:not([hidden])');
    const corners = [[lon + side * 0.2, lat + side * 0.2], [lon + side * 0.8, lat + side * 0.2], [lon + side * 0.8, lat + side * 0.8], [lon + side * 0.2, lat + side * 0.8], [lon + side * 0.5, lat + side * 0.5]];
    for (const p of corners) await clickAt(p);
    const five = await drawCount();
    await page.click('[data-testid=draw-undo]');
    check('drawing: each click on the map adds a vertex, Undo takes the last away', five === '5' && (await drawCount()) === '4', `${five} ${await drawCount()}`);
    await shot(page, 'objects-drawing');
    let [resp] = await Promise.all([posted(), page.click('[data-testid=draw-finish]')]);
    await page.waitForSelector('[data-testid=object-row][data-kind=plan]');
    let objs = await objectsOf('akimat-window');
    const plan = objs.find((f) => f.properties.kind === 'plan');
    const ring = plan?.geometry?.coordinates?.[0] ?? [];
    const near = (a, b, tol) => Math.abs(a[0] - b[0]) < tol && Math.abs(a[1] - b[1]) < tol;
    check('Finish stores the polygon as a plan for the applicant, at the clicked places (API)', resp.status() === 201 && plan?.properties.access === 'applicant'
      && plan.properties.title === 'План застройки' && plan.geometry.type === 'Polygon' && ring.length === 5 && corners.slice(0, 4).every((c) => ring.some((v) => near(v, c, 3e-5))),
      `${resp.status()} ${JSON.stringify(plan)}`);
    check('the draw bar is gone after Finish', await page.locator('[data-testid=draw-bar]').isHidden());

    // A network from CAD: a DXF in UTM 43N (no CRS inside), uploaded naming EPSG:32643.
    const dir = mkdtempSync(join(tmpdir(), 'qala-objects-'));
    const lines = [
      [[lon - side, lat - side * 0.3], [lon + side * 2, lat - side * 0.3]],
      [[lon - side * 0.3, lat - side], [lon - side * 0.3, lat + side * 2]],
    ];
    writeFileSync(join(dir, 'net.geojson'), JSON.stringify({ type: 'FeatureCollection', features: lines.map((coordinates) => ({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates } })) }));
    execFileSync('ogr2ogr', ['-f', 'DXF', join(dir, 'net.dxf'), join(dir, 'net.geojson'), '-s_srs', 'EPSG:4326', '-t_srs', 'EPSG:32643']);
    const dxf = readFileSync(join(dir, 'net.dxf'));
    rmSync(dir, { recursive: true, force: true });
    const uploadDxf = async (crs) => {
      if (await page.locator('[data-testid=objects-upload-form]').isHidden()) await page.click('[data-testid=objects-upload]');
      await page.setInputFiles('[data-testid=objects-file]', { name: 'networks.dxf', mimeType: 'image/vnd.dxf', buffer: dxf });
      await page.selectOption('[data-testid=objects-crs]', crs);
      await page.selectOption('[data-testid=objects-kind]', 'network');
      await page.fill('[data-testid=objects-title]', 'Сети (DXF)');
      const [r] = await Promise.all([posted(), page.click('[data-testid=objects-send]')]);
      return r;
    };
    resp = await uploadDxf('32643');
    await page.waitForSelector('[data-testid=object-row][data-kind=network]');
    objs = await objectsOf('akimat-window');
    const nets = objs.filter((f) => f.properties.kind === 'network');
    check('the DXF with its CRS (EPSG:32643) is stored back in WGS84 where it was drawn, staff only (API)', resp.status() === 201 && nets.length === 2
      && nets.every((f) => f.properties.access === 'staff' && f.geometry.type === 'LineString' && lines.some((l) => near(f.geometry.coordinates[0], l[0], 1e-6))),
      `${resp.status()} ${JSON.stringify(nets.map((f) => f.geometry))}`);
    const netRow = page.locator('[data-testid=object-row][data-kind=network]');
    check('the upload\'s progress reached its end, and its two lines are one row ("2 parts") with who and when',
      (await page.getAttribute('[data-testid=objects-progress]', 'data-done')) === 'true' && await rows() === 2
      && (await netRow.locator('[data-testid=object-parts]').getAttribute('data-parts')) === '2' && (await netRow.textContent()).includes('akimat-window'));
    await idle(page);
    const drawnKinds = await page.evaluate(() => [...new Set(window.qalaWork.map.queryRenderedFeatures({ layers: ['work-obj-plan', 'work-obj-network'] }).map((f) => f.properties.kind))].sort());
    check('the plan (dashed) and the network (coloured lines) are drawn on the map', JSON.stringify(drawnKinds) === '["network","plan"]', JSON.stringify(drawnKinds));

    // The same file without its CRS: read as degrees it falls off the earth; the message is shown.
    const refusedApi = await req('akimat-window', 'POST', `${objects}?kind=network&filename=networks.dxf`, dxf, { 'Content-Type': 'application/octet-stream' });
    resp = await uploadDxf('');
    await page.waitForSelector('[data-testid=objects-error]:not([hidden])');
    const shownError = await page.textContent('[data-testid=objects-error]');
    check('the DXF without a CRS is refused (422) and the server\'s message is shown, with a hint to choose the CRS', resp.status() === 422 && refusedApi.status === 422 && shownError === refusedApi.json.error.message
      && await rows() === 2 && await page.locator('[data-testid=objects-error-hint]').isVisible(),
      `${resp.status()} "${shownError}" vs "${refusedApi.json?.error?.message}"`);
    await shot(page, 'objects-refused');
    await page.click('[data-testid=objects-upload-form] [data-obj=close]');

    // A line (kind "other"), finished by a double click.
    await page.click('[data-testid=objects-draw]');
    await page.selectOption('[data-testid=objects-draw-shape]', 'line');
    await page.selectOption('[data-testid=objects-draw-kind]', 'other');
    await page.fill('[data-testid=objects-draw-title]', 'Подъезд');
    await page.click('[data-testid=objects-draw-start]');
    await clickAt([lon + side * 1.2, lat + side * 0.1]);
    await clickAt([lon + side * 1.2, lat + side * 0.6]);
    [resp] = await Promise.all([posted(), clickAt([lon + side * 1.5, lat + side * 0.9], true)]);
    await page.waitForSelector('[data-testid=object-row][data-kind=other]');
    objs = await objectsOf('akimat-window');
    const line = objs.find((f) => f.properties.kind === 'other');
    check('a line drawn and finished by a double click is stored with its three points', resp.status() === 201 && line?.geometry.type === 'LineString' && line.geometry.coordinates.length === 3, JSON.stringify(line?.geometry));

    // Hover and click highlight the object on the map.
    const planKey = `obj:${plan.id}`;
    await page.hover(`[data-testid=object-item][data-key="${planKey}"]`);
    await page.waitForFunction((k) => document.querySelector('[data-testid=work-map]')?.dataset.highlight === k, planKey);
    await idle(page);
    const hlPlan = await page.evaluate(() => window.qalaWork.map.queryRenderedFeatures({ layers: ['work-hl-fill', 'work-hl-line'] }).length);
    check('hovering an object\'s row highlights it on the map', hlPlan > 0, `${hlPlan}`);
    const netKey = await netRow.getAttribute('data-key');
    await netRow.locator('[data-testid=object-item]').click();
    await page.waitForFunction((k) => document.querySelector('[data-testid=work-map]')?.dataset.highlight === k, netKey);
    await idle(page);
    const hlNet = await page.evaluate(() => window.qalaWork.map.queryRenderedFeatures({ layers: ['work-hl-line'] }).length);
    check('clicking the network\'s row pins both its lines on the map', hlNet > 0 && (await netRow.locator('[data-testid=object-item]').getAttribute('aria-pressed')) === 'true', `${hlNet}`);
    await clickAt([lon + side * 0.5, lat + side * 0.35]);
    await page.waitForFunction((k) => document.querySelector('[data-testid=work-map]')?.dataset.highlight === k, planKey);
    check('clicking the plan on the map picks its row', (await page.getAttribute(`[data-testid=object-item][data-key="${planKey}"]`, 'aria-pressed')) === 'true');
    await shot(page, 'objects-listed');

    // The plan opened to the public; the line deleted (confirmed).
    const patched = page.waitForResponse((r) => r.url().includes(`${objects}/${plan.id}`) && r.request().method() === 'PATCH');
    await page.selectOption(`[data-testid=object-row][data-key="${planKey}"] [data-testid=object-access]`, 'public');
    resp = await patched;
    await page.waitForSelector(`[data-testid=object-row][data-key="${planKey}"][data-access=public]`);
    objs = await objectsOf('akimat-window');
    check('the access selector makes the plan public (204; API)', resp.status() === 204 && objs.find((f) => f.id === plan.id)?.properties.access === 'public');
    await page.click('[data-testid=object-row][data-kind=other] [data-testid=object-delete]');
    await page.waitForSelector('dialog[data-testid=confirm-object-delete][open]');
    await shot(page, 'objects-delete');
    await page.click('dialog[data-testid=confirm-object-delete] [data-testid=dialog-confirm]');
    await page.waitForFunction(() => !document.querySelector('[data-testid=object-row][data-kind=other]'));
    objs = await objectsOf('akimat-window');
    check('the line is deleted after the confirmation (API has the plan and the network only)', objs.length === 3 && !objs.some((f) => f.properties.kind === 'other') && await rows() === 2);

    // The applicant: only the public plan (not the staff's network), drawn on its card's map.
    const mine = await objectsOf('demo-applicant');
    check('the applicant gets only the objects for it or the public: the plan (API)', mine.length === 1 && mine[0].properties.kind === 'plan' && mine[0].properties.created_by == null,
      JSON.stringify(mine.map((f) => [f.properties.kind, f.properties.access])));
    const ap = await signedIn('demo-applicant');
    await ap.page.goto(`${base}/app/my/${id}`);
    await ap.page.waitForSelector('[data-testid=site-host][data-ready=true]', { timeout: 30000 });
    await ap.page.waitForSelector('[data-testid=my-objects][data-drawn=true]');
    await ap.page.evaluate(() => new Promise((res) => {
      const m = window.qalaApply.map;
      if (m.loaded() && m.areTilesLoaded()) setTimeout(res, 50); else m.once('idle', () => res());
    }));
    const apDrawn = await ap.page.evaluate(() => window.qalaApply.map.queryRenderedFeatures({ layers: ['objects-plan', 'objects-network'] }).map((f) => f.properties.kind));
    const apTitles = await ap.page.locator('[data-testid=my-object-title]').allTextContents();
    check('the applicant\'s card draws the plan on its map and names it, without the network', apDrawn.includes('plan') && !apDrawn.includes('network') && JSON.stringify(apTitles) === '["План застройки"]',
      `${JSON.stringify(apDrawn)} ${JSON.stringify(apTitles)}`);
    await ap.page.screenshot({ path: join(artifacts, 'work-objects-applicant.png'), fullPage: true });
    await ap.context.close();
  }

  // 5. An internal comment, then the return to the applicant with a flagged field.
  await page.fill('[data-testid=comment-text]', 'Проверить кадастровый номер по реестру');
  await page.click('[data-testid=comment-send]');
  await page.waitForSelector('[data-testid=comment]:has-text("Проверить кадастровый номер")');
  c = (await card('akimat-window', id)).json;
  check('an internal comment is stored (API history)', c.history.some((h) => h.events.some((e) => e.event === 'commented' && !e.to_applicant)));
  await page.click('[data-testid=action-return_for_corrections]');
  await page.waitForSelector('dialog[data-testid=dialog-return_for_corrections][open]');
  await shot(page, 'return-dialog');
  await page.click('dialog [data-testid=dialog-confirm]');
  check('returning without a flagged field is refused in the dialog', (await page.textContent('dialog [data-testid=dialog-error]')).length > 0);
  await page.check('[data-testid=flag-project_name] input');
  await page.fill('[data-testid=return-comment]', 'Уточните наименование проекта');
  await page.click('dialog [data-testid=dialog-confirm]');
  await waitStatus(page, 'returned');
  c = (await card('akimat-window', id)).json;
  check('return for corrections: the card shows "returned" and the API has the flagged field', c.status === 'returned' && JSON.stringify(c.returned?.fields) === '["project_name"]'
    && (await page.textContent('[data-testid=card-status]')).includes('Возвращена'));
  check('the flagged field is marked on the card', await page.locator('[data-testid=form-values] .flagged[data-field=project_name]').count() === 1);
  await shot(page, 'card-returned');

  // 6. The applicant corrects and resubmits (API); the reviewer forwards to the utilities.
  c = await card('demo-applicant', id);
  must(await req('demo-applicant', 'PATCH', `/api/applications/${id}`, { form: { ...form, project_name: 'Тұрғын үй кешені, 2-кезек' } }, { 'If-Match': c.etag }), 'patch');
  must(await act('demo-applicant', id, { action: 'resubmit' }), 'resubmit');
  await openCard(page, id);
  check('after the resubmission the card is in progress again', (await statusOf(page)) === 'in_progress');
  if (await page.locator('[data-testid=action-claim]').count()) {
    await page.click('[data-testid=action-claim]');
    await confirm(page, 'dialog-claim');
    await page.waitForSelector('[data-testid=action-forward]');
  }
  await page.click('[data-testid=action-forward]');
  await confirm(page, 'dialog-forward');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=stage-now]').length >= 2);
  c = (await card('akimat-window', id)).json;
  const branches = c.stages.map((s) => s.stage).sort();
  check('forward: the utilities\' parallel stages are current', JSON.stringify(branches) === JSON.stringify(['gas', 'heat', 'power', 'water']), JSON.stringify(branches));
  await shot(page, 'card-forwarded');

  // 7. A refusal the server gives, shown as its message: su-networks claims what su-intake took.
  const su = await signedIn('su-networks');
  await su.page.goto(`${base}/app/work?queue=pool`);
  await su.page.waitForSelector('[data-testid=queue-list][data-loaded=pool]');
  const suRow = su.page.locator('[data-testid=queue-row]', { hasText: number });
  check('Almaty Su\'s pool lists the application', await suRow.count() === 1);
  must(await act('su-intake', id, { action: 'claim', stage: 'water' }), 'su-intake claims water');
  const refusal = await act('su-networks', id, { action: 'claim', stage: 'water' });
  await suRow.locator('[data-testid=row-claim]').click();
  await confirm(su.page, 'confirm-claim');
  await su.page.waitForSelector('dialog [data-testid=dialog-error]:not([hidden])');
  const shownRefusal = await su.page.textContent('dialog [data-testid=dialog-error]');
  check('the server\'s refusal (409, taken) is shown as its message', refusal.status === 409 && shownRefusal === refusal.json.error.message, `${refusal.status} "${shownRefusal}" vs "${refusal.json?.error?.message}"`);
  await shot(su.page, 'refusal-shown');
  await su.page.click('dialog [data-testid=dialog-cancel]');
  await su.context.close();

  // 8. Almaty Su's executor works its branch in the browser: fills its field and saves without
  // sending, uploads its conditions, approves. The other utilities approve through the API.
  const water = await signedIn('su-intake');
  await openCard(water.page, id);
  await water.page.fill('[data-testid=provider-water_tc_no] input', 'W-17');
  await water.page.click('[data-testid=action-save]');
  await confirm(water.page, 'dialog-save');
  await water.page.waitForSelector('dialog[data-testid=dialog-save]', { state: 'detached' });
  c = (await card('su-intake', id)).json;
  check('save without sending: the executor\'s field is stored, the stage unchanged (API)', c.form.water_tc_no === 'W-17' && c.stages.some((s) => s.stage === 'water' && s.executor === 'su-intake'), JSON.stringify(c.form));
  await water.page.setInputFiles('[data-testid=upload-tc_water]', { name: 'tc_water.pdf', mimeType: 'application/pdf', buffer: Buffer.from(PDF) });
  await water.page.waitForSelector('[data-testid=file][data-doc=tc_water]');
  check('the executor\'s document is uploaded from the card', (await card('su-intake', id)).json.documents.tc_water?.length === 1);
  await water.page.click('[data-testid=action-approve]');
  await confirm(water.page, 'dialog-approve');
  await water.page.waitForFunction(() => !document.querySelector('[data-testid=stage-now][data-stage=water]'));
  c = (await card('su-intake', id)).json;
  check('approve at a branch: the water stage is done (API)', !c.stages.some((s) => s.stage === 'water') && c.status === 'in_progress', JSON.stringify(c.stages.map((s) => s.stage)));
  await shot(water.page, 'branch-approved');
  await water.context.close();
  const branch = { heat: 'teplo-reviewer', gas: 'gaz-reviewer', power: 'zharyk-reviewer' };
  for (const [stage, who] of Object.entries(branch)) {
    must(await act(who, id, { action: 'claim', stage }), `claim ${stage}`);
    await uploadAs(who, id, `tc_${stage}`);
    must(await act(who, id, { action: 'approve', stage, values: { [`${stage}_tc_no`]: `${stage.toUpperCase()}-17` } }), `approve ${stage}`);
  }
  must(await act('demo-admin', id, { action: 'claim', stage: 'consolidation' }), 'claim consolidation');
  r = must(await act('demo-admin', id, { action: 'approve', stage: 'consolidation' }), 'approve consolidation');
  check('the utilities and the consolidation approved (API): the head\'s stage is current', r.json.stages.map((s) => s.stage).join() === 'head', r.text.slice(0, 300));

  // 9. The manager assigns the last stage (with each executor's load), approves, gets the PDF.
  const head = await signedIn('akimat-head');
  await openCard(head.page, id);
  await head.page.click('[data-testid=action-assign]');
  await head.page.waitForSelector('dialog[data-testid=assign-dialog][open]');
  const ex = (await req('akimat-head', 'GET', `/api/applications/${id}/executors?stage=head`)).json.executors;
  const loads = await head.page.$$eval('dialog [data-testid^=executor-]:not([data-testid=executor-load])', (els) => els.map((e) => [e.dataset.testid.slice(9), Number(e.querySelector('[data-testid=executor-load]').dataset.load)]));
  check('assign lists the executors with the loads the API gives', ex.length > 0 && ex.every((x) => loads.some(([l, n]) => l === x.login && n === x.load)), `${JSON.stringify(loads)} vs ${JSON.stringify(ex)}`);
  await shot(head.page, 'assign-dialog');
  await head.page.check('dialog [data-testid=executor-akimat-head] input');
  await head.page.click('dialog [data-testid=dialog-confirm]');
  await head.page.waitForFunction(() => document.querySelector('[data-testid=stage-executor]')?.textContent === 'akimat-head');
  check('assigned: the head\'s stage is held by akimat-head', (await card('akimat-head', id)).json.stages[0].executor === 'akimat-head');
  await head.page.click('[data-testid=action-approve]');
  await head.page.waitForSelector('dialog[data-testid=dialog-approve][open]');
  await head.page.waitForSelector('dialog [data-testid=approve-no-preview], dialog [data-testid=approve-preview-pdf]');
  const preview = await head.page.locator('dialog [data-testid=approve-preview-pdf]').count();
  console.log(`# approve dialog: ${preview ? 'the server previewed the output document' : 'no preview route on the server; the dialog says so'}`);
  await shot(head.page, 'approve-dialog');
  await head.page.click('dialog [data-testid=dialog-confirm]');
  await waitStatus(head.page, 'approved');
  check('approve: the card shows "approved" (and the API agrees)', (await card('akimat-head', id)).json.status === 'approved');
  const pdfUrl = await head.page.getAttribute('[data-testid=decision-download]', 'href');
  const pdf = await head.page.request.get(`${base}${pdfUrl}`);
  check('the decision PDF downloads (200, application/pdf)', pdf.status() === 200 && pdf.headers()['content-type'] === 'application/pdf' && (await pdf.body()).subarray(0, 5).toString() === '%PDF-', `${pdf.status()} ${pdf.headers()['content-type']}`);
  const [download] = await Promise.all([head.page.waitForEvent('download'), head.page.click('[data-testid=decision-download]')]);
  check('the download link saves a PDF', (download.suggestedFilename() ?? '').endsWith('.pdf'), download.suggestedFilename());
  await shot(head.page, 'card-approved');
  await head.page.goto(`${base}/app/work?queue=done`);
  await head.page.waitForSelector('[data-testid=queue-list][data-loaded=done]');
  await waitCounts(head.page);
  const headApi = await apiCounts('akimat-head');
  const headShown = await countsOnScreen(head.page);
  check('the manager\'s counts are the API\'s too', QUEUES.every((q) => headShown[q] === headApi.counts[q]), `${JSON.stringify(headShown)} vs ${JSON.stringify(headApi.counts)}`);
  await shot(head.page, 'queues-done');
  await head.context.close();

  // 10. Each language shows its own words.
  const titles = { kk: 'Орындаушының жұмыс орны', 'kk-Latn': 'Oryndauşynyñ jūmys orny', en: 'Reviewer\'s workstation', ru: 'Рабочее место исполнителя' };
  for (const [lang, title] of Object.entries(titles)) {
    const p = await signedIn('akimat-window');
    await p.context.addInitScript((l) => { try { localStorage.setItem('qala.lang', l); } catch { /* none */ } }, lang);
    await p.page.goto(`${base}/app/work/${id}`);
    await p.page.waitForSelector('[data-testid=work-map][data-ready=true]', { timeout: 30000 });
    const h = await p.page.textContent('[data-testid=back]');
    await p.page.goto(`${base}/app/work`);
    await p.page.waitForSelector('[data-testid=queue-list][data-loaded]');
    const t = await p.page.textContent('h1');
    const ru = lang !== 'ru' && /Очередь|Назад|Рабочее/.test(await p.page.textContent('#main') + h);
    check(`${lang}: the workstation speaks ${lang} (${t.trim()})`, t.trim() === title && !ru, `${t} | ${h}`);
    await p.page.screenshot({ path: join(artifacts, `work-queues-${lang}.png`) });
    await p.context.close();
  }

  // 11. A phone and a tablet: no horizontal scroll, the card readable.
  for (const [name, viewport] of [['phone', { width: 360, height: 740 }], ['tablet', { width: 820, height: 1180 }]]) {
    const p = await signedIn('akimat-window', viewport);
    await p.page.goto(`${base}/app/work?queue=done`);
    await p.page.waitForSelector('[data-testid=queue-list][data-loaded=done]');
    const wide = await p.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await p.page.screenshot({ path: join(artifacts, `work-${name}-queues.png`), fullPage: true });
    await openCard(p.page, id);
    const wide2 = await p.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await p.page.screenshot({ path: join(artifacts, `work-${name}-card.png`), fullPage: true });
    check(`${name} (${viewport.width} px): no horizontal scroll on the queues and the card`, wide <= 0 && wide2 <= 0, `${wide} ${wide2}`);
    const small = await p.page.$$eval('[data-testid=objects-panel] button, [data-testid=objects-panel] select', (els) => els.filter((e) => e.offsetParent && e.getBoundingClientRect().height < 40).map((e) => e.dataset.testid ?? e.textContent));
    check(`${name}: the objects panel's buttons and selectors are at least 40 px tall`, small.length === 0 && await p.page.locator('[data-testid=object-row]').count() === 2, JSON.stringify(small));
    await p.context.close();
  }
} catch (e) {
  failures += 1;
  console.log(`not ok - the workstation's story ran to its end: ${e?.stack ?? e}`);
} finally {
  check('no uncaught errors in the pages', pageErrors.length === 0, pageErrors.join('\n'));
  await browser.close();
}
process.exit(failures ? 1 : 0);
