// The operations page (`/app/ops`, issue 16): the server's readiness checks, requests and latency
// by route, the tile cache, the database pool, the notification outbox, disk, the last verified
// backup's age and the process, from `GET /api/admin/status` (admins and monitoring accounts),
// refreshed every 15 s while the page is shown. Numbers only: every word is from the table below.
import './status.css';
import type { Ctx } from '../shell';
import * as api from '../api';
import { words, esc } from '../words';

const W = {
  title: ['Сервердің жұмыс күйі', 'Состояние сервера', 'Server status'],
  updated: ['Жаңартылды', 'Обновлено', 'Updated'],
  every: ['әр 15 секунд сайын жаңартылады', 'обновляется каждые 15 секунд', 'refreshed every 15 seconds'],
  refresh: ['Жаңарту', 'Обновить', 'Refresh'],
  ready: ['Дайын', 'Готов', 'Ready'],
  notReady: ['Дайын емес', 'Не готов', 'Not ready'],
  readiness: ['Дайындық тексерулері', 'Проверки готовности', 'Readiness checks'],
  ok: ['қалыпты', 'в норме', 'ok'],
  fail: ['ақау', 'сбой', 'failing'],
  c_database: ['Дерекқор', 'База данных', 'Database'],
  c_migrations: ['Көшірулер (миграциялар)', 'Миграции', 'Migrations'],
  c_disk: ['Диск', 'Диск', 'Disk'],
  c_shutdown: ['Тоқтатылуда емес', 'Не останавливается', 'Not shutting down'],
  requests: ['Сұраулар', 'Запросы', 'Requests'],
  total: ['Барлығы', 'Всего', 'Total'],
  clientErrors: ['Клиент қателері (4xx)', 'Ошибки клиента (4xx)', 'Client errors (4xx)'],
  serverErrors: ['Сервер қателері (5xx)', 'Ошибки сервера (5xx)', 'Server errors (5xx)'],
  inFlight: ['Қазір орындалуда', 'Выполняется сейчас', 'In flight'],
  byRoute: ['Маршруттар бойынша сұраулар', 'Запросы по маршрутам', 'Requests by route'],
  route: ['Маршрут', 'Маршрут', 'Route'],
  count: ['Саны', 'Количество', 'Count'],
  errors: ['Қателер', 'Ошибки', 'Errors'],
  mean: ['Орташа, мс', 'Среднее, мс', 'Mean, ms'],
  p95: ['95%, мс', '95%, мс', '95%, ms'],
  noRequests: ['Әзірге сұраулар жоқ', 'Запросов пока нет', 'No requests yet'],
  tiles: ['Тайлдар кэші', 'Кэш тайлов', 'Tile cache'],
  hits: ['Кэштен берілді', 'Из кэша', 'Hits'],
  misses: ['Қайта салынды', 'Отрисовано заново', 'Misses'],
  hitRatio: ['Кэштен берілген үлесі', 'Доля из кэша', 'Hit ratio'],
  entries: ['Кэштегі тайлдар', 'Тайлов в кэше', 'Tiles cached'],
  cacheSize: ['Кэш көлемі', 'Размер кэша', 'Cache size'],
  served: ['Берілген тайлдар көлемі', 'Отдано тайлов', 'Tile bytes served'],
  pool: ['Дерекқор қосылымдары', 'Подключения к базе данных', 'Database connections'],
  open: ['Ашық', 'Открыто', 'Open'],
  idle: ['Бос', 'Свободно', 'Idle'],
  max: ['Ең көбі', 'Максимум', 'Maximum'],
  outbox: ['Хабарламалар кезегі', 'Очередь уведомлений', 'Notification outbox'],
  pending: ['Жіберуді күтуде', 'Ожидают отправки', 'Waiting'],
  failed: ['Жіберілмеді', 'Не отправлены', 'Given up'],
  oldest: ['Ең ескісінің жасы', 'Возраст самого старого', 'Oldest waiting'],
  disk: ['Деректер каталогының дискі', 'Диск каталога данных', 'Data directory disk'],
  free: ['Бос орын', 'Свободно', 'Free'],
  size: ['Көлемі', 'Объём', 'Size'],
  minFree: ['Ең аз бос орын', 'Минимум свободного места', 'Minimum free'],
  backup: ['Резервтік көшірме', 'Резервная копия', 'Backup'],
  backupAge: ['Соңғы тексерілген көшірменің жасы', 'Возраст последней проверенной копии', 'Age of the last verified backup'],
  process: ['Процесс', 'Процесс', 'Process'],
  version: ['Нұсқа', 'Версия', 'Version'],
  uptime: ['Жұмыс уақыты', 'Время работы', 'Uptime'],
  memory: ['Жады', 'Память', 'Memory'],
  files: ['Ашық файлдар', 'Открытые файлы', 'Open files'],
  unknown: ['белгісіз', 'неизвестно', 'unknown'],
  u_b: ['Б', 'Б', 'B'],
  u_kb: ['КБ', 'КБ', 'KB'],
  u_mb: ['МБ', 'МБ', 'MB'],
  u_gb: ['ГБ', 'ГБ', 'GB'],
  u_tb: ['ТБ', 'ТБ', 'TB'],
  u_s: ['с', 'с', 's'],
  u_min: ['мин', 'мин', 'min'],
  u_h: ['сағ', 'ч', 'h'],
  u_d: ['тәулік', 'сут.', 'd'],
} as const;
const tr = words(W);

