// The web map in headless Chromium (playwright-core, Debian's /usr/bin/chromium) against a running
// Qala server with the Almaty demo: QALA_URL (e.g. http://127.0.0.1:8080), screenshots into
// QALA_ARTIFACTS. One line per check ("ok - ..." / "not ok - ..."); exit code 1 when any fails.
// Requests to other hosts are refused (closed network): the external base maps fail on purpose.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.QALA_URL ?? 'http://127.0.0.1:8080';
const artifacts = process.env.QALA_ARTIFACTS ?? 'test-artifacts';
mkdirSync(artifacts, { recursive: true });
const host = new URL(base).host;
let failures = 0;

function check(name, cond, detail = '') {
  if (cond) console.log(`ok - ${name}`);
  else { failures += 1; console.log(`not ok - ${name} ${detail}`); }
}

/** Great-circle distance in metres (haversine, mean Earth radius), independent of the app's turf. */
function haversine([lon1, lat1], [lon2, lat2]) {
  const r = 6371008.8, rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
const page = await context.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
const responses = [];
page.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));
await context.route('**/*', (route) => {
  const u = new URL(route.request().url());
  return u.host === host ? route.continue() : route.abort('internetdisconnected');
});

const idle = () => page.evaluate(() => new Promise((res) => {
  const m = window.qala.map;
  if (m.loaded() && m.areTilesLoaded()) setTimeout(res, 50); else m.once('idle', () => res());
}));
const rendered = (layer) => page.evaluate((l) => window.qala.map.queryRenderedFeatures().filter((f) => f.sourceLayer === l).length, layer);
const layerTitles = () => page.$$eval('[data-testid=layer-title]', (els) => els.map((e) => e.textContent));

