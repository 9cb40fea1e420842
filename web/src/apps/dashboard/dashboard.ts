// The dashboards (ANL-1) at `/app/dashboard`: totals, and charts the user sets up (what each one
// shows, by which measure, drawn how) over `GET /api/applications/analytics`, for a period kept in
// the address; a map of Almaty coloured by district (`/analytics/districts`), a click on a district
// opening the monitoring table filtered to it. Chart.js (charts.ts) and MapLibre (districts.ts) are
// loaded with dynamic imports, on this screen only.
import './dashboard.css';
import type { Ctx } from '../shell';
import * as api from '../api';
import { words, esc } from '../words';
import { textOf, serverLang } from '../lang';
import { statusText, services, districts, serviceDef } from '../monitor/common';
import type { Kind, Series } from './charts';
import type { Metric as MapMetric, DistrictsMap } from './districts';

const W = {
  title: ['Көрсеткіштер', 'Показатели', 'Dashboards'],
  period: ['Кезең', 'Период', 'Period'],
  from: ['Бастап', 'С', 'From'],
  to: ['Дейін', 'По', 'To'],
  allTime: ['Барлық уақыт', 'За всё время', 'All time'],
  last30: ['Соңғы 30 күн', 'Последние 30 дней', 'Last 30 days'],
  last90: ['Соңғы 90 күн', 'Последние 90 дней', 'Last 90 days'],
  thisYear: ['Биылғы жыл', 'Текущий год', 'This year'],
  custom: ['Өз кезеңі', 'Свой период', 'Custom'],
  total: ['Барлық өтінімдер', 'Всего заявок', 'All applications'],
  open: ['Қаралуда', 'В работе', 'Open'],
  closed: ['Жабылған', 'Закрыто', 'Closed'],
  compliance: ['Мерзімінде жабылған', 'Закрыто в срок', 'Closed in time'],
  overdueOpen: ['Мерзімі өткен (ашық)', 'Просрочено (в работе)', 'Overdue (open)'],
  show: ['Көрсету', 'Показать', 'Show'],
  metric: ['Өлшем', 'Мера', 'Measure'],
  kind: ['Диаграмма түрі', 'Тип диаграммы', 'Chart type'],
  d_service: ['Қызметтер бойынша', 'По услугам', 'By service'],
  d_status: ['Мәртебелер бойынша', 'По статусам', 'By status'],
  d_district: ['Аудандар бойынша', 'По районам', 'By district'],
  d_month: ['Айлар бойынша', 'По месяцам', 'By month'],
  d_backlog: ['Ашық өтінімдердің жасы', 'Возраст открытых заявок', 'Backlog age'],
  d_stage: ['Кезеңдегі уақыт', 'Время на этапах', 'Time per stage'],
  d_compliance: ['Мерзімдердің сақталуы', 'Соблюдение сроков', 'Deadline compliance'],
  m_count: ['Саны', 'Количество', 'Count'],
  m_share: ['Үлесі, %', 'Доля, %', 'Share, %'],
  m_median_days: ['Медиана, жұмыс күні', 'Медиана, раб. дн.', 'Median, working days'],
  m_mean_days: ['Орташа, жұмыс күні', 'Среднее, раб. дн.', 'Mean, working days'],
  m_p90_days: ['90-процентиль, жұмыс күні', '90-й процентиль, раб. дн.', '90th percentile, working days'],
  m_max_days: ['Ең ұзақ, жұмыс күні', 'Максимум, раб. дн.', 'Longest, working days'],
  m_done: ['Аяқталған кезеңдер', 'Завершённые этапы', 'Visits done'],
  m_open: ['Қазір жұмыста', 'Сейчас в работе', 'Being worked now'],
  k_bar: ['Бағаналар', 'Столбцы', 'Columns'],
  k_hbar: ['Жолақтар', 'Полосы', 'Bars'],
  k_line: ['Сызық', 'Линия', 'Line'],
  k_doughnut: ['Сақина', 'Кольцо', 'Doughnut'],
  k_pie: ['Дөңгелек', 'Круговая', 'Pie'],
  inTime: ['Мерзімінде', 'В срок', 'In time'],
  late: ['Мерзімінен кеш', 'С опозданием', 'Late'],
  days: ['күн', 'дн.', 'days'],
  noData: ['Бұл кезеңде деректер жоқ', 'Нет данных за период', 'No data for the period'],
  dataTable: ['Кесте түрінде', 'В виде таблицы', 'As a table'],
  value: ['Мәні', 'Значение', 'Value'],
  map: ['Аудандар картасы', 'Карта районов', 'Map of the districts'],
  mapHint: ['Ауданды басып, оның өтінімдерін кестеден ашыңыз', 'Нажмите на район, чтобы открыть его заявки в таблице', 'Click a district to open its applications in the table'],
  mapMetric: ['Картада', 'На карте', 'On the map'],
  mm_count: ['Барлық өтінімдер', 'Все заявки', 'All applications'],
  mm_open: ['Қаралуда', 'В работе', 'Open'],
  mm_overdue: ['Мерзімі өткен', 'Просроченные', 'Overdue'],
  mapNone: ['Аудандарда өтінімдер жоқ', 'Заявок по районам нет', 'No applications in the districts'],
  mapFailed: ['Картаны жүктеу мүмкін болмады', 'Не удалось загрузить карту', 'The map could not be loaded'],
  openTable: ['Кестеден ашу', 'Открыть в таблице', 'Open in the table'],
  reset: ['Диаграммаларды бастапқы күйге қайтару', 'Вернуть диаграммы по умолчанию', 'Reset the charts'],
} as const;
const tr = words(W);

