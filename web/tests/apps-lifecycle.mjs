// The whole lifecycle of an application in two browser contexts of one Chromium (playwright-core,
// Debian's /usr/bin/chromium) against a running Qala with the Almaty demo: QALA_URL, QALA_PASSWORD
// (the demo users' password), screenshots of every step into QALA_ARTIFACTS. Issue 14's main check.
//
// demo-applicant, on a phone (360x740, touch), signs in through the shell, finds the survey permit
// (land_survey_permit: a polygon site, one required file) in the catalogue, draws its site on the
// map, fills the form, uploads the survey programme with progress to 100% and submits. The
// reviewer, on a desktop, sees it in the queue "new" with the counts the API gives, opens it,
// claims it, sees its site and overlay on the map, writes to the applicant and returns it with
// one field flagged. The applicant's bell counts the new notifications; the applicant opens them,
// finds only the flagged field editable, corrects it and sends it again. The reviewer approves
// through the approve dialog; the applicant downloads the PDF and its QR check page says valid.
//
// The stage is worked by the akimat's land relations department ("land-relations"): the reviewer
// is akimat-land, a demo user of that department.
//
// Everything is done through the pages; the API is used to read what they should show, and for
// the set-up: a second applicant (lifecycle-neighbour, made by the administrator) submits the same
// service on the same spot first, so that there is someone else's application to leak. Every
// /api/applications* (and /api/me/notifications) answer the applicant's context receives is
// recorded; at the end each application it names must be the applicant's own.
// One line per check ("ok - ..." / "not ok - ..."); exit code 1 when any fails.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  base, artifacts, password, check, fail, finish, same, login, call, must, act, makeBin, pdf, launch, newContext,
  pageErrors, PHONE, DESKTOP, signInForm, noHorizontalScroll,
} from './apps-lib.mjs';

const SERVICE = 'land_survey_permit';
const DOC = 'survey_programme';
const FLAG = 'org_name';
const APPLICANT = 'demo-applicant';
const REVIEWER = 'akimat-land';
// Set-up through the administrators' API (a second applicant).
const ADMIN = 'demo-admin';
const NEIGHBOUR = 'lifecycle-neighbour';
/** Where the site is drawn (away from the spot apps-apply.mjs draws at). */
const CENTRE = [76.945, 43.238];
const QUEUES = ['new', 'pool', 'mine', 'in_review', 'returned', 'done'];
const NUMBER = /^[A-Z]-\d{4}-\d+$/;

let step = 0;
// Screenshots of an earlier run are removed (numbers and steps may differ).
for (const f of readdirSync(artifacts)) if (/^lifecycle-.*\.(png|pdf)$/.test(f)) rmSync(join(artifacts, f));
/** A screenshot of a step: lifecycle-NN-<who>-<name>.png (the whole page, or what the window shows). */
const shot = (page, who, name, fullPage = true) => page.screenshot({ path: join(artifacts, `lifecycle-${String(++step).padStart(2, '0')}-${who}-${name}.png`), fullPage });

// ------------------------------------------------------------ set-up (API)
const admin = await login(ADMIN);
// What the reviewer's pages should show is read through the reviewer's own session.
const reviewerApi = await login(REVIEWER);
const svc = must(await call(null, 'GET', `/api/services/${SERVICE}`), 'service').json;
const stage = svc.workflow.start;
const STAGE_TITLE = svc.workflow.stages.find((s) => s.id === stage).title.ru;
const flagLabel = svc.form.find((f) => f.name === FLAG).label.ru;

