// Browser figures of `make bench-apps` (issue 14), against a running Qala holding the benchmark's
// 100,000 applications: QALA_URL, QALA_LOGIN / QALA_PASSWORD of an administrator, ROUNDS.
//  - the monitoring table: navigation to /app/monitor until its first page of rows is drawn;
//  - the single window: navigation to /app/services until the catalogue is drawn, and the
//    JavaScript it loads (bytes over the wire);
//  - the applications layer on the web map: the map panned at every zoom 10-16, each view waited
//    until idle; tiles that did not answer 200/204 and views left with tiles not loaded ("blank").
// Prints one JSON object. Headless Chromium with SwiftShader: absolute times are this machine's.
import { chromium } from 'playwright-core';

const base = process.env.QALA_URL ?? 'http://127.0.0.1:8080';
const login = process.env.QALA_LOGIN ?? 'benchadmin';
const password = process.env.QALA_PASSWORD ?? 'benchadmin-password-1';
const rounds = Number(process.env.ROUNDS ?? 5);
const host = new URL(base).host;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
await context.route('**/*', (route) => (new URL(route.request().url()).host === host ? route.continue() : route.abort('internetdisconnected')));
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('crash', () => errors.push('the page crashed'));
page.on('console', (m) => { if (process.env.DEBUG) console.error(m.text()); });

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const out = {};

try {
  // The single window, anonymous, cold cache each round (a new context).
  const firstWindow = [];
  let jsBytes = 0;
  for (let i = 0; i < rounds; i++) {
    const c = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, locale: 'ru-RU' });
    await c.route('**/*', (route) => (new URL(route.request().url()).host === host ? route.continue() : route.abort('internetdisconnected')));
    const p = await c.newPage();
    const t0 = Date.now();
    await p.goto(`${base}/app/services`);
    await p.waitForSelector('[data-testid=svc-link]');
    firstWindow.push(Date.now() - t0);
    jsBytes = await p.evaluate(() => performance.getEntriesByType('resource').filter((e) => /\.m?js$/.test(e.name)).reduce((s, e) => s + (e.transferSize || e.encodedBodySize), 0));
    await c.close();
  }
  out.single_window_ms = { median: median(firstWindow), max: Math.max(...firstWindow), rounds: firstWindow };
  out.single_window_js_bytes = jsBytes;

  // Sign in (the session cookie serves the table and the map alike).
  const r = await context.request.post(`${base}/api/auth/login`, { data: { login, password } });
  if (!r.ok()) throw new Error(`login: ${r.status()}`);

  // The monitoring table: the first page drawn after navigation.
  const table = [];
  for (let i = 0; i < rounds; i++) {
    await page.goto('about:blank');
    const t0 = Date.now();
    await page.goto(`${base}/app/monitor`);
    await page.waitForSelector('[data-testid=mon-row]');
    table.push(Date.now() - t0);
  }
  const rows = await page.locator('[data-testid=mon-row]').count();
  out.monitor_first_page_ms = { median: median(table), max: Math.max(...table), rounds: table, rows };

  // The web map: the applications layer panned at z10-16.
  const tiles = [];
  page.on('response', (x) => { if (x.url().includes('/tiles/') && x.url().includes('applications')) tiles.push(x.status()); });
  await page.goto(`${base}/#10/43.24/76.92`);
  await page.waitForFunction(() => window.qala && window.qala.map);
  await page.evaluate(() => window.qala.ready);
  const idle = () => page.evaluate(() => new Promise((res) => {
    const m = window.qala.map;
    const done = () => res(m.areTilesLoaded());
    if (m.loaded() && m.areTilesLoaded()) done(); else m.once('idle', done);
  }));
  let views = 0, blank = 0, features = 0;
  const perZoom = {};
  for (let z = 10; z <= 16; z++) {
    if (process.env.DEBUG) console.error(`zoom ${z}`);
    await page.evaluate((zz) => window.qala.map.jumpTo({ center: [76.92, 43.24], zoom: zz }), z);
    await idle();
    let zf = 0;
    for (const [dx, dy] of [[400, 0], [0, 300], [-400, 0], [0, -300]]) {
      await page.evaluate(([x, y]) => window.qala.map.panBy([x, y], { animate: false }), [dx, dy]);
      const loaded = await idle();
      views += 1;
      if (!loaded) blank += 1;
      const n = await page.evaluate(() => window.qala.map.queryRenderedFeatures({ layers: ['applications', 'applications-fill'].filter((l) => window.qala.map.getLayer(l)) }).length);
      zf += n;
    }
    perZoom[z] = zf;
    features += zf;
  }
  out.map = { views, views_with_tiles_not_loaded: blank, application_tiles: tiles.length, tiles_not_200_or_204: tiles.filter((s) => s !== 200 && s !== 204).length, features_drawn_per_zoom: perZoom };
  out.page_errors = errors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
if (out.monitor_first_page_ms) {
  const t = out.monitor_first_page_ms, w = out.single_window_ms, m = out.map;
  console.log(`table: median ${t.median} ms, max ${t.max} ms over ${t.rounds.length} navigations (${t.rows} rows)`);
  console.log(`single window: median ${w.median} ms, max ${w.max} ms, ${out.single_window_js_bytes} bytes of JavaScript`);
  if (m) console.log(`map: ${m.views} views, ${m.views_with_tiles_not_loaded} left with tiles not loaded, ${m.application_tiles} tiles of which ${m.tiles_not_200_or_204} not 200/204; page errors: ${out.page_errors.length}`);
}