type Dim = 'service' | 'status' | 'district' | 'month' | 'backlog' | 'stage' | 'compliance';
const DIMS: Dim[] = ['status', 'service', 'district', 'month', 'backlog', 'stage', 'compliance'];
const COUNT_METRICS = ['count', 'share'] as const;
const STAGE_METRICS = ['median_days', 'mean_days', 'p90_days', 'max_days', 'done', 'open'] as const;
const KINDS: Kind[] = ['bar', 'hbar', 'line', 'doughnut', 'pie'];
interface CardConf { dim: Dim; metric: string; kind: Kind }
const DEFAULTS: CardConf[] = [
  { dim: 'status', metric: 'count', kind: 'doughnut' },
  { dim: 'service', metric: 'count', kind: 'hbar' },
  { dim: 'month', metric: 'count', kind: 'line' },
  { dim: 'backlog', metric: 'count', kind: 'bar' },
  { dim: 'stage', metric: 'median_days', kind: 'hbar' },
  { dim: 'compliance', metric: 'count', kind: 'pie' },
];
const STORE = 'qala.dashboard.charts.v1';

interface Count { key: string | null; count: number }
interface StageTime { service: string; stage: string; done: number; open: number; mean_days: number | null; median_days: number | null; p90_days: number | null; max_days: number | null }
export interface Summary {
  by_service: Count[]; by_status: Count[]; by_district: Count[]; by_month: Count[];
  closed: number; closed_in_time: number; compliance: number | null; overdue_open: number;
  backlog_age: Count[]; time_per_stage: StageTime[];
}

function loadConf(): CardConf[] {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) ?? 'null') as CardConf[] | null;
    if (Array.isArray(v) && v.length === DEFAULTS.length && v.every((c) => DIMS.includes(c.dim) && KINDS.includes(c.kind))) return v;
  } catch { /* storage off or stale */ }
  return DEFAULTS.map((c) => ({ ...c }));
}
function saveConf(c: CardConf[]) {
  try { localStorage.setItem(STORE, JSON.stringify(c)); } catch { /* storage may be off */ }
}
const metricsOf = (d: Dim): readonly string[] => (d === 'stage' ? STAGE_METRICS : COUNT_METRICS);

