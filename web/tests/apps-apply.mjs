// The single window in headless Chromium (playwright-core, Debian's /usr/bin/chromium) against a
// running Qala with the Almaty demo: QALA_URL, screenshots into QALA_ARTIFACTS, QALA_PASSWORD the
// demo users' password. As demo-applicant on a phone (360x740, touch) and on a desktop: the
// catalogue's search finds a service, its passport shows, the form has its required marks and
// shows the server's 422 message at its field, a polygon is drawn on the map, a file uploads with
// progress to 100%, the draft is saved and still there after a reload, it is submitted and listed
// in My applications with its stage. Each language shows its own words; a return for corrections
// leaves only the flagged fields editable and is sent again; the approved document downloads with
// its QR check page; withdrawal; an anonymous visitor sees the catalogue and nobody's applications.
// One line per check ("ok - ..." / "not ok - ..."); exit code 1 when any fails.
import {
  base, check, fail, finish, login, call, act, makeBin, pdf, launch, newContext, pageErrors, PHONE, DESKTOP,
  signInForm, shooter, noHorizontalScroll,
} from './apps-lib.mjs';

const SERVICE = 'land_survey_permit';
const DOC = 'survey_programme';

// ------------------------------------------------------------ the browser
const browser = await launch();

const newPage = (kind, lang = 'ru') => newContext(browser, { device: kind === 'phone' ? PHONE : DESKTOP, lang, name: kind });
const shot = shooter('apply');
/** Visible tap targets of the screen smaller than 40 px high. */
const smallTargets = (page) => page.evaluate(() => [...document.querySelectorAll('#main button, #main a.svc, #main a.app-row, #main a.button, #main select, #main input:not([type=checkbox]):not([type=radio]):not([type=file]), #main label.choice, #main .upload-btn span')]
  .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 40 && !e.closest('.maplibregl-ctrl-attrib'))
  .map((e) => `${e.tagName}.${e.className}:${Math.round(e.getBoundingClientRect().height)}`));

const signIn = (page, who = 'demo-applicant') => signInForm(page, who);

/** Taps (phone) or clicks (desktop) the map at offsets from its centre. */
async function drawPolygon(page, kind, offsets, zoom = 15) {
  await page.evaluate((z) => window.qalaApply.map.jumpTo({ center: [76.93, 43.25], zoom: z }), zoom);
  await page.evaluate(() => document.querySelector('[data-testid=site-map]').scrollIntoView({ block: 'center' }));
  const b = await page.locator('[data-testid=site-map]').boundingBox();
  const cx = b.x + b.width / 2, cy = b.y + b.height / 2;
  for (const [dx, dy] of offsets) {
    if (kind === 'phone') await page.touchscreen.tap(cx + dx, cy + dy);
    else await page.mouse.click(cx + dx, cy + dy);
  }
}

const services = (await call(null, 'GET', '/api/services')).json.services;
// Set-up: drafts of this service left by an earlier run are withdrawn (Apply would reopen them).
{
  const me = await login('demo-applicant');
  for (const s of [SERVICE, 'arch_apz']) {
    const left = (await call(me, 'GET', `/api/applications?status=draft&service=${s}`)).json.applications;
    for (const a of left) await act(me, a.id, { action: 'withdraw' });
  }
}
const svc = (await call(null, 'GET', `/api/services/${SERVICE}`)).json;
const STAGE_TITLE_RU = svc.workflow.stages.find((s) => s.id === svc.workflow.start).title.ru;