interface Check { name: string; state: 'ok' | 'fail'; detail: string }
interface RouteRow { route: string; method: string; requests: number; client_errors: number; server_errors: number; mean_ms: number | null; p95_ms: number | null }
interface Status {
  readiness: { ready: boolean; checks: Check[] };
  requests: { total: number; client_errors: number; server_errors: number; in_flight: number; routes: RouteRow[] };
  tiles: { hits: number; misses: number; bytes_served: number; entries: number; bytes: number; capacity_bytes: number };
  pool: { size: number; idle: number; max: number };
  outbox: { pending: number; failed: number; oldest_pending_age_seconds: number } | null;
  disk: { free_bytes: number; total_bytes: number } | null;
  backup_last_verified_age_seconds: number | null;
  process: { version: string; uptime_seconds: number; resident_memory_bytes: number | null; open_fds: number | null };
  min_free_disk_bytes: number;
}

/** Refresh period of the page, in milliseconds. */
export const REFRESH_MS = 15_000;

const locale = () => (api.currentLang() === 'en' ? 'en-GB' : api.currentLang() === 'ru' ? 'ru-RU' : 'kk-KZ');
const num = (n: number, digits = 0) => new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);

function bytes(n: number | null | undefined): string {
  if (n == null) return tr('unknown');
  const units = ['u_b', 'u_kb', 'u_mb', 'u_gb', 'u_tb'] as const;
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${num(v, i === 0 ? 0 : 1)} ${tr(units[i])}`;
}

function age(s: number | null | undefined): string {
  if (s == null || s < 0) return tr('unknown');
  if (s < 60) return `${num(s)} ${tr('u_s')}`;
  if (s < 3600) return `${num(Math.floor(s / 60))} ${tr('u_min')}`;
  if (s < 86400) return `${num(Math.floor(s / 3600))} ${tr('u_h')} ${num(Math.floor((s % 3600) / 60))} ${tr('u_min')}`;
  return `${num(Math.floor(s / 86400))} ${tr('u_d')} ${num(Math.floor((s % 86400) / 3600))} ${tr('u_h')}`;
}

const pair = (label: string, value: string, testid = '') =>
  `<div class="ops-fig"${testid ? ` data-testid="${testid}"` : ''}><dt>${esc(label)}</dt><dd>${esc(value)}</dd></div>`;
const panel = (title: string, testid: string, body: string, bad = false) =>
  `<section class="panel ops-panel${bad ? ' ops-bad' : ''}" data-testid="${testid}"><h2>${esc(title)}</h2>${body}</section>`;

function render(s: Status): string {
  const r = s.readiness;
  const checks = r.checks.map((c) => {
    const name = (`c_${c.name}` in W ? tr(`c_${c.name}` as keyof typeof W) : c.name);
    return `<li class="ops-check ${c.state}" data-testid="check-${esc(c.name)}" data-state="${esc(c.state)}"><span class="ops-dot" aria-hidden="true"></span><span>${esc(name)}</span><strong>${esc(tr(c.state === 'ok' ? 'ok' : 'fail'))}</strong></li>`;
  }).join('');
  const q = s.requests;
  const rows = q.routes.map((x) => `<tr data-testid="route-row"><td class="ops-route"><code>${esc(x.route)}</code> <span class="hint">${esc(x.method)}</span></td>
    <td data-label="${esc(tr('count'))}">${num(x.requests)}</td><td data-label="${esc(tr('errors'))}">${num(x.client_errors + x.server_errors)}</td><td data-label="${esc(tr('mean'))}">${x.mean_ms == null ? '–' : num(x.mean_ms, 1)}</td><td data-label="${esc(tr('p95'))}">${x.p95_ms == null ? '–' : num(x.p95_ms)}</td></tr>`).join('');
  const table = q.routes.length
    ? `<div class="ops-scroll"><table class="ops-routes"><thead><tr><th>${esc(tr('route'))}</th><th>${esc(tr('count'))}</th><th>${esc(tr('errors'))}</th><th>${esc(tr('mean'))}</th><th>${esc(tr('p95'))}</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="hint">${esc(tr('noRequests'))}</p>`;
  const t = s.tiles;
  const looked = t.hits + t.misses;
  const o = s.outbox;
  const d = s.disk;
  const diskLow = !!d && d.free_bytes < s.min_free_disk_bytes;
  return `<div class="ops-head"><h1>${esc(tr('title'))}</h1>
      <p class="ops-state ${r.ready ? 'ok' : 'fail'}" data-testid="ops-ready" data-ready="${r.ready}">${esc(tr(r.ready ? 'ready' : 'notReady'))}</p></div>
    <p class="hint" data-testid="ops-updated">${esc(tr('updated'))} ${esc(new Date().toLocaleTimeString(locale()))} · ${esc(tr('every'))} <button type="button" data-action="refresh" data-testid="ops-refresh">${esc(tr('refresh'))}</button></p>
    <div class="ops-grid">
    ${panel(tr('readiness'), 'ops-readiness', `<ul class="ops-checks">${checks}</ul>`, !r.ready)}
    ${panel(tr('requests'), 'ops-requests', `<dl class="ops-figs">${pair(tr('total'), num(q.total), 'req-total')}${pair(tr('clientErrors'), num(q.client_errors))}${pair(tr('serverErrors'), num(q.server_errors))}${pair(tr('inFlight'), num(q.in_flight))}</dl>`, q.server_errors > 0)}
    ${panel(tr('tiles'), 'ops-tiles', `<dl class="ops-figs">${pair(tr('hits'), num(t.hits), 'tile-hits')}${pair(tr('misses'), num(t.misses))}${pair(tr('hitRatio'), looked ? `${num((100 * t.hits) / looked, 1)} %` : '–')}${pair(tr('entries'), num(t.entries))}${pair(tr('cacheSize'), `${bytes(t.bytes)} / ${bytes(t.capacity_bytes)}`)}${pair(tr('served'), bytes(t.bytes_served))}</dl>`)}
    ${panel(tr('pool'), 'ops-pool', `<dl class="ops-figs">${pair(tr('open'), num(s.pool.size))}${pair(tr('idle'), num(s.pool.idle))}${pair(tr('max'), num(s.pool.max))}</dl>`)}
    ${panel(tr('outbox'), 'ops-outbox', o ? `<dl class="ops-figs">${pair(tr('pending'), num(o.pending))}${pair(tr('failed'), num(o.failed))}${pair(tr('oldest'), o.pending ? age(o.oldest_pending_age_seconds) : '–')}</dl>` : `<p class="hint">${esc(tr('unknown'))}</p>`, !!o && o.failed > 0)}
    ${panel(tr('disk'), 'ops-disk', d ? `<dl class="ops-figs">${pair(tr('free'), bytes(d.free_bytes), 'disk-free')}${pair(tr('size'), bytes(d.total_bytes))}${pair(tr('minFree'), bytes(s.min_free_disk_bytes))}</dl>` : `<p class="hint">${esc(tr('unknown'))}</p>`, diskLow)}
    ${panel(tr('backup'), 'ops-backup', `<dl class="ops-figs">${pair(tr('backupAge'), age(s.backup_last_verified_age_seconds), 'backup-age')}</dl>`, s.backup_last_verified_age_seconds == null)}
    ${panel(tr('process'), 'ops-process', `<dl class="ops-figs">${pair(tr('version'), s.process.version)}${pair(tr('uptime'), age(s.process.uptime_seconds))}${pair(tr('memory'), bytes(s.process.resident_memory_bytes))}${pair(tr('files'), s.process.open_fds == null ? tr('unknown') : num(s.process.open_fds))}</dl>`)}
    ${panel(tr('byRoute'), 'ops-routes', table)}
    </div>`;
}

export async function mount(root: HTMLElement, ctx: Ctx): Promise<() => void> {
  await ctx.requireLogin(root);
  if (!api.hasRole('admin', 'monitoring')) throw new api.ApiFailure(403, 'forbidden', '');
  let alive = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const load = async () => {
    clearTimeout(timer);
    try {
      const s = await api.get<Status>('/api/admin/status');
      if (!alive) return;
      root.innerHTML = render(s);
    } catch (e) {
      if (!alive) return;
      const f = e as api.ApiFailure;
      if (f.status === 401 || f.status === 403) { alive = false; throw e; }
      ctx.notify(f.message, 'error');
    } finally {
      if (alive) timer = setTimeout(() => void load().catch(() => undefined), REFRESH_MS);
    }
  };
  root.addEventListener('click', (ev) => {
    if ((ev.target as HTMLElement).closest('[data-action=refresh]')) void load().catch(() => undefined);
  });
  await load();
  return () => { alive = false; clearTimeout(timer); };
}