/** The second applicant and its submitted application on the spot the applicant will draw on. */
async function neighbourApplication() {
  let r = await call(admin, 'POST', '/api/admin/users', { login: NEIGHBOUR, password, full_name: 'Соседний заявитель', roles: ['applicant'], lang: 'ru' });
  if (r.status !== 201 && r.status !== 409) throw new Error(`create ${NEIGHBOUR}: ${r.status} ${r.text.slice(0, 300)}`);
  const them = await login(NEIGHBOUR);
  const d = 0.0005;
  const [x, y] = CENTRE;
  const geometry = { type: 'Polygon', coordinates: [[[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]] };
  const form = { bin: makeBin(7100 + Math.floor(Math.random() * 500)), org_name: 'ТОО «Соседние изыскания»', contact_person: 'Ерлан Жумабаев', phone: '+7 702 555 44 33',
    email: 'neighbour@example.kz', survey_kinds: ['geological'], survey_from: '2027-03-01', survey_to: '2027-04-01' };
  r = must(await call(them, 'POST', '/api/applications', { service: SERVICE, form, geometry }), 'neighbour draft');
  const id = r.json.id;
  r = must(await call(them, 'PUT', `/api/applications/${id}/documents/${DOC}?name=programme.pdf`, new Uint8Array(pdf().subarray(0, 2000)), { 'If-Match': r.etag, 'Content-Type': 'application/pdf' }), 'neighbour file');
  r = must(await call(them, 'POST', `/api/applications/${id}/actions`, { action: 'submit' }, { 'If-Match': r.etag }), 'neighbour submit');
  return { id, number: r.json.number, session: them };
}
const neighbour = await neighbourApplication().catch((e) => { fail(`(set-up) the second applicant's application: ${e.stack ?? e}`); finish(); });
check('(set-up) a second applicant submitted the same service on the same spot', NUMBER.test(neighbour.number ?? ''), JSON.stringify(neighbour.number));
const me = await login(APPLICANT);
// Drafts of this service left by an earlier run are withdrawn (Apply would reopen them).
for (const a of (await call(me, 'GET', `/api/applications?status=draft&service=${SERVICE}`)).json.applications) await act(me, a.id, { action: 'withdraw' });

// ------------------------------------------------------------ the browser
const browser = await launch();
const applicant = await newContext(browser, { device: PHONE, name: 'applicant' });
const reviewer = await newContext(browser, { device: DESKTOP, name: 'reviewer' });
const ap = applicant.page;
const rv = reviewer.page;

// Every answer about applications the applicant's context receives.
const answers = [];
const reading = [];
const pdfAnswers = [];
applicant.context.on('response', (r) => {
  const u = new URL(r.url());
  if (!u.pathname.startsWith('/api/applications') && !u.pathname.startsWith('/api/me/notifications')) return;
  const type = r.headers()['content-type'] ?? '';
  if (u.pathname.endsWith('/document.pdf')) pdfAnswers.push({ status: r.status(), type, code: r.headers()['qala-document'] });
  if (!type.includes('json')) return;
  reading.push(r.json().then((json) => answers.push({ url: `${r.request().method()} ${u.pathname}${u.search}`, status: r.status(), json }), () => answers.push({ url: u.pathname, unread: true })));
});

/** The counts shown in the queue tabs. */
const countsOnScreen = (page) => page.evaluate((qs) => Object.fromEntries(qs.map((q) => [q, Number(document.querySelector(`[data-testid=queue-count-${q}]`)?.dataset.count ?? NaN)])), QUEUES);
const waitCounts = (page) => page.waitForFunction(() => [...document.querySelectorAll('[data-testid^=queue-count-]')].every((e) => e.dataset.count !== undefined));
/** The counts on screen against the API's, read before and after (reloaded while someone else changes them). */
async function queueCounts(page) {
  let last;
  for (let i = 0; i < 3; i++) {
    const before = must(await call(reviewerApi, 'GET', '/api/applications/queues'), 'queues').json.queues;
    if (i > 0) { await page.reload(); await page.waitForSelector('[data-testid=queue-list][data-loaded]'); }
    await waitCounts(page);
    const shown = await countsOnScreen(page);
    const after = must(await call(reviewerApi, 'GET', '/api/applications/queues'), 'queues').json.queues;
    last = { shown, api: after };
    if (same(before, after)) return last;
  }
  return last;
}
const mapIdle = (page, name) => page.evaluate((n) => new Promise((res) => {
  const m = window[n].map;
  if (m.loaded() && m.areTilesLoaded()) setTimeout(res, 50); else m.once('idle', () => res());
}), name);
/** The unread count and newest items of a user's notifications (API). */
const inboxOf = async (s) => must(await call(s, 'GET', '/api/me/notifications?limit=10'), 'notifications').json;
const cardOf = async (s, id) => must(await call(s, 'GET', `/api/applications/${id}`), `card ${id}`).json;
const confirm = async (page, testid) => {
  await page.waitForSelector(`dialog[data-testid=${testid}][open]`);
  await page.click(`dialog[data-testid=${testid}] [data-testid=dialog-confirm]`);
};
const workStatus = (page, s) => page.waitForFunction((x) => document.querySelector('[data-testid=card-status]')?.dataset.status === x, s);
async function openWorkCard(page) {
  await page.waitForSelector('[data-testid=work-app]');
  await page.waitForSelector('[data-testid=work-map][data-ready=true]', { timeout: 60000 });
}

let id;
let number;
try {
  // ---------------------------------------------------------------- 1. the applicant applies
  await ap.goto(`${base}/app`);
  await ap.waitForSelector('[data-testid=svc-link]');
  await ap.click('[data-testid=login]');
  await signInForm(ap, APPLICANT);
  await ap.waitForSelector('[data-testid=who]', { state: 'attached' });
  check('applicant: signed in through the shell\'s form (the header names the user, My applications shown)', (await ap.textContent('[data-testid=who]')).trim() === (me.user.full_name || APPLICANT)
    && (await ap.isVisible('[data-testid=nav-my]')) && (await ap.isVisible('[data-testid=logout]')));
  await ap.waitForSelector('[data-testid=svc-link]');
  await shot(ap, 'applicant', 'signed-in');
  await ap.fill('[data-testid=svc-search]', 'изыскательских');
  await ap.waitForFunction(() => document.querySelectorAll('[data-testid=svc-link]').length === 1);
  await ap.click(`[data-testid=svc-link][data-id=${SERVICE}]`);
  await ap.waitForSelector('[data-testid=passport]');
  check('applicant: the catalogue\'s search leads to the passport of the survey permit', (await ap.textContent('[data-testid=passport-title]')).trim() === svc.title.ru);
  await shot(ap, 'applicant', 'passport');
  await ap.click('[data-testid=apply]');
  await ap.waitForSelector('[data-testid=app-form]');
  await ap.waitForSelector('[data-testid=site-host][data-ready=true]', { timeout: 60000 });
  check('applicant: Apply opens the form with the map (no second sign-in)', ap.url().endsWith(`/app/services/${SERVICE}/apply`) && (await ap.locator('[data-testid=login-form]').count()) === 0, ap.url());
  await shot(ap, 'applicant', 'form-empty');

  // The site: four taps on the map make the polygon; Done creates the draft.
  await ap.evaluate((c) => window.qalaApply.map.jumpTo({ center: c, zoom: 15 }), CENTRE);
  await ap.evaluate(() => document.querySelector('[data-testid=site-map]').scrollIntoView({ block: 'center' }));
  const box = await ap.locator('[data-testid=site-map]').boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  for (const [dx, dy] of [[-60, -50], [60, -50], [60, 50], [-60, 50]]) await ap.touchscreen.tap(cx + dx, cy + dy);
  const created = ap.waitForResponse((r) => r.url().endsWith('/api/applications') && r.request().method() === 'POST');
  await ap.click('[data-testid=site-done]');
  const cr = await created;
  const draft = await cr.json();
  id = draft.id;
  check('applicant: the drawn polygon creates the draft (201, a closed ring of four corners around the spot)', cr.status() === 201 && draft.geometry?.type === 'Polygon' && draft.geometry.coordinates[0].length === 5
    && draft.geometry.coordinates[0].every(([x, y]) => Math.abs(x - CENTRE[0]) < 0.01 && Math.abs(y - CENTRE[1]) < 0.01), `${cr.status()} ${JSON.stringify(draft.geometry)}`);
  await ap.waitForFunction((i) => location.pathname === `/app/my/${i}`, id);
  await ap.waitForSelector('[data-testid=site-status][data-ok=true]');
  await shot(ap, 'applicant', 'site-drawn');

  // The form, saved as typed.
  await ap.fill('[data-testid=field-bin]', makeBin(5000 + (id % 1000)));
  await ap.fill('[data-testid=field-org_name]', 'ТОО «Геоизыскания»');
  await ap.fill('[data-testid=field-contact_person]', 'Айгерим Сапарова');
  await ap.fill('[data-testid=field-phone]', '8 701 123 45 67');
  await ap.fill('[data-testid=field-email]', 'office@example.kz');
  await ap.check('[data-testid=field-survey_kinds][value=geodetic]');
  await ap.check('[data-testid=field-survey_kinds][value=geological]');
  await ap.fill('[data-testid=field-survey_from]', '2027-05-10');
  await ap.fill('[data-testid=field-survey_to]', '2027-06-10');
  const lastSave = ap.waitForResponse((r) => r.url().endsWith(`/api/applications/${id}`) && r.request().method() === 'PATCH' && r.status() === 200);
  await ap.fill('[data-testid=field-boreholes]', '4');
  await lastSave;
  await ap.waitForSelector('[data-testid=save-state][data-state=saved]');
  const saved = await cardOf(me, id);
  check('applicant: the values are saved in the draft as typed (API)', saved.form.org_name === 'ТОО «Геоизыскания»' && same(saved.form.survey_kinds, ['geodetic', 'geological']) && saved.form.boreholes === 4, JSON.stringify(saved.form));

  // The file, with its progress to 100%.
  await ap.evaluate((doc) => {
    window.progressSeen = [];
    const bar = document.querySelector(`[data-testid=progress-${doc}] progress`);
    new MutationObserver(() => window.progressSeen.push(bar.value)).observe(bar, { attributes: true });
  }, DOC);
  await ap.setInputFiles(`[data-testid=upload-${DOC}]`, { name: 'programme.pdf', mimeType: 'application/pdf', buffer: pdf() });
  await ap.waitForSelector(`[data-testid=progress-${DOC}][data-done=true]`);
  const pct = await ap.textContent(`[data-testid=progress-${DOC}] .pct`);
  const bar = await ap.evaluate((doc) => document.querySelector(`[data-testid=progress-${doc}] progress`).value, DOC);
  const seen = await ap.evaluate(() => window.progressSeen);
  check('applicant: the upload shows its progress and reaches 100%', pct.includes('100%') && bar === 100 && seen.length > 0, `${pct} ${bar} ${JSON.stringify(seen.slice(0, 8))}`);
  check('applicant: the file is listed under its document and stored (API)', (await ap.textContent(`[data-testid=doc-files-${DOC}]`)).includes('programme.pdf')
    && (await cardOf(me, id)).documents[DOC]?.length === 1);
  check('applicant: no horizontal scroll on the filled form', await noHorizontalScroll(ap));
  await shot(ap, 'applicant', 'form-filled');

  await ap.click('[data-testid=submit]');
  await ap.waitForSelector('[data-testid=app-status][data-status=in_progress]');
  const submitted = await cardOf(me, id);
  number = submitted.number;
  check('applicant: submitted, the card shows its number, status and current stage', submitted.status === 'in_progress' && (await ap.textContent('[data-testid=app-number]')).includes(number)
    && (await ap.textContent('[data-testid=current-stage]')).includes(STAGE_TITLE), `${submitted.status} ${number}`);
  await shot(ap, 'applicant', 'submitted');
  await ap.click('[data-testid=back-my]');
  await ap.waitForSelector(`[data-testid=my-row][data-id="${id}"]`);
  check('applicant: the application is listed in My applications as in progress', (await ap.getAttribute(`[data-testid=my-row][data-id="${id}"]`, 'data-status')) === 'in_progress');
  check('applicant: My applications lists no one else\'s (the neighbour\'s is not there)', (await ap.locator(`[data-testid=my-row][data-id="${neighbour.id}"]`).count()) === 0);
  await shot(ap, 'applicant', 'my-applications');

  // ---------------------------------------------------------------- 2. the reviewer claims it
  await rv.goto(`${base}/app/work`);
  await signInForm(rv, REVIEWER);
  await rv.waitForSelector('[data-testid=work-queues]');
  await rv.click('[data-testid=queue-new]');
  await rv.waitForSelector('[data-testid=queue-list][data-loaded=new]');
  let q = await queueCounts(rv);
  check('reviewer: the queue counts on screen are the API\'s', same(q.shown, q.api), q);
  const row = rv.locator('[data-testid=queue-row]', { hasText: number });
  const district = (await cardOf(admin, id)).overlay?.district?.name?.ru;
  check('reviewer: the application is in the queue "new", with its stage and district', (await row.count()) === 1
    && (await row.textContent()).includes(STAGE_TITLE) && !!district && (await row.textContent()).includes(district), (await row.textContent().catch(() => '')) ?? '');
  await shot(rv, 'reviewer', 'queue-new');
  await row.locator('[data-testid=row-open]').click();
  await openWorkCard(rv);
  check('reviewer: the card opens from the queue', new URL(rv.url()).pathname === `/app/work/${id}` && (await rv.textContent('[data-testid=card-number]')).includes(number));
  await rv.click('[data-testid=action-claim]');
  await confirm(rv, 'dialog-claim');
  await rv.waitForFunction((who) => document.querySelector('[data-testid=stage-executor]')?.textContent === who, REVIEWER);
  let c = await cardOf(admin, id);
  check('reviewer: claimed, the stage is held by the reviewer (API and screen)', c.stages[0]?.executor === REVIEWER, JSON.stringify(c.stages));
  await rv.waitForSelector('[data-testid=work-map][data-ready=true]');
  await mapIdle(rv, 'qalaWork');
  const drawn = await rv.evaluate(() => window.qalaWork.map.queryRenderedFeatures({ layers: ['work-site-fill', 'work-site-line'] }).length);
  check('reviewer: the map draws the application\'s polygon', drawn > 0, `${drawn}`);
  const o = c.overlay;
  const expected = (o?.zones?.length ?? 0) + (o?.networks?.length ?? 0) + (o?.nearby?.length ?? 0);
  const listed = await rv.locator('[data-testid=overlay-item]').count();
  check('reviewer: the overlay report lists every zone, network and nearby application of the API\'s', expected > 0 && listed === expected, `${listed} vs ${expected}`);
  check('reviewer: the overlay names the district', (await rv.textContent('[data-testid=overlay-district]')).includes(o.district.name.ru));
  check('reviewer: the neighbour\'s application is listed nearby', (await rv.locator('[data-testid=overlay-item][data-kind=nearby]', { hasText: neighbour.number }).count()) === 1);
  await shot(rv, 'reviewer', 'claimed-site-overlay');

  // A comment to the applicant, then the return with one field flagged.
  const unreadBefore = (await inboxOf(me)).unread;
  const NOTE = 'Укажите полное наименование организации, как в свидетельстве о регистрации';
  await rv.fill('[data-testid=comment-text]', NOTE);
  await rv.check('[data-testid=comment-to-applicant]');
  await rv.click('[data-testid=comment-send]');
  await rv.waitForSelector(`[data-testid=comment]:has-text("${NOTE.slice(0, 30)}")`);
  await rv.click('[data-testid=action-return_for_corrections]');
  await rv.waitForSelector('dialog[data-testid=dialog-return_for_corrections][open]');
  await rv.check(`[data-testid=flag-${FLAG}] input`);
  await rv.fill('[data-testid=return-comment]', 'Исправьте наименование организации');
  await shot(rv, 'reviewer', 'return-dialog');
  await rv.click('dialog[data-testid=dialog-return_for_corrections] [data-testid=dialog-confirm]');
  await workStatus(rv, 'returned');
  c = await cardOf(admin, id);
  check('reviewer: returned with the one flagged field (API), the card says so', c.status === 'returned' && same(c.returned?.fields, [FLAG])
    && (await rv.locator(`[data-testid=form-values] .flagged[data-field=${FLAG}]`).count()) === 1, JSON.stringify(c.returned));
  check('reviewer: the comment to the applicant is in the history (API)', c.history.some((h) => h.events.some((e) => e.event === 'commented' && e.to_applicant && e.text === NOTE)));
  await shot(rv, 'reviewer', 'returned');

  // ---------------------------------------------------------------- 3. the applicant corrects
  await ap.reload();
  await ap.waitForSelector('[data-testid=my-applications], [data-testid=application]');
  await ap.waitForSelector('[data-testid=inbox-count]:not([hidden])');
  const inbox = await inboxOf(me);
  const counter = Number((await ap.textContent('[data-testid=inbox-count]')).trim());
  check('applicant: the bell counts the unread notifications the API gives', counter === inbox.unread && counter > 0, `${counter} vs ${inbox.unread}`);
  check('applicant: two new ones (the comment and the return)', inbox.unread - unreadBefore === 2 && inbox.items[0].application_id === id && inbox.items[0].event === 'returned'
    && inbox.items[1].application_id === id && inbox.items[1].event === 'comment', JSON.stringify({ unreadBefore, unread: inbox.unread, items: inbox.items.slice(0, 2).map((i) => [i.application_id, i.event]) }));
  await shot(ap, 'applicant', 'bell-counter', false);
  await ap.click('[data-testid=inbox]');
  await ap.waitForSelector('[data-testid=inbox-list]:not([hidden]) [data-testid=inbox-item]');
  const listBox = await ap.locator('[data-testid=inbox-list]').boundingBox();
  check('applicant: the notifications list fits the phone\'s screen', listBox.x >= 0 && listBox.x + listBox.width <= PHONE.viewport.width + 1, JSON.stringify(listBox));
  const first = ap.locator('[data-testid=inbox-item]').first();
  check('applicant: the newest notification says the application was returned', (await first.textContent()).includes(number) && (await first.textContent()).includes('возвращена'), await first.textContent());
  await ap.waitForSelector('[data-testid=inbox-count][hidden]', { state: 'attached' });
  check('applicant: opening the list marks them read (API unread 0, the counter hidden)', (await inboxOf(me)).unread === 0);
  check('applicant: the read counter is no longer shown', !(await ap.isVisible('[data-testid=inbox-count]')),
    `still shown: "${await ap.textContent('[data-testid=inbox-count]')}" (apps.css ".inbox .count { display: inline-block }" overrides [hidden])`);
  await shot(ap, 'applicant', 'notifications', false);
  await first.locator('a').click();
  await ap.waitForURL((u) => u.pathname === `/app/my/${id}`);
  await ap.waitForSelector('[data-testid=returned-banner]');
  await ap.waitForSelector('[data-testid=site-host][data-ready=true]', { timeout: 60000 });
  const editable = await ap.$$eval('#main [data-testid^=field-]', (els) => [...new Set(els.filter((e) => !e.disabled).map((e) => e.dataset.testid))]);
  const fields = await ap.locator('#main [data-testid^=field-]').count();
  check('applicant: only the flagged field is editable', same(editable, [`field-${FLAG}`]) && fields > 5, `${JSON.stringify(editable)} of ${fields}`);
  check('applicant: the flagged field is marked and named in the banner', (await ap.locator(`[data-testid=wrap-${FLAG}] [data-testid=flag]`).count()) === 1 && (await ap.textContent('[data-testid=returned-banner]')).includes(flagLabel));
  check('applicant: the file and the site may not be changed', (await ap.locator(`[data-testid=upload-${DOC}]`).count()) === 0 && !(await ap.isVisible('[data-testid=site-done]')));
  check('applicant: the reviewer\'s comment is shown', (await ap.textContent('[data-testid=comments]')).includes(NOTE));
  check('applicant: no horizontal scroll on the returned application', await noHorizontalScroll(ap));
  await shot(ap, 'applicant', 'returned');
  const fixed = ap.waitForResponse((r) => r.url().endsWith(`/api/applications/${id}`) && r.request().method() === 'PATCH');
  await ap.fill(`[data-testid=field-${FLAG}]`, 'ТОО «Геоизыскания Алматы»');
  check('applicant: the corrected field is saved', (await fixed).status() === 200);
  await ap.click('[data-testid=submit]');
  await ap.waitForSelector('[data-testid=app-status][data-status=in_progress]');
  c = await cardOf(admin, id);
  check('applicant: sent again, in progress with the corrected value (API)', c.status === 'in_progress' && c.form[FLAG] === 'ТОО «Геоизыскания Алматы»' && c.form.contact_person === 'Айгерим Сапарова', JSON.stringify(c.form));
  await shot(ap, 'applicant', 'resubmitted');

  // ---------------------------------------------------------------- 4. the reviewer approves
  await rv.reload();
  await openWorkCard(rv);
  check('reviewer: after the reload the card is in progress again, still held by the reviewer', (await rv.getAttribute('[data-testid=card-status]', 'data-status')) === 'in_progress'
    && (await rv.textContent('[data-testid=stage-executor]')) === REVIEWER && c.stages[0]?.executor === REVIEWER, JSON.stringify(c.stages));
  check('reviewer: the corrected value is on the card', (await rv.textContent('[data-testid=form-values]')).includes('ТОО «Геоизыскания Алматы»'));
  await rv.waitForSelector('[data-testid=inbox-count]:not([hidden])');
  const rin = await inboxOf(reviewerApi);
  const rcount = Number(await rv.textContent('[data-testid=inbox-count]'));
  check('reviewer: the bell counts the API\'s unread, the newest being the resubmission', rcount === rin.unread && rin.items[0]?.application_id === id && rin.items[0]?.event === 'resubmitted', JSON.stringify({ rcount, unread: rin.unread, top: rin.items[0] }));
  await shot(rv, 'reviewer', 'resubmitted');
  await rv.click('[data-testid=action-approve]');
  await rv.waitForSelector('dialog[data-testid=dialog-approve][open]');
  await rv.waitForSelector('dialog [data-testid=approve-no-preview], dialog [data-testid=approve-preview-pdf]');
  const previewed = await rv.locator('dialog [data-testid=approve-preview-pdf]').count();
  check('reviewer: the approve dialog previews the output document before approving', previewed === 1);
  await shot(rv, 'reviewer', 'approve-dialog');
  await rv.click('dialog[data-testid=dialog-approve] [data-testid=dialog-confirm]');
  await workStatus(rv, 'approved');
  c = await cardOf(admin, id);
  check('reviewer: approved through the dialog (API: approved, no stage left)', c.status === 'approved' && c.stages.length === 0, `${c.status} ${JSON.stringify(c.stages)}`);
  await shot(rv, 'reviewer', 'approved');

  // ---------------------------------------------------------------- 5. the applicant's document
  await ap.reload();
  await ap.waitForSelector('[data-testid=app-status][data-status=approved]');
  await ap.waitForSelector('[data-testid=inbox-count]:not([hidden])');
  check('applicant: the bell counts the approval', Number(await ap.textContent('[data-testid=inbox-count]')) === (await inboxOf(me)).unread);
  const [dl] = await Promise.all([
    ap.waitForEvent('download', { timeout: 120000 }),
    ap.click('[data-testid=download]'),
    ap.waitForSelector('[data-testid=qr-link]', { timeout: 120000 }),
  ]);
  const file = join(artifacts, `lifecycle-${number}.pdf`);
  await dl.saveAs(file);
  const bytes = readFileSync(file);
  check('applicant: the document is served as application/pdf and downloads as a PDF', pdfAnswers.some((a) => a.status === 200 && a.type.startsWith('application/pdf'))
    && dl.suggestedFilename().endsWith('.pdf') && bytes.subarray(0, 5).toString() === '%PDF-', `${JSON.stringify(pdfAnswers)} ${dl.suggestedFilename()}`);
  const code = (await ap.textContent('[data-testid=doc-code]')).trim();
  const href = await ap.getAttribute('[data-testid=qr-link]', 'href');
  check('applicant: the QR check links to the document\'s verification page', href === `/verify/${encodeURIComponent(code)}`, href);
  await shot(ap, 'applicant', 'approved-document');
  const [verify] = await Promise.all([applicant.context.waitForEvent('page'), ap.click('[data-testid=qr-link]')]);
  await verify.waitForSelector('#status');
  const status = await verify.getAttribute('#status', 'data-status');
  const sha = createHash('sha256').update(bytes).digest('hex');
  const page = await verify.textContent('body');
  check('applicant: the verification page says the document is valid', status === 'valid' && page.includes(code), `${status}`);
  check('applicant: the verification page gives the downloaded file\'s SHA-256', page.includes(sha), sha);
  await shot(verify, 'applicant', 'verification');
  await verify.close();
} catch (e) {
  fail(`the lifecycle ran to its end: ${e?.stack ?? e}`);
  await Promise.all([shot(ap, 'applicant', 'stopped').catch(() => {}), shot(rv, 'reviewer', 'stopped').catch(() => {})]);
} finally {
  // ---------------------------------------------------------------- 6. access: no one else's application
  await Promise.allSettled(reading);
  const ids = new Map();
  const foreign = [];
  /** Every application an answer names (where in it), and any applicant field not the applicant. */
  const walk = (j, url, at = '') => {
    if (Array.isArray(j)) { j.forEach((x, i) => walk(x, url, `${at}[${i}]`)); return; }
    if (!j || typeof j !== 'object') return;
    if (typeof j.applicant === 'string' && j.applicant !== APPLICANT) foreign.push(`${url} ${at || '.'}: applicant ${j.applicant}`);
    // An application named: a notification's application_id, or an id with its number (cards,
    // list rows, the overlay's nearby applications; a draft's number is null).
    const named = 'application_id' in j ? j.application_id
      : typeof j.id === 'number' && (NUMBER.test(j.number ?? '') || (j.number === null && 'status' in j && ('service_id' in j || 'form' in j))) ? j.id : null;
    if (typeof named === 'number' && !ids.has(named)) ids.set(named, `${url} ${at || '.'}`);
    for (const [k, v] of Object.entries(j)) walk(v, url, `${at}.${k}`);
  };
  for (const a of answers) if (a.json) walk(a.json, a.url);
  for (const [appId, url] of ids) {
    const owner = (await call(admin, 'GET', `/api/applications/${appId}`)).json?.applicant;
    if (owner !== APPLICANT) foreign.push(`${url}: application ${appId} of ${owner}`);
  }
  console.log(`# the applicant's context received ${answers.length} answers about applications (${answers.filter((a) => a.unread).length} not readable), naming ${ids.size} application(s)`);
  check('access: the applicant\'s context received answers about its applications', answers.length > 10 && id !== undefined && ids.has(id), `${answers.length} answers, ids ${[...ids.keys()]}`);
  check('access: no answer the applicant\'s pages received names another applicant\'s application', foreign.length === 0, JSON.stringify([...new Set(foreign)].slice(0, 10)));
  check('no uncaught errors in either context', pageErrors.length === 0, JSON.stringify(pageErrors.slice(0, 5)));
  // The neighbour's application is withdrawn (it would otherwise wait in the queues).
  await act(neighbour.session, neighbour.id, { action: 'withdraw' }).catch(() => {});
  await browser.close();
}
finish();