/** The applicant's path on one device: catalogue → passport → form → draft → submit → list. */
async function applicantPath(kind) {
  const { context, page } = await newPage(kind);
  const tag = (s) => `${kind}: ${s}`;
  // Catalogue
  const t0 = Date.now();
  await page.goto(`${base}/app/services`);
  await page.waitForSelector('[data-testid=svc-link]');
  const js = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => /\.(js|ts|mjs)(\?|$)/.test(e.name)).reduce((s, e) => s + (e.transferSize || e.encodedBodySize), 0));
  console.log(`# ${kind}: time to the first rendered catalogue ${Date.now() - t0} ms; script bytes transferred ${js}`);
  const shown = await page.locator('[data-testid=svc-link]').count();
  check(tag('the catalogue lists every service /api/services gives'), shown === services.length, `${shown} of ${services.length}`);
  const providers = new Set(services.map((s) => s.provider)).size;
  check(tag('the catalogue groups the services by provider'), (await page.locator('[data-testid=svc-group]').count()) === providers);
  check(tag('no horizontal scroll on the catalogue'), await noHorizontalScroll(page));
  await shot(page, `${kind}-catalogue`);
  await page.fill('[data-testid=svc-search]', 'изыскательских');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=svc-link]').length === 1);
  check(tag('searching the catalogue finds the survey permit'), (await page.getAttribute('[data-testid=svc-link]', 'data-id')) === SERVICE);
  await page.fill('[data-testid=svc-search]', '');
  await page.click('[data-testid=group-category]');
  const cats = new Set(services.map((s) => s.category)).size;
  check(tag('grouped by category: one group per category'), (await page.locator('[data-testid=svc-group]').count()) === cats);
  await page.click('.chip[data-cat=land]');
  const landCount = services.filter((s) => s.category === 'land').length;
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=svc-link]').length === n, landCount);
  check(tag('a category chip filters the services'), true);
  await shot(page, `${kind}-catalogue-land`);
  await page.click(`[data-testid=svc-link][data-id=${SERVICE}]`);
  // Passport
  await page.waitForSelector('[data-testid=passport]');
  check(tag('the passport shows the service title'), (await page.textContent('[data-testid=passport-title]')).trim() === svc.title.ru);
  check(tag('the passport shows the deadline and the fee'), (await page.textContent('[data-testid=passport-days]')).includes(String(svc.deadlines.total)) && (await page.textContent('[data-testid=passport-fee]')).includes('Бесплатно'));
  check(tag('the passport lists the documents needed'), (await page.locator('[data-testid=passport-doc]').count()) === svc.passport.documents.filter((d) => d.provided_by !== 'provider').length);
  check(tag('the passport says who may apply'), (await page.textContent('[data-testid=passport-who]')).includes('Юридические лица'));
  await shot(page, `${kind}-passport`);
  // Apply: sign in first
  await page.click('[data-testid=apply]');
  await signIn(page);
  await page.waitForSelector('[data-testid=app-form]');
  await page.waitForSelector('[data-testid=site-host][data-ready=true]', { timeout: 60000 });
  check(tag('Apply asks to sign in, then opens the form'), page.url().endsWith(`/app/services/${SERVICE}/apply`), page.url());
  const requiredShown = svc.form.filter((f) => f.required && !f.when && f.filled_by !== 'provider').length + svc.passport.documents.filter((d) => d.required).length + 1;
  const marks = await page.locator('[data-testid=required-mark]:visible').count();
  check(tag('required fields, documents and the site are marked'), marks === requiredShown, `${marks} marks, expected ${requiredShown}`);
  check(tag('the form has a typed input per field (date, checkbox, numeric)'), (await page.locator('[data-testid=field-survey_from][type=date]').count()) === 1
    && (await page.locator('[data-testid=field-survey_kinds][type=checkbox]').count()) === 4 && (await page.getAttribute('[data-testid=field-bin]', 'inputmode')) === 'numeric');
  // Typing before the site exists keeps the values on the device.
  await page.fill('[data-testid=field-org_name]', 'ТОО «Изыскатель»');
  await page.waitForSelector('[data-testid=save-state][data-state=savedLocally]');
  check(tag('before the site is drawn, the values are kept on the device'), true);
  // A site larger than the rule allows is refused on the device, and not sent.
  if (kind === 'desktop') {
    const posts = [];
    const onReq = (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/applications')) posts.push(r.url()); };
    page.on('request', onReq);
    await drawPolygon(page, kind, [[-150, -150], [150, -150], [150, 150], [-150, 150]], 12);
    await page.click('[data-testid=site-done]');
    await page.waitForSelector('[data-testid=site-problem]');
    await page.waitForFunction(() => document.querySelector('[data-testid=err-geometry]')?.textContent.trim());
    await page.waitForSelector('[data-testid=save-state][data-state=savedLocally]');
    check(tag('a site over the area limit is shown as such and not sent'), posts.length === 0 && /1\s?000\s?000/.test(await page.textContent('[data-testid=site-problem]')), JSON.stringify(posts));
    await shot(page, `${kind}-site-too-large`);
    page.off('request', onReq);
    await page.click('[data-testid=site-clear]');
  }
  // The polygon
  const created = page.waitForResponse((r) => r.url().endsWith('/api/applications') && r.request().method() === 'POST');
  await drawPolygon(page, kind, [[-60, -50], [60, -50], [60, 50], [-60, 50]]);
  if (process.env.DEBUG) console.log(await page.evaluate(() => [window.qalaApply.map.getZoom(), window.qalaApply.map.getCenter()]), await page.textContent('[data-testid=site-status]'));
  await page.click('[data-testid=site-done]');
  const cr = await created;
  const card0 = await cr.json();
  check(tag('drawing the polygon creates the draft on the server'), cr.status() === 201 && card0.geometry?.type === 'Polygon' && card0.geometry.coordinates[0].length === 5, `${cr.status()} ${JSON.stringify(card0).slice(0, 200)}`);
  const id = card0.id;
  await page.waitForFunction((i) => location.pathname === `/app/my/${i}`, id);
  const status = await page.getAttribute('[data-testid=site-status]', 'data-ok');
  const area = await page.textContent('[data-testid=site-status]');
  check(tag('the drawn site is checked (area shown, inside the city, within the limit)'), status === 'true' && /м²|m²/.test(area), area);
  check(tag('the value typed before is kept in the draft'), card0.form.org_name === 'ТОО «Изыскатель»', JSON.stringify(card0.form));
  await shot(page, `${kind}-form-site`);
  // A value the server refuses: its message at the field.
  const refused = page.waitForResponse((r) => r.url().endsWith(`/api/applications/${id}`) && r.request().method() === 'PATCH' && r.status() === 422);
  await page.fill('[data-testid=field-bin]', '123456789012');
  const body = await (await refused).json();
  const msg = body.error.details.find((d) => d.field === 'bin')?.message;
  await page.waitForFunction((m) => document.querySelector('[data-testid=err-bin]')?.textContent.includes(m), msg);
  check(tag("the server's 422 message is shown at its field"), !!msg, JSON.stringify(body));
  check(tag('the field at fault is marked invalid'), (await page.getAttribute('[data-testid=field-bin]', 'aria-invalid')) === 'true');
  await shot(page, `${kind}-form-422`);
  // The other values
  await page.fill('[data-testid=field-bin]', makeBin(kind === 'phone' ? 1234 : 4321));
  await page.fill('[data-testid=field-contact_person]', 'Айгерим Сапарова');
  await page.fill('[data-testid=field-phone]', '8 701 123 45 67');
  await page.fill('[data-testid=field-email]', 'office@example.kz');
  await page.check('[data-testid=field-survey_kinds][value=geodetic]');
  await page.fill('[data-testid=field-survey_from]', '2027-01-10');
  await page.fill('[data-testid=field-survey_to]', '2027-02-10');
  const lastSave = page.waitForResponse((r) => r.url().endsWith(`/api/applications/${id}`) && r.request().method() === 'PATCH' && r.status() === 200);
  await page.fill('[data-testid=field-boreholes]', '3');
  await lastSave;
  await page.waitForSelector('[data-testid=save-state][data-state=saved]');
  check(tag('the draft is saved as one types ("saved" shown)'), true);
  // The file, with progress
  await page.evaluate(() => {
    window.progressSeen = [];
    const bar = document.querySelector('[data-testid=progress-survey_programme] progress');
    new MutationObserver(() => window.progressSeen.push(bar.value)).observe(bar, { attributes: true });
    const pct = document.querySelector('[data-testid=progress-survey_programme] .pct');
    new MutationObserver(() => window.progressSeen.push(pct.textContent)).observe(pct, { childList: true, characterData: true, subtree: true });
  });
  await page.setInputFiles(`[data-testid=upload-${DOC}]`, { name: 'programme.pdf', mimeType: 'application/pdf', buffer: pdf() });
  await page.waitForSelector(`[data-testid=progress-${DOC}][data-done=true]`);
  const pct = await page.textContent(`[data-testid=progress-${DOC}] .pct`);
  const seen = await page.evaluate(() => window.progressSeen);
  check(tag('the upload shows its progress and reaches 100%'), pct.includes('100%') && (await page.evaluate(() => document.querySelector('[data-testid=progress-survey_programme] progress').value)) === 100, `${pct} ${JSON.stringify(seen.slice(0, 8))}`);
  check(tag('the uploaded file is listed under its document'), (await page.textContent(`[data-testid=doc-files-${DOC}]`)).includes('programme.pdf'));
  const small = kind === 'phone' ? await smallTargets(page) : [];
  check(tag('tap targets of the form are at least 40 px high'), small.length === 0, JSON.stringify(small));
  check(tag('no horizontal scroll on the form'), await noHorizontalScroll(page));
  await shot(page, `${kind}-form-filled`);
  // Still there after a reload
  await page.reload();
  await page.waitForSelector('[data-testid=app-form]');
  await page.waitForSelector('[data-testid=site-host][data-ready=true]', { timeout: 60000 });
  await page.waitForSelector('[data-testid=site-status][data-ok=true]');
  const kept = await page.inputValue('[data-testid=field-contact_person]');
  check(tag('after a reload the draft is still there (values, site, file)'), kept === 'Айгерим Сапарова' && (await page.isChecked('[data-testid=field-survey_kinds][value=geodetic]'))
    && (await page.textContent(`[data-testid=doc-files-${DOC}]`)).includes('programme.pdf'), kept);
  // Submit
  await page.click('[data-testid=submit]');
  await page.waitForSelector('[data-testid=app-status][data-status=in_progress]');
  const me = await context.request.get(`${base}/api/applications/${id}`, { headers: { 'Accept-Language': 'ru' } });
  const card = await me.json();
  check(tag('submitted: the card shows its number and status'), (await page.textContent('[data-testid=app-number]')).includes(card.number) && card.status === 'in_progress');
  const stageText = await page.textContent('[data-testid=current-stage]');
  check(tag('the current stage is shown'), stageText.includes(STAGE_TITLE_RU), stageText);
  const left = parseFloat((await page.textContent('[data-testid=time-left]')).replace(',', '.'));
  check(tag('the time left is the term the API gives'), Math.abs(left - card.term.left / 86400) <= 0.11, `${left} vs ${card.term.left / 86400}`);
  check(tag('the stepper marks the current stage'), (await page.getAttribute(`.stepper [data-stage=${svc.workflow.start}]`, 'data-state')) === 'current');
  check(tag('no horizontal scroll on the card'), await noHorizontalScroll(page));
  await shot(page, `${kind}-submitted`);
  // My applications
  await page.click('[data-testid=back-my]');
  await page.waitForSelector(`[data-testid=my-row][data-id="${id}"]`);
  const row = page.locator(`[data-testid=my-row][data-id="${id}"]`);
  check(tag('the application is in My applications with its status and stage'), (await row.textContent()).includes('На рассмотрении') && (await row.textContent()).includes(STAGE_TITLE_RU), await row.textContent());
  await page.fill('[data-testid=my-search]', card.number);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=my-row]').length === 1);
  check(tag('searching My applications by number finds it alone'), (await page.getAttribute('[data-testid=my-row]', 'data-id')) === String(id));
  await page.fill('[data-testid=my-search]', '');
  const filtered = page.waitForResponse((r) => r.url().includes('/api/applications?') && r.url().includes('status=approved'));
  await page.selectOption('[data-testid=my-status]', 'approved');
  await filtered;
  await page.waitForFunction((i) => !document.querySelector(`[data-testid=my-row][data-id="${i}"]`), id);
  check(tag('the status filter leaves it out when it does not match'), true);
  await page.selectOption('[data-testid=my-status]', 'in_progress');
  await page.waitForSelector(`[data-testid=my-row][data-id="${id}"]`);
  await shot(page, `${kind}-my`);
  return { context, page, id, number: card.number };
}

