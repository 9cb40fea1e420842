// The operations page (`/app/ops`, issue 16) in Chromium against a real `qala serve`
// (tests/metrics.rs starts it and makes the users `opsadmin` (admin), `scraper` (monitoring) and
// `viewer2` (viewer), passwords `<login>-password`).
//
// In Russian on a desktop as the admin and in Kazakh on a phone as the monitoring account: the
// section is in the header, the readiness checks are all in order, the panels show numbers with
// the words of the language (no interface keys), the page fits a phone's width and asks for the
// figures again by itself (every 15 s). A viewer has no such section and the page refuses it.
// Screenshots in QALA_ARTIFACTS.
import { join } from 'node:path';
import { artifacts, base, check, fail, finish, launch, newContext, pageErrors, PHONE, DESKTOP, noHorizontalScroll, signInForm } from './apps-lib.mjs';

/** What the page must say in each language (the test's own copy of the interface's words). */
const EXPECT = {
  ru: { title: 'Состояние сервера', nav: 'Состояние', ready: 'Готов', tiles: 'Кэш тайлов', pool: 'Подключения к базе данных', ok: 'в норме', disk: 'Диск каталога данных', forbidden: 'У вас нет доступа к этой странице' },
  kk: { title: 'Сервердің жұмыс күйі', nav: 'Жұмыс күйі', ready: 'Дайын', tiles: 'Тайлдар кэші', pool: 'Дерекқор қосылымдары', ok: 'қалыпты', disk: 'Деректер каталогының дискі', forbidden: 'Бұл бетке қол жеткізу құқығыңыз жоқ' },
};

/** Interface key names (camelCase) or server codes (snake_case) among the words shown, route
 *  templates (in `code`) left out. */
const keyLike = (text) => (text.match(/\b[a-z]+[A-Z][A-Za-z]*\b|\b[a-z]+_[a-z_]+\b|\bundefined\b|\bnull\b|\bNaN\b/g) ?? []);

const browser = await launch();

async function run(lang, device, dev, who, watchRefresh) {
  const name = `${lang}-${dev}`;
  const words = EXPECT[lang];
  const { context, page } = await newContext(browser, { device, lang, name });
  try {
    // Some traffic first, so the tables have rows: a tile twice, a missing layer.
    for (const path of ['/tiles/buildings/14/11691/6004.mvt', '/tiles/buildings/14/11691/6004.mvt', '/api/layers/nosuchlayer']) await page.request.get(`${base}${path}`);
    await page.goto(`${base}/app/ops`);
    await signInForm(page, who, `${who}-password`);
    await page.waitForSelector('[data-testid=ops-ready]', { timeout: 20000 });
    check(`${name}: the header has the operations section`, (await page.textContent('[data-testid=nav-ops]'))?.trim() === words.nav);
    check(`${name}: the title`, (await page.textContent('#main h1'))?.trim() === words.title);
    check(`${name}: ready`, (await page.getAttribute('[data-testid=ops-ready]', 'data-ready')) === 'true' && (await page.textContent('[data-testid=ops-ready]'))?.trim() === words.ready);
    for (const c of ['database', 'migrations', 'disk', 'shutdown']) {
      const state = await page.getAttribute(`[data-testid=check-${c}]`, 'data-state');
      const text = await page.textContent(`[data-testid=check-${c}]`);
      check(`${name}: check ${c} is ok`, state === 'ok' && text.includes(words.ok), { state, text });
    }
    const text = await page.evaluate(() => {
      const main = document.querySelector('#main').cloneNode(true);
      for (const c of main.querySelectorAll('code')) c.remove();
      return main.innerText;
    });
    for (const w of [words.tiles, words.pool, words.disk]) check(`${name}: shows "${w}"`, text.includes(w));
    check(`${name}: no interface keys or codes`, keyLike(text).length === 0, keyLike(text));
    const total = Number((await page.textContent('[data-testid=req-total] dd')).replace(/\D/g, ''));
    check(`${name}: requests counted`, total > 0, { total });
    const rows = await page.locator('[data-testid=route-row]').count();
    check(`${name}: requests by route`, rows > 0, { rows });
    const routes = await page.locator('[data-testid=route-row] code').allTextContents();
    check(`${name}: routes by template`, routes.includes('/tiles/{source}/{z}/{x}/{y}') && routes.includes('/api/layers/{id}') && !routes.some((r) => r.includes('nosuchlayer')), routes);
    const diskFree = await page.textContent('[data-testid=disk-free] dd');
    check(`${name}: disk free shown`, /\d/.test(diskFree), diskFree);
    if (device === PHONE) check(`${name}: fits the phone's width`, await noHorizontalScroll(page));
    await page.screenshot({ path: join(artifacts, `${name}-ops.png`), fullPage: true });
    if (watchRefresh) {
      // The page asks for the figures again by itself (every 15 s): wait for that request.
      const again = await page.waitForRequest((r) => r.url().endsWith('/api/admin/status'), { timeout: 25000 }).then(() => true, () => false);
      check(`${name}: refreshes by itself`, again);
      await page.waitForSelector('[data-testid=ops-ready]');
    }
  } catch (e) {
    fail(`${name}: ${e}`);
    await page.screenshot({ path: join(artifacts, `${name}-failed.png`), fullPage: true }).catch(() => null);
  } finally {
    await context.close();
  }
}

async function refused(lang) {
  const name = `${lang}-viewer`;
  const { context, page } = await newContext(browser, { device: DESKTOP, lang, name });
  try {
    await page.goto(`${base}/app/ops`);
    await signInForm(page, 'viewer2', 'viewer2-password');
    const want = EXPECT[lang].forbidden;
    await page.waitForFunction((w) => document.querySelector('#main h1')?.textContent?.trim() === w, want, { timeout: 20000 }).catch(() => null);
    check(`${name}: no operations section`, (await page.locator('[data-testid=nav-ops]').count()) === 0);
    check(`${name}: the page refuses`, (await page.textContent('#main h1'))?.trim() === EXPECT[lang].forbidden, await page.textContent('#main'));
    await page.screenshot({ path: join(artifacts, `${name}-refused.png`), fullPage: true });
  } catch (e) {
    fail(`${name}: ${e}`);
  } finally {
    await context.close();
  }
}

try {
  await run('ru', DESKTOP, 'desktop', 'opsadmin', true);
  await run('kk', PHONE, 'phone', 'scraper', false);
  await refused('ru');
  check('no uncaught errors in the pages', pageErrors.length === 0, pageErrors);
} catch (e) {
  fail(`run stopped: ${e}`);
} finally {
  await browser.close();
}
finish();