try {
  // 1. The map loads and its tiles answer 200.
  const t0 = Date.now();
  await page.goto(`${base}/#15/43.2379/76.9457`);
  await page.waitForFunction(() => window.qala && window.qala.map);
  await page.evaluate(() => window.qala.ready);
  await idle();
  const firstMap = Date.now() - t0;
  const js = responses.filter((r) => r.url.endsWith('.js'));
  const jsBytes = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js')).reduce((s, e) => s + (e.transferSize || e.encodedBodySize), 0));
  console.log(`# time to first rendered map: ${firstMap} ms; JavaScript: ${js.length} file(s), ${jsBytes} bytes transferred`);
  const tiles = responses.filter((r) => r.url.includes('/tiles/'));
  check('the map requests vector tiles that answer 200', tiles.length > 0 && tiles.some((r) => r.status === 200) && tiles.every((r) => r.status === 200 || r.status === 204), JSON.stringify(tiles.slice(0, 5)));
  await page.screenshot({ path: join(artifacts, 'map-default.png') });

  // 2. Turning a layer off removes its features from the rendered map.
  const before = await rendered('buildings');
  await page.click('input[data-toggle=buildings]');
  await idle();
  const after = await rendered('buildings');
  check('turning buildings off removes them from the rendered map', before > 0 && after === 0, `before ${before}, after ${after}`);
  await page.click('input[data-toggle=buildings]');
  await idle();
  check('turning buildings on shows them again', (await rendered('buildings')) > 0);
  const swatches = await page.$$eval('[data-legend=buildings] .swatch', (e) => e.length);
  const legendText = await page.textContent('[data-legend=buildings]');
  // One entry per use among the buildings rendered in the view, labelled from the layer file.
  const uses = await page.evaluate(() => [...new Set(window.qala.map.queryRenderedFeatures().filter((f) => f.sourceLayer === 'buildings' && f.layer.type === 'fill').map((f) => f.properties.use))]);
  check('the legend lists the classes rendered in the view, with enum labels', swatches === uses.length && swatches >= 2 && legendText.includes('Общественное'), `${swatches} ${legendText} ${uses}`);
  const streetKinds = await page.$$eval('[data-legend=streets] svg.swatch', (e) => e.map((x) => x.dataset.kind));
  check('the streets legend draws lines', streetKinds.includes('line'), JSON.stringify(streetKinds));
  // Only what is drawn at the zoom: below the buildings' minzoom their legend is empty.
  const view = await page.evaluate(() => ({ center: window.qala.map.getCenter().toArray(), zoom: window.qala.map.getZoom() }));
  await page.evaluate(() => window.qala.map.jumpTo({ zoom: 11 }));
  await idle();
  const far = await page.$$eval('[data-legend=buildings] .swatch', (e) => e.length);
  check('a layer not drawn at the zoom has no legend', far === 0, `${far}`);
  await page.evaluate((v) => window.qala.map.jumpTo(v), view);
  await idle();
  await page.screenshot({ path: join(artifacts, 'layers-panel.png') });

  // 3. KATO navigation: a district moves the view into it.
  const unit = await page.$$('[data-testid=kato-unit]');
  const bbox = await (await fetch(`${base}/api/kato/751110000`)).json();
  await page.click('[data-kato="751110000"]');
  await page.waitForTimeout(900);
  const c = await page.evaluate(() => window.qala.map.getCenter().toArray());
  check('KATO tree lists the 8 districts', unit.length === 8, `${unit.length}`);
  check('KATO navigation moves the view into Almaly district', c[0] >= bbox.bbox[0] && c[0] <= bbox.bbox[2] && c[1] >= bbox.bbox[1] && c[1] <= bbox.bbox[3], `${c} not in ${bbox.bbox}`);

  // 4. The coordinate readout follows the mouse.
  await page.mouse.move(700, 300);
  const c1 = await page.textContent('[data-testid=coords]');
  await page.mouse.move(900, 500);
  const c2 = await page.textContent('[data-testid=coords]');
  check('the coordinate readout changes with the mouse (WGS84, DMS, UTM 43N)', c1 !== c2 && /°/.test(c2) && /UTM 43N/.test(c2), `${c1} | ${c2}`);
  const scale = await page.textContent('[data-testid=scale]');
  check('the scale is shown as 1:N and named', /^1:[\d\s\u00a0]+ · 1 см = /.test(scale), scale);

  // 5. The language switch changes layer names, the names on the map and the attribution, and is remembered.
  await page.evaluate(() => window.qala.map.jumpTo({ center: [76.9457, 43.2379], zoom: 15, bearing: 0, pitch: 0 }));
  await idle();
  const names = {};
  const placeNames = {};
  const attributions = {};
  // Street labels: the attribute the style labels with and the names of the streets it placed.
  const streetLabels = () => page.evaluate(() => {
    const m = window.qala.map;
    const field = JSON.stringify(m.getLayoutProperty('streets-label', 'text-field')).match(/"(name_[a-z_]+)"/)?.[1];
    const placed = m.queryRenderedFeatures({ layers: ['streets-label'] }).map((f) => f.properties[field]).filter(Boolean);
    return { field, placed: [...new Set(placed)].slice(0, 20) };
  });
  const attributionText = () => page.evaluate(() => document.querySelector('.maplibregl-ctrl-attrib-inner')?.textContent ?? '');
  const byLang = {
    en: { field: 'name_en', name: /^[A-Za-z0-9' .-]+ (Street|Avenue|Lane)$/, attribution: 'Qala demo data (synthetic)' },
    kk: { field: 'name_kk', name: /(көшесі|даңғылы)$/, attribution: 'Qala демонстрациялық деректері (синтетикалық)' },
    'kk-Latn': { field: 'name_kk_latn', name: /(köşesı|dañğyly)$/, attribution: 'Qala demonstratsiialyq derekterı (sintetikalyq)' },
    ru: { field: 'name_ru', name: /^(улица|проспект|переулок|\d+-(я|й) (улица|переулок)) /, attribution: 'Демонстрационные данные Qala (синтетические)' },
  };
  let previous = await layerTitles();
  for (const lang of ['en', 'kk', 'kk-Latn', 'ru']) {
    await page.selectOption('[data-testid=lang]', lang);
    // The panel is redrawn once the layers arrive in the new language: wait for it (up to 10 s on
    // a busy machine) rather than for a fixed time.
    let titles = previous;
    for (let i = 0; i < 100 && JSON.stringify(titles) === JSON.stringify(previous); i++) {
      await page.waitForTimeout(100);
      titles = await layerTitles();
    }
    names[lang] = titles;
    previous = titles;
    // The new style labels with the language's names once it is loaded and its labels placed.
    for (let i = 0; i < 100; i++) {
      await idle();
      placeNames[lang] = await streetLabels();
      attributions[lang] = await attributionText();
      if (placeNames[lang].field === byLang[lang].field && placeNames[lang].placed.length && attributions[lang].includes(byLang[lang].attribution)) break;
      await page.waitForTimeout(100);
    }
    await page.screenshot({ path: join(artifacts, `lang-${lang}.png`) });
  }
  check('language switch changes layer names', names.ru.includes('Здания') && names.en.includes('Buildings') && names.kk.includes('Ғимараттар') && names['kk-Latn'].includes('Ğimarattar'), JSON.stringify(names));
  check('the street names on the map follow the language (name_kk, name_kk_latn, name_ru, name_en)',
    Object.entries(byLang).every(([lang, e]) => placeNames[lang]?.field === e.field && placeNames[lang].placed.length > 0 && placeNames[lang].placed.every((n) => e.name.test(n))),
    JSON.stringify(placeNames));
  check('the attribution of Qala\'s map follows the language',
    Object.entries(byLang).every(([lang, e]) => attributions[lang].includes(e.attribution)) && new Set(Object.values(attributions)).size === 4,
    JSON.stringify(attributions));
  await page.selectOption('[data-testid=lang]', 'en');
  await page.reload();
  // The map's code is loaded by the entry module after the page (web/src/boot.ts).
  await page.waitForFunction(() => window.qala && window.qala.map);
  await page.evaluate(() => window.qala.ready);
  check('the language is remembered after a reload', (await layerTitles()).includes('Buildings') && (await page.getAttribute('html', 'lang')) === 'en');
  await idle();

  // 6. An anonymous visitor sees no restricted layer anywhere.
  const style = await page.evaluate(() => JSON.stringify(window.qala.map.getStyle()));
  const panelText = await page.textContent('#panel');
  check('no restricted layer for an anonymous visitor (panel, style, tile URLs)',
    !style.includes('utility_networks') && !panelText.includes('Utility networks') && !responses.some((r) => r.url.includes('utility_networks')));

  // 6b. The view in the address: MapLibre/OpenStreetMap links (#zoom/lat/lon[/bearing/pitch]) open
  // that view, the address follows the map, and links in the earlier form (#view=...) still work.
  const openView = async (url) => {
    const p = await context.newPage();
    p.on('pageerror', (e) => pageErrors.push(String(e)));
    await p.goto(url);
    await p.waitForFunction(() => window.qala && window.qala.map);
    await p.evaluate(() => window.qala.ready);
    const view = await p.evaluate(() => {
      const m = window.qala.map;
      return { center: m.getCenter().toArray(), zoom: m.getZoom(), bearing: m.getBearing(), pitch: m.getPitch(), hash: location.hash };
    });
    return [p, view];
  };
  const near = (v, lon, lat) => Math.abs(v.center[0] - lon) < 1e-6 && Math.abs(v.center[1] - lat) < 1e-6;
  const [linked, shared] = await openView(`${base}/#15/43.25/76.95`);
  check('opening /#15/43.25/76.95 centres the map there at zoom 15', near(shared, 76.95, 43.25) && shared.zoom === 15, JSON.stringify(shared));
  await linked.evaluate(() => window.qala.map.jumpTo({ center: [76.9, 43.2], zoom: 13.5, bearing: 20, pitch: 30 }));
  await linked.waitForFunction(() => location.hash === '#13.5/43.2/76.9/20/30', null, { timeout: 5000 }).catch(() => undefined);
  const written = await linked.evaluate(() => location.hash);
  check('moving the map writes #zoom/lat/lon/bearing/pitch into the address', written === '#13.5/43.2/76.9/20/30', written);
  await linked.close();
  const [legacy, old] = await openView(`${base}/#view=16/43.2379/76.9457/-30/40`);
  check('a link of the earlier #view= form opens its view and is rewritten as #zoom/lat/lon/bearing/pitch',
    near(old, 76.9457, 43.2379) && old.zoom === 16 && Math.abs(old.bearing + 30) < 1e-9 && Math.abs(old.pitch - 40) < 1e-9
    && old.hash === '#16/43.2379/76.9457/-30/40', JSON.stringify(old));
  await legacy.close();

  // 7. Measuring a known segment.
  await page.evaluate(() => window.qala.map.jumpTo({ center: [76.9457, 43.2379], zoom: 15, bearing: 0, pitch: 0 }));
  await idle();
  const a = [76.9400, 43.2379], b = [76.9500, 43.2400];
  const [pa, pb] = await page.evaluate(([a, b]) => [window.qala.map.project(a), window.qala.map.project(b)].map((p) => [p.x, p.y]), [a, b]);
  const box = await page.locator('#map').boundingBox();
  await page.click('[data-testid=measure]');
  await page.mouse.click(box.x + pa[0], box.y + pa[1]);
  await page.mouse.click(box.x + pb[0], box.y + pb[1]);
  const out = await page.textContent('[data-testid=measure-out]');
  const clicked = await page.evaluate(() => window.qala.state.measurePts);
  const expected = haversine(clicked[0], clicked[1]);
  const shown = Number((out.match(/([\d.]+) m/) || [])[1]);
  check('the measure tool gives the length of a known segment within 0.5%', Math.abs(shown - expected) / expected < 0.005 && haversine(a, b) - expected < 5, `${out} vs ${expected.toFixed(1)} m`);
  await page.screenshot({ path: join(artifacts, 'measure.png') });
  await page.keyboard.press('Escape');
  await page.click('[data-testid=measure]');

  // 8. 3D mode requests terrain tiles.
  await page.evaluate(() => window.qala.map.jumpTo({ center: [76.95, 43.2], zoom: 12 }));
  await page.click('[data-testid=three-d]');
  await page.waitForTimeout(1500);
  await idle();
  const terrain = responses.filter((r) => r.url.includes('/terrain/almaty/'));
  check('3D mode requests terrain tiles that answer 200', terrain.length > 0 && terrain.every((r) => r.status === 200), JSON.stringify(terrain.slice(0, 3)));
  check('3D mode extrudes buildings', await page.evaluate(() => !!window.qala.map.getLayer('buildings-3d') && window.qala.map.getPitch() > 30));
  await page.screenshot({ path: join(artifacts, '3d.png') });
  await page.click('[data-testid=three-d]');
  await page.waitForTimeout(400);

  // 9. Search with a typo flies to the result.
  await page.evaluate(() => window.qala.map.jumpTo({ center: [76.8, 43.3], zoom: 11 }));
  await page.fill('[data-testid=search]', 'проспект Абаяя');
  await page.waitForSelector('[data-testid=results] button', { timeout: 5000 });
  const first = await page.textContent('[data-testid=results] button');
  await page.click('[data-testid=results] button');
  await page.waitForTimeout(1500);
  const sc = await page.evaluate(() => window.qala.map.getCenter().toArray());
  check('search with a typo finds the street, named in the interface language, and moves the view', /Abay Avenue/.test(first) && Math.hypot(sc[0] - 76.8, sc[1] - 43.3) > 0.01, `${first} ${sc}`);

  // 10. A failing external base map leaves the map working.
  await page.selectOption('[data-testid=basemap]', 'esri_imagery');
  await page.waitForTimeout(1000);
  await page.selectOption('[data-testid=overlay]', 'osm');
  await page.waitForTimeout(500);
  await page.evaluate(() => window.qala.map.jumpTo({ center: [76.9457, 43.2379], zoom: 15 }));
  await idle();
  check('the map works while external base maps fail', (await rendered('buildings')) > 0 && pageErrors.length === 0, pageErrors.join('; '));
  await page.selectOption('[data-testid=basemap]', 'qala');

  // 11. Printing: the dialog, its frame on the map at scale, a GeoPDF download; an object's passport.
  const printOptions = await (await fetch(`${base}/api/print/options?lang=en`)).json();
  await page.evaluate(() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove()));
  await page.evaluate(() => window.qala.map.jumpTo({ center: [76.9457, 43.2379], zoom: 14, bearing: 0, pitch: 0 }));
  await idle();
  await page.click('[data-testid=print-open]');
  await page.waitForSelector('[data-testid=print-dialog] [data-testid=print-submit]', { timeout: 5000 });
  const dialog = await page.evaluate(() => {
    const q = (s) => document.querySelector(`[data-testid=print-dialog] [data-testid=${s}]`);
    const values = (s) => [...q(s).options].map((o) => o.value);
    const boxes = [...document.querySelectorAll('[data-testid=print-dialog] input[type=checkbox][data-testid^=print-layer-]')];
    return {
      visible: !document.querySelector('[data-testid=print-dialog]').hidden,
      scales: values('print-scale').map(Number), papers: values('print-paper'), orientations: values('print-orientation'),
      crs: values('print-crs'), langs: values('print-lang'), lang: q('print-lang').value,
      layers: boxes.map((b) => [b.dataset.testid.slice('print-layer-'.length), b.checked]),
      parts: ['print-title', 'print-close', 'print-status'].every((s) => !!q(s)),
    };
  });
  const printable = printOptions.layers.map((l) => l.id);
  check('the print dialog opens with the server\'s scales, papers, CRS, languages and readable layers (visible ones checked)',
    dialog.visible && dialog.parts && printOptions.scales.every((s) => dialog.scales.includes(s)) && dialog.papers.join() === printOptions.papers.map((p) => p.id).join()
    && dialog.orientations.join() === 'portrait,landscape' && dialog.crs.join() === printOptions.crs.map((c) => c.id).join() && dialog.langs.join() === printOptions.languages.join()
    && dialog.lang === 'en' && dialog.layers.map(([id]) => id).join() === printable.join() && dialog.layers.every(([, on]) => on)
    && printable.includes('buildings') && !printable.includes('utility_networks'), JSON.stringify(dialog));

  // The frame: A4 landscape at 1:5000 is frame_mm/1000 * 5000 metres wide, true at the centre.
  await page.selectOption('[data-testid=print-paper]', 'A4');
  await page.selectOption('[data-testid=print-orientation]', 'landscape');
  await page.selectOption('[data-testid=print-scale]', '5000');
  const frameOf = () => page.evaluate(async () => {
    const src = window.qala.map.getSource('print-frame');
    if (!src) return null;
    const data = await src.getData();
    const f = data.features.find((x) => x.properties.kind === 'frame');
    const xs = f.geometry.coordinates[0].map((p) => p[0]), ys = f.geometry.coordinates[0].map((p) => p[1]);
    return { w: Math.min(...xs), e: Math.max(...xs), s: Math.min(...ys), n: Math.max(...ys), center: window.qala.map.getCenter().toArray() };
  });
  const frame = await frameOf();
  const a4 = printOptions.papers.find((p) => p.id === 'A4');
  const frameWidthDeg = (mm, scale, lat) => ((mm / 1000) * scale) / (6378137 * Math.cos((lat * Math.PI) / 180)) * (180 / Math.PI);
  const wantW = frame && frameWidthDeg(a4.frame_mm.landscape[0], 5000, frame.center[1]);
  check('the print frame on the map has the width of A4 landscape at 1:5000 (within 1%), centred on the map',
    !!frame && Math.abs((frame.e - frame.w) - wantW) / wantW < 0.01 && Math.abs((frame.w + frame.e) / 2 - frame.center[0]) < 1e-6
    && frame.s < frame.center[1] && frame.n > frame.center[1], `${JSON.stringify(frame)} want width ${wantW}`);
  await page.selectOption('[data-testid=print-orientation]', 'portrait');
  const portrait = await frameOf();
  const wantP = frameWidthDeg(a4.frame_mm.portrait[0], 5000, portrait.center[1]);
  await page.evaluate(() => window.qala.map.panBy([120, 60], { duration: 0 }));
  const moved = await frameOf();
  check('the frame follows the orientation and the map\'s centre',
    Math.abs((portrait.e - portrait.w) - wantP) / wantP < 0.01 && Math.abs((moved.w + moved.e) / 2 - moved.center[0]) < 1e-6 && moved.center[0] > frame.center[0] + 1e-4,
    `${JSON.stringify(portrait)} ${JSON.stringify(moved)}`);
  await page.selectOption('[data-testid=print-orientation]', 'landscape');
  await page.evaluate(() => window.qala.map.jumpTo({ center: [76.9457, 43.2379] }));
  await page.fill('[data-testid=print-title]', 'E2E print');
  await page.screenshot({ path: join(artifacts, 'print-dialog.png') });

  // Submitting: a POST answered by a PDF, saved as a download, its document code in the status.
  const printResponse = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/print' && r.request().method() === 'POST', { timeout: 90000 }).catch(() => null);
  const printDownload = page.waitForEvent('download', { timeout: 90000 }).catch(() => null);
  await page.click('[data-testid=print-submit]');
  const [pr, dl] = await Promise.all([printResponse, printDownload]);
  const sent = pr?.request().postDataJSON();
  const code = pr ? await pr.headerValue('qala-document') : null;
  const pdfStart = dl ? readFileSync(await dl.path()).subarray(0, 5).toString('latin1') : '';
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=print-status]')?.textContent ?? ''), null, { timeout: 5000 }).catch(() => {});
  const printStatus = await page.textContent('[data-testid=print-status]');
  check('printing A4 at 1:5000 posts the choice and gets a PDF (200 application/pdf) saved as a download',
    pr?.status() === 200 && /^application\/pdf/.test((await pr?.headerValue('content-type')) ?? '') && sent?.scale === 5000 && sent?.paper === 'A4'
    && sent?.orientation === 'landscape' && sent?.lang === 'en' && sent?.title === 'E2E print' && sent?.layers.includes('buildings')
    && haversine(sent.center, [76.9457, 43.2379]) < 1 && !!dl && pdfStart === '%PDF-' && /^qala-.+\.pdf$/.test(dl.suggestedFilename())
    && !!code && printStatus.includes(code),
    `${pr?.status()} ${JSON.stringify(sent)} ${code} ${dl?.suggestedFilename()} ${pdfStart} ${printStatus}`);
  await page.screenshot({ path: join(artifacts, 'print-done.png') });
  await page.click('[data-testid=print-close]');
  check('closing the print dialog removes the frame', await page.evaluate(() => !window.qala.map.getSource('print-frame') && document.querySelector('[data-testid=print-dialog]').hidden));

  // Passport: the card of a clicked object opens its PDF in a new tab.
  await idle();
  const target = await page.evaluate(() => {
    const m = window.qala.map, c = m.getCanvas(), ids = new Set(window.qala.state.layers.map((l) => l.id));
    const w = c.clientWidth, h = c.clientHeight;
    for (let y = h * 0.35; y < h * 0.75; y += 15) for (let x = w * 0.3; x < w * 0.75; x += 15) {
      const f = m.queryRenderedFeatures([x, y]).find((q) => q.sourceLayer && ids.has(q.sourceLayer));
      if (f && f.sourceLayer === 'buildings' && f.id !== undefined) return { x, y, layer: f.sourceLayer, fid: String(f.id) };
    }
    return null;
  });
  const viewBox = await page.locator('#map').boundingBox();
  let passport = null;
  if (target) {
    await page.mouse.click(viewBox.x + target.x, viewBox.y + target.y);
    await page.waitForSelector('[data-testid=card] [data-testid=feature-passport]', { timeout: 5000 });
    const popupOpened = page.waitForEvent('popup', { timeout: 30000 }).catch(() => null);
    const passportResponse = context.waitForEvent('response', { predicate: (r) => r.url().includes('/passport.pdf'), timeout: 30000 }).catch(() => null);
    await page.click('[data-testid=feature-passport]');
    const [popup, resp] = await Promise.all([popupOpened, passportResponse]);
    passport = resp && { url: resp.url(), status: resp.status(), type: resp.headers()['content-type'], popup: !!popup };
    await popup?.close();
  }
  check('the passport button of a clicked object opens its PDF (200 application/pdf) in a new tab',
    !!passport && passport.popup && passport.status === 200 && /^application\/pdf/.test(passport.type ?? '')
    && new URL(passport.url).pathname === `/api/layers/${target.layer}/items/${encodeURIComponent(target.fid)}/passport.pdf` && new URL(passport.url).searchParams.get('lang') === 'en',
    `${JSON.stringify(target)} ${JSON.stringify(passport)}`);
  await page.evaluate(() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove()));

  // 12. Editing (only when an editor account is given): login, draw, form, history, attachments, delete.
  const editorLogin = process.env.QALA_EDITOR_LOGIN, editorPassword = process.env.QALA_EDITOR_PASSWORD;
  if (editorLogin && editorPassword) {
    const api = (url, init) => page.evaluate(async ([u, i]) => {
      const r = await fetch(u, i);
      const text = await r.text();
      let body = null;
      try { body = JSON.parse(text); } catch { body = text; }
      return { status: r.status, body, etag: r.headers.get('etag') };
    }, [url, init ?? {}]);
    const waitNotice = () => page.waitForTimeout(300);
    await page.evaluate(() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove()));
    check('anonymous visitors get a login button and no editing tools', (await page.isVisible('[data-testid=login]')) && !(await page.isVisible('[data-testid=edit-tools]')));

    // One wrong password (only one: the account locks after five).
    await page.click('[data-testid=login]');
    await page.fill('[data-testid=login-user]', editorLogin);
    await page.fill('[data-testid=login-password]', `${editorPassword}-wrong`);
    await page.click('[data-testid=login-submit]');
    await page.waitForFunction(() => document.querySelector('[data-testid=login-error]')?.textContent.trim().length > 0, null, { timeout: 5000 });
    check('a wrong password shows an error under the login form', (await page.textContent('[data-testid=login-error]')).length > 0 && !(await page.isVisible('[data-testid=logout]')));
    await page.screenshot({ path: join(artifacts, 'login-error.png') });

    await page.fill('[data-testid=login-password]', editorPassword);
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=logout]', { timeout: 5000 });
    await page.waitForSelector('[data-testid=edit-tools]:not([hidden])', { timeout: 5000 });
    const me = await api('/api/auth/me');
    check('logging in shows the user and the editing tools', me.status === 200 && (await page.textContent('[data-testid=user-name]')).includes(me.body.full_name || me.body.login) && (await page.isVisible('[data-testid=edit-layer]')));

    // Printing while logged in: the POST carries the session's CSRF token.
    await page.click('[data-testid=print-open]');
    await page.waitForSelector('[data-testid=print-dialog] [data-testid=print-submit]', { timeout: 5000 });
    await page.selectOption('[data-testid=print-scale]', '2000');
    const authPrint = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/print' && r.request().method() === 'POST', { timeout: 90000 }).catch(() => null);
    await page.click('[data-testid=print-submit]');
    const ap = await authPrint;
    const csrf = ap ? await ap.request().headerValue('x-csrf-token') : null;
    check('a print while logged in sends the session\'s CSRF token and gets its PDF', ap?.status() === 200 && !!csrf && csrf === me.body.csrf
      && /^application\/pdf/.test((await ap.headerValue('content-type')) ?? ''), `${ap?.status()} ${csrf}`);
    await page.click('[data-testid=print-close]');

    await page.selectOption('[data-testid=edit-layer]', 'poi');
    check('a point layer offers only the point tool', (await page.isVisible('[data-testid=draw-point]')) && !(await page.isVisible('[data-testid=draw-line]')) && !(await page.isVisible('[data-testid=draw-polygon]')));

    // A free spot (no object within 30 px) near the centre.
    await page.evaluate(() => window.qala.map.jumpTo({ center: [76.9457, 43.2379], zoom: 16, bearing: 0, pitch: 0 }));
    await idle();
    const spot = await page.evaluate(() => {
      const m = window.qala.map, c = m.getCanvas();
      const w = c.clientWidth, h = c.clientHeight;
      for (let dy = 0; dy < 250; dy += 40) for (let dx = -300; dx < 300; dx += 40) {
        const x = w / 2 + dx, y = h / 2 + 60 + dy;
        if (!m.queryRenderedFeatures([[x - 30, y - 30], [x + 30, y + 30]]).some((f) => f.sourceLayer === 'poi')) return [x, y];
      }
      return [w / 2, h / 2 + 60];
    });
    const mapBox = await page.locator('#map').boundingBox();
    const name = `E2E ${Date.now()}`;
    await page.click('[data-testid=draw-point]');
    await page.mouse.click(mapBox.x + spot[0], mapBox.y + spot[1]);
    await page.waitForSelector('[data-testid=feature-form]', { timeout: 5000 });
    const fields = await page.$$eval('[data-testid=feature-form] [data-field]', (els) => els.map((e) => e.dataset.field));
    const layerInfo = (await api('/api/layers/poi')).body;
    const required = layerInfo.attributes.filter((a) => a.required).map((a) => a.name);
    check('drawing a point opens a form with one input per attribute, required ones marked',
      layerInfo.attributes.every((a) => fields.includes(a.name)) && (await page.$$('[data-testid=feature-form] .req')).length === required.length, `${fields} / ${required}`);

    // Saving without a required value shows the server's field error next to the field.
    await page.fill('[data-field=name_ru]', name);
    await page.fill('[data-field=name_kk]', `${name} (kk)`);
    await page.selectOption('[data-field=kind]', 'clinic');
    await page.fill('[data-field=street]', 'улица Тестовая');
    await page.fill('[data-field=house_number]', '12А');
    await page.click('[data-testid=form-save]');
    await page.waitForFunction(() => document.querySelector('[data-error=capacity]')?.textContent.trim().length > 0, null, { timeout: 5000 });
    check('a missing required value is reported next to its field', (await page.textContent('[data-error=capacity]')).length > 0);
    await page.screenshot({ path: join(artifacts, 'edit-form.png') });
    await page.fill('[data-field=capacity]', '120');
    await page.click('[data-testid=form-save]');
    await page.waitForSelector('[data-testid=feature-form]', { state: 'detached', timeout: 5000 });
    const filter = encodeURIComponent(`name_ru='${name}'`);
    const found = await api(`/ogc/collections/poi/items?filter=${filter}`);
    const feat = found.body.features?.[0];
    const lngLat = await page.evaluate(([x, y]) => window.qala.map.unproject([x, y]).toArray(), spot);
    check('the new point is stored with typed values where it was drawn',
      found.body.features?.length === 1 && feat.properties.kind === 'clinic' && feat.properties.capacity === 120 && feat.properties.house_number === '12А'
      && haversine(feat.geometry.coordinates, lngLat) < 2, JSON.stringify(found.body).slice(0, 400));
    const fid = feat?.id;

    // The map shows it at once (the tiles are requested again).
    const renderedAt = () => page.evaluate(([x, y, n]) => window.qala.map.queryRenderedFeatures([[x - 8, y - 8], [x + 8, y + 8]])
      .some((f) => f.sourceLayer === 'poi' && f.properties.name_ru === n), [spot[0], spot[1], name]);
    let shownOnMap = false;
    for (let i = 0; i < 20 && !shownOnMap; i++) { await idle(); shownOnMap = await renderedAt(); if (!shownOnMap) await page.waitForTimeout(250); }
    check('the new point appears in the rendered map', shownOnMap);
    await page.screenshot({ path: join(artifacts, 'edit-created.png') });

    // Its card offers editing; a change of one attribute is saved.
    await page.mouse.click(mapBox.x + spot[0], mapBox.y + spot[1]);
    await page.waitForSelector('[data-testid=card] [data-testid=feature-edit]', { timeout: 5000 });
    await page.click('[data-testid=feature-edit]');
    await page.waitForSelector('[data-testid=feature-form]', { timeout: 5000 });
    const shownName = await page.inputValue('[data-field=name_ru]');
    await page.fill('[data-field=capacity]', '250');
    await page.click('[data-testid=form-save]');
    await page.waitForSelector('[data-testid=feature-form]', { state: 'detached', timeout: 5000 });
    const edited = await api(`/ogc/collections/poi/items/${fid}`);
    check('the form opens with the current values and saves a change (PATCH with If-Match)', shownName === name && edited.body.properties?.capacity === 250 && edited.etag === '"v2"', `${shownName} ${JSON.stringify(edited.body.properties)} ${edited.etag}`);

    // History: two versions; restoring version 1 brings the old value back.
    await page.mouse.click(mapBox.x + spot[0], mapBox.y + spot[1]);
    await page.waitForSelector('[data-testid=card] [data-testid=feature-history]', { timeout: 5000 });
    await page.click('[data-testid=feature-history]');
    await page.waitForSelector('[data-testid=history-list]', { timeout: 5000 });
    const versions = await page.$$eval('[data-testid=history-item]', (els) => els.map((e) => e.textContent.replace(/\s+/g, ' ')));
    check('the history lists two versions with operation and author', versions.length === 2 && versions.every((v) => v.includes(editorLogin)), JSON.stringify(versions));
    await page.screenshot({ path: join(artifacts, 'edit-history.png') });
    await page.click('[data-testid=history-item][data-version="1"] [data-testid=history-restore]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=history-item]').length === 3, null, { timeout: 5000 });
    const restored = await api(`/ogc/collections/poi/items/${fid}`);
    check('restoring version 1 brings the old value back', restored.body.properties?.capacity === 120, JSON.stringify(restored.body.properties));

    // Attachments: upload a small text file and see it listed.
    await page.click('[data-testid=feature-attachments]');
    await page.waitForSelector('[data-testid=attachment-input]', { timeout: 5000 });
    await page.setInputFiles('[data-testid=attachment-input]', { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('Qala e2e attachment\n') });
    await page.waitForSelector('[data-testid=attachment-link]', { timeout: 5000 });
    const link = await page.$eval('[data-testid=attachment-link]', (a) => ({ text: a.textContent, href: a.href }));
    const download = await api(link.href);
    check('an uploaded attachment is listed with a download link', link.text === 'note.txt' && download.status === 200 && String(download.body).includes('Qala e2e attachment'), JSON.stringify(link));
    await page.screenshot({ path: join(artifacts, 'edit-attachments.png') });

    // Delete (confirmed) removes it: 404, and gone from the map.
    await page.click('[data-testid=feature-delete]');
    await page.click('[data-testid=delete-confirm]');
    await page.waitForSelector('[data-testid=card]', { state: 'detached', timeout: 5000 });
    const gone = await api(`/ogc/collections/poi/items/${fid}`);
    let stillShown = true;
    for (let i = 0; i < 20 && stillShown; i++) { await idle(); stillShown = await renderedAt(); if (stillShown) await page.waitForTimeout(250); }
    check('deleting the object removes it (404) and from the map', gone.status === 404 && !stillShown, `${gone.status} ${stillShown}`);

    // A polygon layer: polygon and rectangle tools; a drawn polygon's vertices can be dragged (nothing saved).
    await page.selectOption('[data-testid=edit-layer]', 'buildings');
    const polyTools = await page.$$eval('[data-testid=edit-tools] button[data-tool]', (bs) => bs.map((x) => x.dataset.testid));
    await page.click('[data-testid=draw-polygon]');
    for (const [x, y] of [[300, 300], [400, 300], [400, 400]]) await page.mouse.click(mapBox.x + x, mapBox.y + y);
    await page.mouse.dblclick(mapBox.x + 350, mapBox.y + 450);
    await page.waitForSelector('[data-testid=feature-form]', { timeout: 5000 });
    const drawn = await page.evaluate(() => structuredClone(window.qala.edit.form.geom));
    const [vx, vy] = await page.evaluate(() => { const p = window.qala.map.project(window.qala.edit.form.geom.coordinates[0][0]); return [p.x, p.y]; });
    await page.mouse.move(mapBox.x + vx, mapBox.y + vy);
    await page.mouse.down();
    await page.mouse.move(mapBox.x + vx - 30, mapBox.y + vy - 30, { steps: 5 });
    await page.mouse.up();
    const moved = await page.evaluate(() => window.qala.edit.form.geom);
    const ring = moved.coordinates[0];
    check('polygon drawing (click, double-click) and vertex dragging', polyTools.join() === 'draw-polygon,draw-rectangle' && drawn.type === 'Polygon' && drawn.coordinates[0].length === 5
      && haversine(ring[0], drawn.coordinates[0][0]) > 5 && JSON.stringify(ring[0]) === JSON.stringify(ring[ring.length - 1]), `${polyTools} ${JSON.stringify(drawn)} ${JSON.stringify(moved)}`);
    await page.screenshot({ path: join(artifacts, 'edit-polygon.png') });
    await page.click('[data-testid=form-cancel]');

    await page.click('[data-testid=logout]');
    await page.waitForSelector('[data-testid=login]', { timeout: 5000 });
    const allow = await page.evaluate(async () => (await fetch('/ogc/collections/poi/items', { method: 'OPTIONS' })).headers.get('allow'));
    check('logging out hides the editing tools and ends the session', !(await page.isVisible('[data-testid=edit-tools]')) && !/POST/.test(allow), allow);
  }

  // Phone viewport: the panel is a drawer behind the menu button.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(300);
  const menuVisible = await page.isVisible('[data-testid=menu]');
  await page.click('[data-testid=menu]');
  await page.waitForTimeout(300);
  check('on a phone the panel opens from the menu button', menuVisible && (await page.getAttribute('#panel', 'class'))?.includes('open'));
  await page.screenshot({ path: join(artifacts, 'phone.png') });
  check('no uncaught errors in the page', pageErrors.length === 0, pageErrors.join('; '));
} catch (e) {
  failures += 1;
  console.log(`not ok - the browser run stopped: ${e && e.stack ? e.stack : e}`);
  await page.screenshot({ path: join(artifacts, 'failure.png') }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