/** Visible text of the screen, without what the user typed and the map's canvas labels. */
const screenText = (page) => page.evaluate(() => {
  const main = document.querySelector('#main').cloneNode(true);
  main.querySelectorAll('[data-testid=app-data], [data-testid=comments] .comments, .maplibregl-map, input, textarea, select').forEach((e) => e.remove());
  return main.innerText;
});
const LATIN_OK = new Set(['qala', 'pdf', 'jpg', 'png', 'docx', 'dwg', 'dxf', 'mb', 'kb', 'b', 'm', 'qr', 'qazaqgaz', 'ii', 'v', 'kzt']);

try {
  // ---------------------------------------------------------------- phone
  const phone = await applicantPath('phone');
  const { page } = phone;

  // Each language shows its own words.
  const paths = ['/app/services', `/app/services/${SERVICE}`, `/app/services/${SERVICE}/apply`, '/app/my', `/app/my/${phone.id}`];
  const texts = {};
  for (const lang of ['kk', 'kk-Latn', 'en', 'ru']) {
    await page.goto(`${base}${paths[0]}`);
    await page.waitForSelector('[data-testid=svc-link]');
    await page.selectOption('[data-testid=lang]', lang);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    texts[lang] = '';
    for (const p of paths) {
      await page.goto(`${base}${p}`);
      await page.waitForSelector('[data-testid=catalogue], [data-testid=passport], [data-testid=my-applications], [data-testid=application] [data-testid=lifecycle], [data-testid=app-form]');
      await page.waitForSelector('#main .loading', { state: 'detached' });
      texts[lang] += `\n${await screenText(page)}`;
    }
    await shot(page, `phone-card-${lang}`);
    const t = texts[lang].replace(/№ [A-Z]-\d{4}-\d+/g, '№');
    const keys = t.match(/\b[a-z]+_[a-z_]+\b/g) ?? [];
    check(`${lang}: no key names in the text`, keys.length === 0 && !/undefined|\[object|null\b/.test(t), JSON.stringify(keys.slice(0, 5)) + (t.match(/.*\b[a-z]+_[a-z_]+\b.*/) ?? [''])[0]);
    if (lang === 'en') {
      check('en: no Cyrillic text', !/[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]/.test(t), (t.match(/.*[А-Яа-я].*/) ?? [''])[0]);
    } else if (lang === 'kk-Latn') {
      check('kk-Latn: no Cyrillic text', !/[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]/.test(t), (t.match(/.*[А-Яа-яӘәҚқ].*/) ?? [''])[0]);
      check('kk-Latn: Kazakh in Latin letters', /[äöüğşıñū]/.test(t) && !t.includes('My applications'));
    } else {
      const latin = [...new Set((t.match(/[A-Za-z]+/g) ?? []).map((w) => w.toLowerCase()))].filter((w) => !LATIN_OK.has(w));
      check(`${lang}: no English words leak`, latin.length === 0, JSON.stringify(latin.slice(0, 10)) + (latin[0] ? (t.match(new RegExp(`.*\\b${latin[0]}\\b.*`, 'i')) ?? [''])[0] : ''));
      const kazakh = /[ӘәҒғҚқҢңӨөҰұҮүҺһІі]/.test(t);
      check(`${lang}: ${lang === 'kk' ? 'Kazakh letters in the text' : 'no Kazakh words in Russian'}`, lang === 'kk' ? kazakh : !kazakh, lang === 'kk' ? '' : (t.match(/.*[ӘәҒғҚқҢңӨөҰұҮүҺһІі].*/) ?? [''])[0]);
    }
  }
  check('the four languages give four different texts', new Set(Object.values(texts)).size === 4);

  // A return for corrections: only the flagged fields editable, then sent again.
  const admin = await login('demo-admin');
  const stage = svc.workflow.start;
  let r = await act(admin, phone.id, { action: 'claim', stage });
  check('(set-up) an administrator claims the stage', r.status === 200, r.text.slice(0, 200));
  r = await act(admin, phone.id, { action: 'comment', stage, text: 'Уточните наименование организации', to_applicant: true });
  r = await act(admin, phone.id, { action: 'return_for_corrections', stage, fields: ['org_name', DOC], comment: 'Уточните наименование' });
  check('(set-up) the application is returned with org_name and the programme flagged', r.status === 200 && r.json.status === 'returned', r.text.slice(0, 300));
  await page.goto(`${base}/app/my/${phone.id}`);
  await page.waitForSelector('[data-testid=returned-banner]');
  await page.waitForSelector('[data-testid=site-host][data-ready=true]', { timeout: 60000 });
  check('returned: the flagged field is editable', await page.isEnabled('[data-testid=field-org_name]'));
  check('returned: the other fields are not', (await page.isDisabled('[data-testid=field-contact_person]')) && (await page.isDisabled('[data-testid=field-bin]')));
  check('returned: the flagged document may be replaced, the site may not be redrawn', (await page.locator(`[data-testid=upload-${DOC}]`).count()) === 1 && !(await page.isVisible('[data-testid=site-done]')));
  check('the comment sent to the applicant is shown', (await page.textContent('[data-testid=comments]')).includes('Уточните наименование организации'));
  check('the clock is shown paused', await page.isVisible('[data-testid=paused]'));
  await shot(page, 'phone-returned');
  const fixed = page.waitForResponse((x) => x.url().endsWith(`/api/applications/${phone.id}`) && x.request().method() === 'PATCH');
  await page.fill('[data-testid=field-org_name]', 'ТОО «Изыскатель-Алматы»');
  check('the corrected field is saved', (await fixed).status() === 200);
  await page.click('[data-testid=submit]');
  await page.waitForSelector('[data-testid=app-status][data-status=in_progress]');
  const after = (await call(admin, 'GET', `/api/applications/${phone.id}`)).json;
  check('resubmitted: in progress again with the corrected value', after.status === 'in_progress' && after.form.org_name === 'ТОО «Изыскатель-Алматы»', JSON.stringify(after.form));

  // Approved: the document to download and its QR check.
  r = await act(admin, phone.id, { action: 'approve', stage });
  if (r.status === 409) { await act(admin, phone.id, { action: 'claim', stage }); r = await act(admin, phone.id, { action: 'approve', stage }); }
  check('(set-up) the application is approved', r.status === 200 && r.json.status === 'approved', r.text.slice(0, 300));
  await page.goto(`${base}/app/my/${phone.id}`);
  await page.waitForSelector('[data-testid=app-status][data-status=approved]');
  const tDoc = Date.now();
  const [dl] = await Promise.all([
    page.waitForEvent('download', { timeout: 120000 }),
    page.click('[data-testid=download]'),
    page.waitForSelector('[data-testid=qr-link]', { timeout: 120000 }),
  ]).catch(async (e) => {
    await shot(page, 'phone-download-failed');
    throw new Error(`${e.message}; shown: ${await page.textContent('[data-testid=doc-result]').catch(() => '?')}`);
  });
  console.log(`# the approved document was ready in ${Date.now() - tDoc} ms`);
  check('the result downloads as a PDF', dl.suggestedFilename().endsWith('.pdf'), dl.suggestedFilename());
  const code = (await page.textContent('[data-testid=doc-code]')).trim();
  const href = await page.getAttribute('[data-testid=qr-link]', 'href');
  check('the QR check links to the verification page of the document', href === `/verify/${encodeURIComponent(code)}`, href);
  const verify = await fetch(`${base}${href}`);
  const vt = await verify.text();
  check('the verification page confirms the document', verify.status === 200 && vt.includes('data-status="valid"'), `${verify.status}`);
  check('the approved application shows no withdraw button', (await page.locator('[data-testid=withdraw]').count()) === 0);
  await shot(page, 'phone-approved');
  await phone.context.close();

  // ---------------------------------------------------------------- desktop
  const desk = await applicantPath('desktop');
  await desk.page.goto(`${base}/app/my/${desk.id}`);
  await desk.page.waitForSelector('[data-testid=site-host][data-ready=true]', { timeout: 60000 });
  await shot(desk.page, 'desktop-card');
  // A site picked from a layer: a land plot for the APZ, its geometry from the layer.
  {
    const p = desk.page;
    const fc = (await call(null, 'GET', '/ogc/collections/land_fund/items?limit=1&bbox=76.90,43.22,76.96,43.28')).json;
    const ring = fc.features[0].geometry.type === 'Polygon' ? fc.features[0].geometry.coordinates[0] : fc.features[0].geometry.coordinates[0][0];
    const c = [ring.slice(1).reduce((s, q) => s + q[0], 0) / (ring.length - 1), ring.slice(1).reduce((s, q) => s + q[1], 0) / (ring.length - 1)];
    await p.goto(`${base}/app/services/arch_apz/apply`);
    await p.waitForSelector('[data-testid=site-host][data-ready=true]', { timeout: 60000 });
    await p.evaluate((xy) => window.qalaApply.map.jumpTo({ center: xy, zoom: 17 }), c);
    await p.evaluate(() => new Promise((res) => { const m = window.qalaApply.map; m.once('idle', res); m.triggerRepaint(); }));
    await p.evaluate(() => document.querySelector('[data-testid=site-map]').scrollIntoView({ block: 'center' }));
    const b = await p.locator('[data-testid=site-map]').boundingBox();
    const created = p.waitForResponse((r) => r.url().endsWith('/api/applications') && r.request().method() === 'POST');
    await p.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
    const cr = await created;
    const picked = await cr.json();
    check('desktop: a land plot picked on the map becomes the site (its geometry from the layer)', cr.status() === 201 && picked.geometry?.type === fc.features[0].geometry.type, `${cr.status()} ${JSON.stringify(picked).slice(0, 200)}`);
    check('desktop: the picked plot is named under the map', (await p.textContent('[data-testid=site-status]')).includes(String(fc.features[0].id)));
    await p.check('[data-testid=field-applicant_kind][value=organisation]');
    check('desktop: a field shown when another has a value (BIN for an organisation)', (await p.isVisible('[data-testid=field-bin]')) && !(await p.isVisible('[data-testid=field-iin]')));
    await shot(p, 'desktop-picked');
    const me = await login('demo-applicant');
    await act(me, picked.id, { action: 'withdraw' });
    await p.goto(`${base}/app/my/${desk.id}`);
    await p.waitForSelector('[data-testid=withdraw]');
  }
  await desk.page.click('[data-testid=withdraw]');
  await desk.page.click('[data-testid=withdraw-yes]');
  await desk.page.waitForSelector('[data-testid=app-status][data-status=withdrawn]');
  check('desktop: the applicant withdraws the application', true);
  await shot(desk.page, 'desktop-withdrawn');
  await desk.context.close();

  // ---------------------------------------------------------------- anonymous
  const anon = await newPage('phone');
  const appRequests = [];
  anon.page.on('response', (x) => { if (new URL(x.url()).pathname.startsWith('/api/applications')) appRequests.push(`${x.status()} ${x.url()}`); });
  await anon.page.goto(`${base}/app`);
  await anon.page.waitForSelector('[data-testid=svc-link]');
  check('anonymous: the catalogue is shown', (await anon.page.locator('[data-testid=svc-link]').count()) === services.length);
  check('anonymous: no "My applications" in the header', (await anon.page.locator('[data-testid=nav-my]').count()) === 0);
  await anon.page.goto(`${base}/app/my/${phone.id}`);
  await anon.page.waitForSelector('[data-testid=login-form]');
  check('anonymous: an application asks to sign in and shows nothing of it', (await anon.page.locator('[data-testid=application]').count()) === 0);
  await anon.page.goto(`${base}/app/my`);
  await anon.page.waitForSelector('[data-testid=login-form]');
  check('anonymous: no list of applications', (await anon.page.locator('[data-testid=my-row]').count()) === 0);
  check('anonymous: the pages read no application', appRequests.every((x) => !x.startsWith('200')), JSON.stringify(appRequests));
  await shot(anon.page, 'anonymous-my');
  await anon.context.close();
} catch (e) {
  fail(`the run stopped: ${e.stack ?? e}`);
} finally {
  check('no uncaught errors in the pages', pageErrors.length === 0, JSON.stringify(pageErrors.slice(0, 5)));
  await browser.close();
}
finish();
