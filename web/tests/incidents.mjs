// The security incidents screen (`/app/incidents`, issue 16) in Chromium against a real
// `qala serve` (tests/incidents.rs starts it, makes the users `sec` (security_admin) and `viewer3`
// (viewer), passwords `<login>-password`, and has the server raise one password guessing incident).
//
// In Russian on a desktop as the security admin: the section is in the header, the open incident
// shows its rule, subject, severity and journal evidence in words of the language; acknowledging it
// with a comment moves it to the acknowledged ones, closing it to the closed ones. In Kazakh on a
// phone the list fits the width. A viewer has no such section and the page refuses it.
// Screenshots in QALA_ARTIFACTS.
import { join } from 'node:path';
import { artifacts, base, check, fail, finish, launch, newContext, pageErrors, PHONE, DESKTOP, noHorizontalScroll, signInForm } from './apps-lib.mjs';

const EXPECT = {
  ru: { nav: 'Инциденты', title: 'Инциденты безопасности', rule: 'Подбор паролей', high: 'высокая', forbidden: 'У вас нет доступа к этой странице' },
  kk: { nav: 'Қауіпсіздік', title: 'Қауіпсіздік оқиғалары', rule: 'Құпиясөзді таңдау', high: 'жоғары' },
};

const browser = await launch();

async function securityAdmin() {
  const name = 'ru-desktop';
  const words = EXPECT.ru;
  const { context, page } = await newContext(browser, { device: DESKTOP, lang: 'ru', name });
  try {
    await page.goto(`${base}/app/incidents`);
    await signInForm(page, 'sec', 'sec-password');
    const card = page.locator('article[data-testid^=incident-][data-state=open]').first();
    await card.waitFor({ timeout: 20000 });
    check(`${name}: the header has the incidents section`, (await page.textContent('[data-testid=nav-incidents]'))?.trim() === words.nav);
    check(`${name}: the title`, (await page.textContent('#main h1'))?.trim() === words.title);
    const id = (await card.getAttribute('data-testid')).replace('incident-', '');
    const text = await card.innerText();
    check(`${name}: the rule in words`, text.includes(words.rule), text);
    check(`${name}: the subject`, text.includes('ip:127.0.0.1'), text);
    check(`${name}: the severity in words`, text.includes(words.high), text);
    await card.locator('summary').click();
    const evidence = await card.locator('details tbody tr').count();
    check(`${name}: the journal evidence`, evidence >= 3, { evidence });
    await page.screenshot({ path: join(artifacts, `${name}-incidents.png`), fullPage: true });
    await page.fill(`[data-testid=comment-${id}]`, 'проверяем');
    await page.click(`[data-testid=ack-${id}]`);
    await page.waitForFunction((i) => !document.querySelector(`[data-testid=incident-${i}]`), id, { timeout: 20000 });
    check(`${name}: acknowledged, it leaves the open ones`, true);
    await page.selectOption('[data-testid=incident-state]', 'acknowledged');
    const acked = page.locator(`[data-testid=incident-${id}][data-state=acknowledged]`);
    await acked.waitFor({ timeout: 20000 });
    check(`${name}: among the acknowledged, with the comment`, (await acked.innerText()).includes('проверяем'));
    await page.click(`[data-testid=close-${id}]`);
    await page.waitForFunction((i) => !document.querySelector(`[data-testid=incident-${i}]`), id, { timeout: 20000 });
    await page.selectOption('[data-testid=incident-state]', 'closed');
    await page.locator(`[data-testid=incident-${id}][data-state=closed]`).waitFor({ timeout: 20000 });
    check(`${name}: closed, without buttons`, (await page.locator(`[data-testid=close-${id}]`).count()) === 0);
  } catch (e) {
    fail(`${name}: ${e}`);
    await page.screenshot({ path: join(artifacts, `${name}-failed.png`), fullPage: true }).catch(() => null);
  } finally {
    await context.close();
  }
}

async function kazakhPhone() {
  const name = 'kk-phone';
  const words = EXPECT.kk;
  const { context, page } = await newContext(browser, { device: PHONE, lang: 'kk', name });
  try {
    await page.goto(`${base}/app/incidents?state=all`);
    await signInForm(page, 'sec', 'sec-password');
    const card = page.locator('article[data-testid^=incident-]').first();
    await card.waitFor({ timeout: 20000 });
    check(`${name}: the title`, (await page.textContent('#main h1'))?.trim() === words.title);
    check(`${name}: the rule in Kazakh`, (await card.innerText()).includes(words.rule));
    check(`${name}: fits the phone's width`, await noHorizontalScroll(page));
    await page.screenshot({ path: join(artifacts, `${name}-incidents.png`), fullPage: true });
  } catch (e) {
    fail(`${name}: ${e}`);
  } finally {
    await context.close();
  }
}

async function refused() {
  const name = 'ru-viewer';
  const { context, page } = await newContext(browser, { device: DESKTOP, lang: 'ru', name });
  try {
    await page.goto(`${base}/app/incidents`);
    await signInForm(page, 'viewer3', 'viewer3-password');
    const want = EXPECT.ru.forbidden;
    await page.waitForFunction((w) => document.querySelector('#main h1')?.textContent?.trim() === w, want, { timeout: 20000 }).catch(() => null);
    check(`${name}: no incidents section`, (await page.locator('[data-testid=nav-incidents]').count()) === 0);
    check(`${name}: the page refuses`, (await page.textContent('#main h1'))?.trim() === want, await page.textContent('#main'));
  } catch (e) {
    fail(`${name}: ${e}`);
  } finally {
    await context.close();
  }
}

try {
  await securityAdmin();
  await kazakhPhone();
  await refused();
  check('no uncaught errors in the pages', pageErrors.length === 0, pageErrors);
} catch (e) {
  fail(`run stopped: ${e}`);
} finally {
  await browser.close();
}
finish();
