// The frame of the applications screens (`/app/...`): the header (sections by the user's roles,
// the language, sign-in, the notifications counter), the router that loads each screen's code
// only when it is shown, and what a screen gets to work with (`Ctx`).
//
// Screens: `/app` and `/app/services[/{id}]` the single window (apply/), `/app/my[/{id}]` my
// applications (apply/), `/app/work[/{id}]` the reviewer's workstation (work/), `/app/monitor[/{id}]`
// the monitoring table and card (monitor/), `/app/dashboard` the dashboards (dashboard/), `/app/ops`
// the operations page (ops/, issue 16).
import './apps.css';
import { type Lang, LANGS, LANG_NAMES, storedLang, storeLang } from './lang';
import * as api from './api';
import { words, esc } from './words';
import * as inbox from './inbox';
import { mountSignIn } from '../signin/signin';

const W = {
  services: ['Қызметтер', 'Услуги', 'Services'],
  my: ['Менің өтінімдерім', 'Мои заявки', 'My applications'],
  work: ['Жұмыс орны', 'Рабочее место', 'Workstation'],
  monitor: ['Мониторинг', 'Мониторинг', 'Monitoring'],
  dashboard: ['Көрсеткіштер', 'Показатели', 'Dashboards'],
  // issue 16: the operations page
  ops: ['Жұмыс күйі', 'Состояние', 'Operations'],
  // issue 16: maintenance windows
  maintenance: ['Техникалық жұмыстар', 'Техработы', 'Maintenance'],
  // issue 16: security incidents
  incidents: ['Қауіпсіздік', 'Инциденты', 'Incidents'],
  map: ['Карта', 'Карта', 'Map'],
  login: ['Кіру', 'Войти', 'Log in'],
  logout: ['Шығу', 'Выйти', 'Log out'],
  user: ['Пайдаланушы', 'Пользователь', 'User name'],
  password: ['Құпиясөз', 'Пароль', 'Password'],
  loginTitle: ['Жүйеге кіру', 'Вход в систему', 'Sign in'],
  language: ['Тіл', 'Язык', 'Language'],
  loading: ['Жүктелуде…', 'Загрузка…', 'Loading…'],
  notFound: ['Бет табылмады', 'Страница не найдена', 'Page not found'],
  needLogin: ['Бұл бетті көру үшін жүйеге кіріңіз', 'Войдите, чтобы открыть эту страницу', 'Sign in to open this page'],
  forbidden: ['Бұл бетке қол жеткізу құқығыңыз жоқ', 'У вас нет доступа к этой странице', 'You have no access to this page'],
  failed: ['Бетті ашу мүмкін болмады', 'Не удалось открыть страницу', 'The page could not be opened'],
  skip: ['Мазмұнға өту', 'К содержимому', 'Skip to content'],
} as const;
const tr = words(W);

/** Where the router is: the path's parts after `/app` and the query. */
export interface Route {
  parts: string[];
  query: URLSearchParams;
}

/** What a screen gets: navigation, messages, and a way to ask for sign-in. */
export interface Ctx {
  navigate(path: string, replace?: boolean): void;
  /** A short message at the top of the page (errors stay until closed). */
  notify(text: string, kind?: 'ok' | 'error'): void;
  /** Shows the sign-in form in `root` and resolves once signed in. */
  requireLogin(root: HTMLElement): Promise<api.User>;
  /** Called when the language changes; the screen is mounted again afterwards by default. */
  route: Route;
}

/** A screen: fills `root`; may return a clean-up run when it is left. */
export type Mount = (root: HTMLElement, ctx: Ctx) => Promise<void | (() => void)>;