/** A day `YYYY-MM-DD` in Almaty, `days` from today. */
function day(offsetDays = 0): string {
  const t = new Date(Date.now() + 5 * 3600_000 + offsetDays * 86400_000);
  return t.toISOString().slice(0, 10);
}

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void | (() => void)> {
  await ctx.requireLogin(root);
  const lang = api.currentLang();
  // The code of the charts and of the map comes while the numbers are asked for.
  const chartsP = import('./charts');
  const mapModP = import('./districts');
  const svcP = services(lang).catch(() => []);
  const distP = districts(lang).catch(() => []);
  let from = ctx.route.query.get('from') ?? '';
  let to = ctx.route.query.get('to') ?? '';
  const conf = loadConf();
  let summary: Summary | null = null;
  let geo: GeoJSON.FeatureCollection | null = null;
  let mapMetric: MapMetric = (['count', 'open', 'overdue'] as const).find((m) => m === ctx.route.query.get('map')) ?? 'count';
  let dmap: DistrictsMap | null = null;
  let alive = true;
  let seq = 0;

  const preset = () => (!from && !to ? 'all' : to === '' && from === day(-29) ? '30' : to === '' && from === day(-89) ? '90' : to === '' && from === `${day().slice(0, 4)}-01-01` ? 'year' : 'custom');
  const opt = (v: string, label: string, sel: string) => `<option value="${esc(v)}"${v === sel ? ' selected' : ''}>${esc(label)}</option>`;
  const cardHtml = (c: CardConf, i: number) => `<figure class="panel dash-chart" data-testid="chart" data-card="${i}">
      <figcaption>
        <label>${esc(tr('show'))}<select data-role="dim" data-testid="chart-dim">${DIMS.map((d) => opt(d, tr(`d_${d}`), c.dim)).join('')}</select></label>
        <label>${esc(tr('metric'))}<select data-role="metric" data-testid="chart-metric">${metricsOf(c.dim).map((m) => opt(m, tr(`m_${m}` as keyof typeof W), c.metric)).join('')}</select></label>
        <label>${esc(tr('kind'))}<select data-role="kind" data-testid="chart-kind">${KINDS.map((k) => opt(k, tr(`k_${k}`), c.kind)).join('')}</select></label>
      </figcaption>
      <h2 class="dash-ctitle" data-testid="chart-title"></h2>
      <div class="dash-canvas"><canvas role="img"></canvas></div>
      <p class="hint dash-empty" data-testid="chart-empty" hidden>${esc(tr('noData'))}</p>
      <details class="dash-table"><summary>${esc(tr('dataTable'))}</summary><div></div></details>
    </figure>`;

  root.innerHTML = `<section class="dash" data-testid="dashboard">
    <div class="dash-head">
      <h1>${esc(tr('title'))}</h1>
      <form class="dash-period" data-testid="period">
        <label>${esc(tr('period'))}<select name="preset" data-testid="period-preset">
          ${opt('all', tr('allTime'), preset())}${opt('30', tr('last30'), preset())}${opt('90', tr('last90'), preset())}${opt('year', tr('thisYear'), preset())}${opt('custom', tr('custom'), preset())}</select></label>
        <label>${esc(tr('from'))}<input type="date" name="from" value="${esc(from)}" data-testid="period-from"></label>
        <label>${esc(tr('to'))}<input type="date" name="to" value="${esc(to)}" data-testid="period-to"></label>
      </form>
    </div>
    <p class="error" role="alert" data-testid="dash-error" hidden></p>
    <div class="dash-totals" data-testid="totals" aria-live="polite">
      ${(['total', 'open', 'closed', 'compliance', 'overdueOpen'] as const).map((k) => `<div class="panel tile t-${k}"><div class="tile-v" data-testid="total-${k}">…</div><div class="tile-l">${esc(tr(k))}</div></div>`).join('')}
    </div>
    <div class="dash-grid">
      ${conf.map(cardHtml).join('')}
      <figure class="panel dash-map-card" data-testid="district-map-card">
        <figcaption><h2>${esc(tr('map'))}</h2>
          <label>${esc(tr('mapMetric'))}<select data-testid="map-metric">${(['count', 'open', 'overdue'] as const).map((m) => opt(m, tr(`mm_${m}`), mapMetric)).join('')}</select></label></figcaption>
        <p class="hint">${esc(tr('mapHint'))}</p>
        <div class="dash-map" data-testid="district-map"></div>
        <div class="dash-legend" data-testid="map-legend"></div>
        <ul class="dash-dlist" data-testid="district-list"></ul>
      </figure>
    </div>
    <p><button type="button" data-action="reset" data-testid="charts-reset">${esc(tr('reset'))}</button></p>
  </section>`;

  const errorEl = root.querySelector<HTMLElement>('[data-testid=dash-error]')!;
  const periodForm = root.querySelector<HTMLFormElement>('.dash-period')!;

  /** The series of a card's choice from the summary. */
  const seriesOf = async (c: CardConf, s: Summary): Promise<Series & { pick?: (i: number) => string | null }> => {
    const share = c.metric === 'share';
    const finish = (rows: Array<{ key: string; label: string; value: number }>, pick?: (i: number) => string | null): Series & { pick?: (i: number) => string | null } => {
      const total = rows.reduce((a, r) => a + r.value, 0);
      return {
        keys: rows.map((r) => r.key), labels: rows.map((r) => r.label),
        values: rows.map((r) => (share ? (total ? Math.round((r.value / total) * 1000) / 10 : 0) : r.value)),
        unit: share ? '%' : undefined, pick,
      };
    };
    const table = (key: string, v: string) => `/app/monitor?${new URLSearchParams({ [key]: v, ...(from ? { submitted_from: from } : {}), ...(to ? { submitted_to: to } : {}) })}`;
    switch (c.dim) {
      case 'service': {
        const titles = new Map((await svcP).map((x) => [x.id, x.title]));
        const rows = s.by_service.map((r) => ({ key: r.key ?? '', label: titles.get(r.key ?? '') ?? r.key ?? '', value: r.count }));
        return finish(rows, (i) => table('service', rows[i].key));
      }
      case 'status': {
        const rows = s.by_status.map((r) => ({ key: r.key ?? '', label: statusText(r.key ?? ''), value: r.count }));
        return finish(rows, (i) => table('status', rows[i].key));
      }
      case 'district': {
        const names = new Map((await distP).map((d) => [d.code, d.name]));
        const rows = s.by_district.map((r) => ({ key: r.key ?? '', label: r.key ? names.get(r.key) ?? r.key : '—', value: r.count }));
        return finish(rows, (i) => (rows[i].key ? table('district', rows[i].key) : null));
      }
      case 'month': {
        const rows = [...s.by_month].sort((a, b) => String(a.key).localeCompare(String(b.key))).map((r) => ({ key: r.key ?? '', label: r.key ? `${r.key.slice(5, 7)}.${r.key.slice(0, 4)}` : '', value: r.count }));
        return finish(rows, (i) => {
          const [y, m] = rows[i].key.split('-').map(Number);
          if (!y || !m) return null;
          const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
          return `/app/monitor?${new URLSearchParams({ submitted_from: `${rows[i].key}-01`, submitted_to: `${rows[i].key}-${String(last).padStart(2, '0')}` })}`;
        });
      }
      case 'backlog':
        return finish(s.backlog_age.map((r) => ({ key: r.key ?? '', label: `${r.key} ${tr('days')}`, value: r.count })));
      case 'compliance':
        return finish(s.closed ? [{ key: 'in_time', label: tr('inTime'), value: s.closed_in_time }, { key: 'late', label: tr('late'), value: s.closed - s.closed_in_time }] : []);
      case 'stage': {
        const titles = new Map((await svcP).map((x) => [x.id, x.title]));
        const ids = [...new Set(s.time_per_stage.map((t) => t.service))].slice(0, 12);
        const defs = new Map(await Promise.all(ids.map(async (id) => [id, await serviceDef(id).catch(() => ({}))] as const)));
        const stageTitle = (svc: string, st: string) => {
          const d = defs.get(svc) as { workflow?: { stages?: Array<{ id: string; title?: Record<string, string> }> } } | undefined;
          const t = d?.workflow?.stages?.find((x) => x.id === st)?.title;
          return t ? textOf(t, lang) : st;
        };
        const multi = ids.length > 1;
        const m = c.metric as (typeof STAGE_METRICS)[number];
        const rows = s.time_per_stage.map((t) => ({ key: `${t.service}/${t.stage}`, label: `${stageTitle(t.service, t.stage)}${multi ? ` (${(titles.get(t.service) ?? t.service).slice(0, 30)})` : ''}`, value: Number(t[m] ?? 0) }));
        return { keys: rows.map((r) => r.key), labels: rows.map((r) => r.label), values: rows.map((r) => r.value), unit: m.endsWith('_days') ? ` ${tr('days')}` : undefined,
          pick: (i) => { const [svc, st] = rows[i].key.split('/'); return `/app/monitor?${new URLSearchParams({ service: svc, stage: st })}`; } };
      }
    }
  };

  const drawCard = async (i: number) => {
    if (!summary) return;
    const fig = root.querySelector<HTMLElement>(`figure[data-card="${i}"]`)!;
    const c = conf[i];
    const s = await seriesOf(c, summary);
    const { draw } = await chartsP;
    if (!alive) return;
    const title = `${tr(`d_${c.dim}`)} · ${tr(`m_${c.metric}` as keyof typeof W)}`;
    fig.querySelector('.dash-ctitle')!.textContent = title;
    Object.assign(fig.dataset, { dim: c.dim, metric: c.metric, kind: c.kind, keys: JSON.stringify(s.keys), labels: JSON.stringify(s.labels), values: JSON.stringify(s.values) });
    const canvas = fig.querySelector('canvas')!;
    canvas.setAttribute('aria-label', `${title}: ${s.labels.map((l, j) => `${l} ${s.values[j]}`).join(', ')}`);
    const empty = s.values.length === 0;
    fig.querySelector<HTMLElement>('.dash-empty')!.hidden = !empty;
    const box = fig.querySelector<HTMLElement>('.dash-canvas')!;
    box.hidden = empty;
    // Bars side by side get the room their labels need (every category kept, as the API gives them).
    box.style.height = c.kind === 'hbar' && s.values.length > 10 ? `${Math.min(1200, 60 + s.values.length * 22)}px` : '';
    if (!empty) {
      const chart = draw(canvas, c.kind, s, title, s.pick ? (j) => { const to = s.pick!(j); if (to) ctx.navigate(to); } : undefined);
      (canvas as unknown as { chart: unknown }).chart = chart;
    }
    fig.querySelector('.dash-table div')!.innerHTML = `<table><thead><tr><th></th><th>${esc(tr('value'))}</th></tr></thead><tbody>${s.labels.map((l, j) => `<tr><td>${esc(l)}</td><td data-testid="chart-cell">${s.values[j]}${esc(s.unit ?? '')}</td></tr>`).join('')}</tbody></table>`;
  };

  const showTotals = (s: Summary) => {
    const total = s.by_status.reduce((a, r) => a + r.count, 0);
    const open = s.by_status.filter((r) => r.key === 'in_progress' || r.key === 'returned').reduce((a, r) => a + r.count, 0);
    const set = (k: string, v: number | null, text?: string) => {
      const el = root.querySelector<HTMLElement>(`[data-testid=total-${k}]`)!;
      el.textContent = text ?? (v == null ? '—' : v.toLocaleString(serverLang(lang) === 'en' ? 'en-GB' : 'ru-RU'));
      el.dataset.value = v == null ? '' : String(v);
    };
    set('total', total);
    set('open', open);
    set('closed', s.closed);
    set('compliance', s.compliance, s.compliance == null ? '—' : `${Math.round(s.compliance * 1000) / 10}%`);
    set('overdueOpen', s.overdue_open);
  };

  const periodQuery = () => {
    const p = new URLSearchParams();
    if (from) p.set('from', from);
    if (to) p.set('to', to);
    return p;
  };
  const drawMap = () => {
    if (!geo) return;
    const list = root.querySelector<HTMLElement>('[data-testid=district-list]')!;
    const key = lang === 'kk' || lang === 'kk-Latn' ? 'name_kk' : lang === 'en' ? 'name_en' : 'name_ru';
    const rows = geo.features.map((f) => f.properties as Record<string, unknown>).sort((a, b) => Number(b[mapMetric]) - Number(a[mapMetric]));
    list.innerHTML = rows.map((p) => `<li><a href="/app/monitor?${new URLSearchParams({ district: String(p.kato), ...(from ? { submitted_from: from } : {}), ...(to ? { submitted_to: to } : {}) })}" data-testid="district-link" data-kato="${esc(p.kato)}" data-value="${esc(p[mapMetric])}">${esc(textOf(String(p[key] ?? p.name_ru ?? p.kato), lang))}</a> <b>${esc(p[mapMetric])}</b></li>`).join('');
    dmap?.show(geo, mapMetric);
  };

  const load = async () => {
    const my = ++seq;
    const q = periodQuery();
    history.replaceState(null, '', `/app/dashboard${q.toString() ? `?${q}` : ''}`);
    root.querySelector('.dash')!.setAttribute('aria-busy', 'true');
    try {
      const [s, g] = await Promise.all([
        api.get<Summary>(`/api/applications/analytics?${q}`),
        api.get<GeoJSON.FeatureCollection>(`/api/applications/analytics/districts?${q}`),
      ]);
      if (my !== seq || !alive) return;
      errorEl.hidden = true;
      summary = s;
      geo = g;
      showTotals(s);
      await Promise.all(conf.map((_, i) => drawCard(i)));
      drawMap();
      root.querySelector<HTMLElement>('.dash')!.dataset.loaded = String(my);
    } catch (e) {
      if (my !== seq) return;
      const f = e as api.ApiFailure;
      if (f.status === 401 || f.status === 403) throw e;
      errorEl.textContent = f.message;
      errorEl.hidden = false;
    } finally {
      if (my === seq) root.querySelector('.dash')?.removeAttribute('aria-busy');
    }
  };

  root.querySelector('.dash-grid')!.addEventListener('change', (ev) => {
    const s = ev.target as HTMLSelectElement;
    if (s.dataset.testid === 'map-metric') {
      mapMetric = s.value as MapMetric;
      drawMap();
      return;
    }
    const fig = s.closest<HTMLElement>('figure[data-card]');
    if (!fig) return;
    const i = Number(fig.dataset.card);
    const role = s.dataset.role as 'dim' | 'metric' | 'kind';
    if (role === 'dim') {
      conf[i].dim = s.value as Dim;
      if (!metricsOf(conf[i].dim).includes(conf[i].metric)) conf[i].metric = metricsOf(conf[i].dim)[0];
      const m = fig.querySelector<HTMLSelectElement>('[data-role=metric]')!;
      m.innerHTML = metricsOf(conf[i].dim).map((x) => opt(x, tr(`m_${x}` as keyof typeof W), conf[i].metric)).join('');
    } else if (role === 'metric') conf[i].metric = s.value;
    else if (role === 'kind') conf[i].kind = s.value as Kind;
    saveConf(conf);
    void drawCard(i);
  });
  root.querySelector<HTMLButtonElement>('[data-action=reset]')!.onclick = () => {
    DEFAULTS.forEach((d, i) => {
      conf[i] = { ...d };
      const fig = root.querySelector<HTMLElement>(`figure[data-card="${i}"]`)!;
      fig.outerHTML = cardHtml(conf[i], i);
    });
    saveConf(conf);
    void Promise.all(conf.map((_, i) => drawCard(i)));
  };
  periodForm.addEventListener('change', (ev) => {
    const t = ev.target as HTMLInputElement | HTMLSelectElement;
    if (t.name === 'preset') {
      const p = t.value;
      if (p === 'all') { from = ''; to = ''; }
      else if (p === '30') { from = day(-29); to = ''; }
      else if (p === '90') { from = day(-89); to = ''; }
      else if (p === 'year') { from = `${day().slice(0, 4)}-01-01`; to = ''; }
      else return;
      (periodForm.elements.namedItem('from') as HTMLInputElement).value = from;
      (periodForm.elements.namedItem('to') as HTMLInputElement).value = to;
    } else {
      from = (periodForm.elements.namedItem('from') as HTMLInputElement).value;
      to = (periodForm.elements.namedItem('to') as HTMLInputElement).value;
      (periodForm.elements.namedItem('preset') as HTMLSelectElement).value = preset();
    }
    void load();
  });

  // The map: made after the totals and charts are drawn (MapLibre's start holds the main thread),
  // its code fetched meanwhile.
  const startMap = () => mapModP.then(async ({ districtsMap }) => {
    if (!alive) return;
    const el = root.querySelector<HTMLElement>('[data-testid=district-map]')!;
    try {
      dmap = await districtsMap(el, root.querySelector<HTMLElement>('[data-testid=map-legend]')!, lang,
        { title: (m) => esc(tr(`mm_${m}`)), none: esc(tr('mapNone')) },
        (kato) => ctx.navigate(`/app/monitor?${new URLSearchParams({ district: kato, ...(from ? { submitted_from: from } : {}), ...(to ? { submitted_to: to } : {}) })}`));
      if (!alive) { dmap.destroy(); return; }
      el.dataset.ready = 'true';
      (window as unknown as { qalaDashboardMap?: unknown }).qalaDashboardMap = dmap.map;
      if (geo) dmap.show(geo, mapMetric);
    } catch (e) {
      console.warn(e);
      el.innerHTML = `<p class="error">${esc(tr('mapFailed'))}</p>`;
    }
  });

  await load();
  void startMap();
  return () => {
    alive = false;
    seq += 1;
    dmap?.destroy();
    void chartsP.then(({ Chart }) => root.querySelectorAll('canvas').forEach((c) => Chart.getChart(c)?.destroy()));
  };
}
