// The maintenance banner and the admin's maintenance screen (issue 16, ADM-2) in Chromium against
// a real `qala serve` (tests/maintenance.rs starts it with the windows of the phase and the admin
// `root`, password `root-password`).
//
// QALA_EXPECT=upcoming: the web map (ru) and the applications screens (kk) show the window to come
// with its Almaty time and message; the admin's screen lists it and announces another at the
// earliest start it proposes. QALA_EXPECT=read-only: both show "read-only now" in their language.
import { join } from 'node:path';
import { artifacts, base, check, finish, launch, newContext, pageErrors, signInForm } from './apps-lib.mjs';

const expect = process.env.QALA_EXPECT ?? 'upcoming';
const WORDS = {
  upcoming: { ru: 'Плановые технические работы:', kk: 'Жоспарлы техникалық жұмыстар:' },
  'read-only': { ru: 'Идут технические работы: система только для чтения', kk: 'Техникалық жұмыстар жүріп жатыр: жүйе тек оқу үшін' },
};
const MESSAGE = { ru: 'Обновление базы данных', kk: 'Дерекқор жаңартылады' };

const browser = await launch();
try {
  for (const [lang, path] of [['ru', '/'], ['kk', '/app/services']]) {
    const name = `${expect}-${lang}`;
    const { context, page } = await newContext(browser, { lang, name });
    await page.goto(`${base}${path}`);
    const banner = page.locator('[data-testid=maintenance-banner]');
    await banner.waitFor({ timeout: 20000 });
    const state = await banner.getAttribute('data-state');
    const text = (await banner.textContent()) ?? '';
    check(`${name}: the banner's state`, state === expect, { state });
    check(`${name}: the banner's words`, text.includes(WORDS[expect][lang]), text);
    check(`${name}: the window's message`, text.includes(MESSAGE[lang]), text);
    check(`${name}: the time in Almaty`, /\d\d\.\d\d\.\d{4} \d\d:\d\d/.test(text), text);
    await page.screenshot({ path: join(artifacts, `maintenance-${name}.png`) });
    await context.close();
  }
  if (expect === 'upcoming') {
    const { context, page } = await newContext(browser, { lang: 'en', name: 'admin' });
    await page.goto(`${base}/app/maintenance`);
    await signInForm(page, 'root', 'root-password');
    await page.waitForSelector('[data-testid=announce]', { timeout: 20000 });
    const before = await page.locator('tr[data-state=s_upcoming]').count();
    check('admin: the window to come is listed', before === 1, { before });
    check('admin: the earliest start is shown', /\d\d\.\d\d\.\d{4}/.test((await page.textContent('[data-testid=earliest]')) ?? ''));
    // The proposed start is the earliest allowed (three to seven days ahead, by the working-day
    // calendar), the end two hours later; moved two weeks on, it is past the listed window (ten
    // days ahead) whatever the day of the week the test runs (five days on overlapped it when
    // the earliest start fell five days ahead).
    const start = await page.inputValue('input[name=start]');
    const later = (v) => new Date(new Date(`${v}:00Z`).getTime() + 86400_000 * 14).toISOString().slice(0, 16);
    await page.fill('input[name=start]', later(start));
    await page.fill('input[name=end]', later(await page.inputValue('input[name=end]')));
    await page.fill('textarea[name=kk]', 'Жаңарту');
    await page.fill('textarea[name=ru]', 'Обновление');
    await page.fill('textarea[name=en]', 'Upgrade');
    await page.click('[data-testid=announce] button[type=submit]');
    await page.waitForFunction((n) => document.querySelectorAll('tr[data-state=s_upcoming]').length === n + 1, before, { timeout: 20000 });
    check('admin: a window announced from the screen', true);
    // Too soon: the server's refusal is shown as it says it.
    await page.fill('input[name=start]', new Date(Date.now() + 5 * 3600_000 + 3600_000).toISOString().slice(0, 16));
    await page.fill('input[name=end]', new Date(Date.now() + 5 * 3600_000 + 7200_000).toISOString().slice(0, 16));
    await page.fill('textarea[name=kk]', 'a');
    await page.fill('textarea[name=ru]', 'b');
    await page.fill('textarea[name=en]', 'c');
    await page.click('[data-testid=announce] button[type=submit]');
    await page.waitForSelector('[data-testid=refusal]:not([hidden])', { timeout: 20000 });
    const refusal = await page.textContent('[data-testid=refusal]');
    check('admin: too soon is refused with the reason', refusal.includes('three working days'), refusal);
    await page.screenshot({ path: join(artifacts, 'maintenance-admin.png'), fullPage: true });
    await context.close();
  }
  // The test database has no KATO classifier: the map's look-up of the city's unit may 404.
  const errors = pageErrors.filter((e) => !/\/api\/kato\/\d+: 404/.test(e));
  check('no page errors', errors.length === 0, errors);
} finally {
  await browser.close();
}
finish();