interface Section { key: keyof typeof W; path: string; show: () => boolean }
const SECTIONS: Section[] = [
  { key: 'services', path: '/app/services', show: () => true },
  { key: 'my', path: '/app/my', show: () => !!api.currentUser() },
  { key: 'work', path: '/app/work', show: () => api.hasRole('reviewer', 'org_admin') },
  { key: 'monitor', path: '/app/monitor', show: () => api.isStaff() },
  { key: 'dashboard', path: '/app/dashboard', show: () => api.isStaff() },
  // issue 16: the operations page
  { key: 'ops', path: '/app/ops', show: () => api.hasRole('admin', 'monitoring') },
  // issue 16: maintenance windows
  { key: 'maintenance', path: '/app/maintenance', show: () => api.hasRole('admin') },
  // issue 16: security incidents
  { key: 'incidents', path: '/app/incidents', show: () => api.hasRole('admin', 'security_admin') },
];

/** The screen's module for a route (loaded on demand: each is its own chunk). */
async function screenOf(parts: string[]): Promise<Mount | null> {
  switch (parts[0] ?? 'services') {
    case 'services': return (await import('./apply/catalogue')).mount;
    case 'my': return (await import('./apply/mine')).mount;
    case 'work': return (await import('./work/workstation')).mount;
    case 'monitor': return (await import('./monitor/table')).mount;
    case 'dashboard': return (await import('./dashboard/dashboard')).mount;
    // issue 16: the operations page
    case 'ops': return (await import('./ops/status')).mount;
    // issue 16: maintenance windows
    case 'maintenance': return (await import('./ops/maintenance')).mount;
    // issue 16: security incidents
    case 'incidents': return (await import('./ops/incidents')).mount;
    default: return null;
  }
}

let cleanup: void | (() => void);
let mountSeq = 0;

function header(): string {
  const path = location.pathname;
  const u = api.currentUser();
  const nav = SECTIONS.filter((s) => s.show())
    .map((s) => `<a href="${s.path}" data-nav="${s.key}" data-testid="nav-${s.key}"${path.startsWith(s.path) || (s.key === 'services' && (path === '/app' || path === '/app/')) ? ' aria-current="page"' : ''}>${esc(tr(s.key))}</a>`)
    .join('');
  const langs = LANGS.map((l) => `<option value="${l}"${l === api.currentLang() ? ' selected' : ''}>${LANG_NAMES[l]}</option>`).join('');
  const who = u
    ? `<span class="who" data-testid="who">${esc(u.full_name || u.login)}</span>${inbox.bell()}<button type="button" data-action="logout" data-testid="logout">${esc(tr('logout'))}</button>`
    : `<button type="button" data-action="login" data-testid="login">${esc(tr('login'))}</button>`;
  return `<a class="skip" href="#main">${esc(tr('skip'))}</a>
    <a class="brand" href="/" data-testid="to-map" title="${esc(tr('map'))}">Qala</a>
    <nav aria-label="Qala">${nav}</nav>
    <span class="spacer"></span>
    <label class="lang"><span class="sr">${esc(tr('language'))}</span><select data-testid="lang" aria-label="${esc(tr('language'))}">${langs}</select></label>
    ${who}`;
}

function renderHeader() {
  const h = document.querySelector<HTMLElement>('#app-header')!;
  h.innerHTML = header();
  document.documentElement.lang = api.currentLang() === 'kk-Latn' ? 'kk-Latn' : api.currentLang();
}

const ctxBase = {
  navigate(path: string, replace = false) {
    if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
    void render();
  },
  notify(text: string, kind: 'ok' | 'error' = 'ok') {
    const n = document.querySelector<HTMLElement>('#app-notice')!;
    n.className = kind;
    n.innerHTML = `<span>${esc(text)}</span><button type="button" aria-label="×">×</button>`;
    n.hidden = false;
    n.querySelector('button')!.onclick = () => (n.hidden = true);
    if (kind === 'ok') setTimeout(() => (n.hidden = true), 4000);
  },
  requireLogin(root: HTMLElement): Promise<api.User> {
    const u = api.currentUser();
    if (u) return Promise.resolve(u);
    return new Promise((resolve) => loginForm(root, resolve));
  },
};

/** The sign-in dialog in `root` (password, EDS, SMS code); `done` once signed in. */
function loginForm(root: HTMLElement, done?: (u: api.User) => void) {
  root.innerHTML = '<div class="login"></div>';
  mountSignIn<api.User>(root.firstElementChild as HTMLElement, {
    lang: api.currentLang,
    heading: true,
    hint: tr('needLogin'),
    password: (name, password) => api.login(name, password),
    done: (u) => {
      if (api.currentUser() !== u) api.signedIn(u);
      renderHeader();
      if (done) done(u); else void render();
    },
  });
}

/** Mounts the screen of the current address. */
async function render() {
  const seq = ++mountSeq;
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  renderHeader();
  const root = document.querySelector<HTMLElement>('#main')!;
  const parts = location.pathname.replace(/^\/app\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const route: Route = { parts, query: new URLSearchParams(location.search) };
  root.innerHTML = `<p class="loading" aria-busy="true">${esc(tr('loading'))}</p>`;
  try {
    const mount = await screenOf(parts);
    if (seq !== mountSeq) return;
    if (!mount) { root.innerHTML = `<h1>${esc(tr('notFound'))}</h1>`; return; }
    cleanup = await mount(root, { ...ctxBase, route });
    if (seq !== mountSeq && typeof cleanup === 'function') cleanup();
  } catch (e) {
    if (seq !== mountSeq) return;
    const f = e as api.ApiFailure;
    if (f.status === 401) loginForm(root);
    else if (f.status === 403) root.innerHTML = `<h1>${esc(tr('forbidden'))}</h1>`;
    else root.innerHTML = `<h1>${esc(tr('failed'))}</h1><p class="error" role="alert">${esc(f.message)}</p>`;
    console.warn(e);
  }
}

/** Starts the applications screens in place of the web map's page. */
export async function start() {
  api.setLang(storedLang());
  document.body.className = 'apps';
  document.body.innerHTML = `<header id="app-header" data-testid="app-header"></header>
    <div id="app-notice" role="status" hidden></div>
    <main id="main" tabindex="-1"></main>`;
  const h = document.querySelector<HTMLElement>('#app-header')!;
  h.addEventListener('click', (ev) => {
    const t = ev.target as HTMLElement;
    const a = t.closest('a[data-nav]') as HTMLAnchorElement | null;
    if (a && !ev.ctrlKey && !ev.metaKey) { ev.preventDefault(); ctxBase.navigate(a.getAttribute('href')!); return; }
    const act = t.closest('[data-action]')?.getAttribute('data-action');
    if (act === 'login') loginForm(document.querySelector<HTMLElement>('#main')!);
    if (act === 'logout') void api.logout().then(() => ctxBase.navigate('/app/services'));
  });
  h.addEventListener('change', (ev) => {
    const s = ev.target as HTMLSelectElement;
    if (s.dataset.testid === 'lang') {
      api.setLang(s.value as Lang);
      storeLang(s.value as Lang);
      void render();
    }
  });
  // In-page links of the screens (`<a href="/app/...">`) go through the router.
  document.querySelector<HTMLElement>("#main")!.addEventListener("click", (ev: MouseEvent) => {
    const a = (ev.target as HTMLElement).closest('a[href^="/app"]') as HTMLAnchorElement | null;
    if (a && !a.target && !a.hasAttribute('download') && !ev.ctrlKey && !ev.metaKey && ev.button === 0) {
      ev.preventDefault();
      ctxBase.navigate(a.getAttribute('href')!);
    }
  });
  window.addEventListener('popstate', () => void render());
  api.onUser(() => { renderHeader(); inbox.restart(renderHeader); });
  // Who is signed in and the screen's code, asked for at once.
  void screenOf(location.pathname.replace(/^\/app\/?/, '').split('/').filter(Boolean)).catch(() => null);
  await api.loadUser();
  await render();
  (window as unknown as { qalaApps: unknown }).qalaApps = { ready: true, navigate: ctxBase.navigate };
}
