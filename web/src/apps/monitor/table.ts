// The monitoring table (MON-1) at `/app/monitor`: every application the caller may see, over
// `GET /api/applications/table`. Every column the server sorts by is sortable, every column is
// filterable, the filters live in the address (a link reproduces the view), pages continue with
// the server's cursor, overdue rows are marked, and the export links carry exactly the filter.
// The first page is one request, drawn as one innerHTML. `/app/monitor/{id}` is the card (card.ts).
import './monitor.css';
import type { Ctx } from '../shell';
import * as api from '../api';
import { words, esc } from '../words';
import { serverLang, textOf } from '../lang';
import { STATUSES, statusText, fmtDate, fmtDue, timeOf, services, districts, cachedDistricts, serviceDef, type District } from './common';

const W = {
  title: ['Өтінімдер мониторингі', 'Мониторинг заявок', 'Applications monitoring'],
  number: ['Нөмірі', 'Номер', 'Number'],
  service: ['Қызмет', 'Услуга', 'Service'],
  status: ['Мәртебесі', 'Статус', 'Status'],
  stage: ['Кезең', 'Этап', 'Stage'],
  executor: ['Орындаушы', 'Исполнитель', 'Executor'],
  district: ['Аудан', 'Район', 'District'],
  org: ['Ұйым', 'Организация', 'Organisation'],
  applicant: ['Өтініш беруші', 'Заявитель', 'Applicant'],
  submitted: ['Берілген күні', 'Подана', 'Submitted'],
  due: ['Мерзімі', 'Срок', 'Due'],
  time: ['Қалған / жұмсалған уақыт', 'Осталось / затрачено', 'Time left / spent'],
  search: ['Өтінім нөмірі бойынша іздеу', 'Поиск по номеру заявки', 'Search by application number'],
  searchPh: ['Мысалы: A-2026-0001', 'Например: A-2026-0001', 'For example: A-2026-0001'],
  filters: ['Сүзгілер', 'Фильтры', 'Filters'],
  any: ['Барлығы', 'Все', 'Any'],
  submittedFrom: ['Берілген, бастап', 'Подана с', 'Submitted from'],
  submittedTo: ['Берілген, дейін', 'Подана по', 'Submitted to'],
  dueFrom: ['Мерзімі, бастап', 'Срок с', 'Due from'],
  dueTo: ['Мерзімі, дейін', 'Срок по', 'Due to'],
  overdue: ['Мерзімі өткен', 'Просрочена', 'Overdue'],
  yes: ['Иә', 'Да', 'Yes'],
  no: ['Жоқ', 'Нет', 'No'],
  clear: ['Сүзгілерді тазарту', 'Сбросить фильтры', 'Clear filters'],
  more: ['Тағы көрсету', 'Показать ещё', 'Show more'],
  shown: ['Көрсетілген жолдар', 'Показано строк', 'Rows shown'],
  allShown: ['барлығы көрсетілді', 'показаны все', 'all shown'],
  export: ['Сүзгі бойынша экспорт', 'Экспорт по фильтру', 'Export the filtered rows'],
  empty: ['Сүзгіге сәйкес өтінімдер жоқ', 'Нет заявок по этому фильтру', 'No applications match the filter'],
  forbidden: ['Мониторинг тек қызметкерлерге қолжетімді. Өз өтінімдеріңізді «Менің өтінімдерім» бөлімінен қараңыз.', 'Мониторинг доступен только сотрудникам. Свои заявки смотрите в разделе «Мои заявки».', 'Monitoring is for staff only. Your own applications are under “My applications”.'],
  myApps: ['Менің өтінімдерім', 'Мои заявки', 'My applications'],
  sortBy: ['Сұрыптау', 'Сортировать', 'Sort by'],
  loading: ['Жүктелуде…', 'Загрузка…', 'Loading…'],
  badFilter: ['Сүзгіні қолдану мүмкін емес', 'Фильтр не применить', 'The filter cannot be used'],
  perPage: ['Беттегі жолдар', 'Строк на странице', 'Rows per page'],
  overdueMark: ['мерзімі өткен', 'просрочена', 'overdue'],
} as const;
const tr = words(W);

/** The filters the server takes (and the address keeps), in the order of the form. */
const FILTERS = ['number', 'service', 'status', 'stage', 'executor', 'district', 'org', 'applicant',
  'submitted_from', 'submitted_to', 'due_from', 'due_to', 'overdue'] as const;
type Filter = (typeof FILTERS)[number];

/** The columns: key, label, the server's sort (if any), the filter it is filtered by. */
const COLS: Array<{ key: keyof typeof W; sort?: string; filter?: Filter }> = [
  { key: 'number', sort: 'number', filter: 'number' },
  { key: 'service', sort: 'service_id', filter: 'service' },
  { key: 'status', sort: 'status', filter: 'status' },
  { key: 'stage', filter: 'stage' },
  { key: 'executor', filter: 'executor' },
  { key: 'district', sort: 'district', filter: 'district' },
  { key: 'org', sort: 'org', filter: 'org' },
  { key: 'applicant', filter: 'applicant' },
  { key: 'submitted', sort: 'submitted_at', filter: 'submitted_from' },
  { key: 'due', sort: 'due_at', filter: 'due_from' },
  { key: 'time' },
];

export interface Row {
  id: number; number: string | null; service_id: string; service_title: string | null; status: string;
  stages: string[]; executors: string[]; org: string; district: string | null; applicant: string;
  submitted_at: string | null; due_at: string | null; closed_at: string | null; overdue: boolean;
}
interface Page { rows: Row[]; next_cursor: string | null }

const PAGE = 50;

/** The query of the filters and sort of `q` (only the keys the server takes, empty ones left out). */
export function tableQuery(q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of [...FILTERS, 'sort'] as const) {
    const v = q.get(k)?.trim();
    if (v) out.set(k, v);
  }
  const l = Number(q.get('limit'));
  if (Number.isInteger(l) && l >= 1 && l <= 500 && l !== PAGE) out.set('limit', String(l));
  return out;
}

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void | (() => void)> {
  if (ctx.route.parts[1]) return (await import('./card')).mount(root, ctx);
  await ctx.requireLogin(root);
  const lang = api.currentLang();
  let q = tableQuery(ctx.route.query);
  // The first page is asked for before anything else is built.
  const pageUrl = (cursorAfter: string | null) => {
    const p = new URLSearchParams(q);
    if (!p.has('limit')) p.set('limit', String(PAGE));
    if (cursorAfter) p.set('cursor', cursorAfter);
    return `/api/applications/table?${p}`;
  };
  let firstReq: Promise<Page> | null = api.get<Page>(pageUrl(null));
  firstReq.catch(() => undefined); // handled in load()
  // Look-ups for the filters and the names of districts and stages (not rows: one request each, cached).
  const svcP = services(lang).catch(() => []);
  const distP = districts(lang).catch(() => [] as District[]);
  const stageTitles = new Map<string, string>();
  let distNames = new Map((cachedDistricts(lang) ?? []).map((d) => [d.code, d.name]));
  let seq = 0;
  let cursor: string | null = null;
  let shown = 0;

  root.innerHTML = `<section class="monitor" data-testid="monitor">
    <div class="mon-head">
      <h1>${esc(tr('title'))}</h1>
      <span class="mon-count hint" data-testid="mon-count" aria-live="polite"></span>
      <span class="spacer"></span>
      <span class="mon-export" role="group" aria-label="${esc(tr('export'))}">
        <span class="hint">${esc(tr('export'))}:</span>
        <a class="button" data-testid="export-csv" download>CSV</a>
        <a class="button" data-testid="export-xlsx" download>XLSX</a>
      </span>
    </div>
    <form class="mon-filters panel" data-testid="mon-filters" role="search">
      <label class="mon-search">${esc(tr('search'))}
        <input type="search" name="number" placeholder="${esc(tr('searchPh'))}" autocomplete="off" data-testid="f-number"></label>
      <details class="mon-more-filters" data-testid="f-details"${matchMedia('(min-width: 701px)').matches ? ' open' : ''}>
        <summary>${esc(tr('filters'))}</summary>
        <div class="mon-grid">
          <label>${esc(tr('service'))}<select name="service" data-testid="f-service"><option value="">${esc(tr('any'))}</option></select></label>
          <label>${esc(tr('status'))}<select name="status" data-testid="f-status"><option value="">${esc(tr('any'))}</option>
            ${STATUSES.map((s) => `<option value="${s}">${esc(statusText(s))}</option>`).join('')}</select></label>
          <label>${esc(tr('stage'))}<input name="stage" list="mon-stages" autocomplete="off" data-testid="f-stage"></label>
          <label>${esc(tr('executor'))}<input name="executor" autocomplete="off" data-testid="f-executor"></label>
          <label>${esc(tr('district'))}<select name="district" data-testid="f-district"><option value="">${esc(tr('any'))}</option></select></label>
          <label>${esc(tr('org'))}<input name="org" list="mon-orgs" autocomplete="off" data-testid="f-org"></label>
          <label>${esc(tr('applicant'))}<input name="applicant" autocomplete="off" data-testid="f-applicant"></label>
          <label>${esc(tr('overdue'))}<select name="overdue" data-testid="f-overdue"><option value="">${esc(tr('any'))}</option>
            <option value="true">${esc(tr('yes'))}</option><option value="false">${esc(tr('no'))}</option></select></label>
          <label>${esc(tr('submittedFrom'))}<input type="date" name="submitted_from" data-testid="f-submitted-from"></label>
          <label>${esc(tr('submittedTo'))}<input type="date" name="submitted_to" data-testid="f-submitted-to"></label>
          <label>${esc(tr('dueFrom'))}<input type="date" name="due_from" data-testid="f-due-from"></label>
          <label>${esc(tr('dueTo'))}<input type="date" name="due_to" data-testid="f-due-to"></label>
        </div>
        <datalist id="mon-stages"></datalist><datalist id="mon-orgs"></datalist>
      </details>
      <button type="button" data-action="clear" data-testid="f-clear">${esc(tr('clear'))}</button>
    </form>
    <p class="error" role="alert" data-testid="mon-error" hidden></p>
    <div class="mon-tools"><label class="mon-sort hint">${esc(tr('sortBy'))} <select data-testid="f-sort">${COLS.filter((c) => c.sort).flatMap((c) => [[c.sort!, `${tr(c.key)} ▲`], [`-${c.sort}`, `${tr(c.key)} ▼`]]).map(([v, l]) => `<option value="${v}"${v === (q.get('sort') || '-submitted_at') ? ' selected' : ''}>${esc(l)}</option>`).join('')}</select></label>
    <label class="mon-size hint">${esc(tr('perPage'))} <select data-testid="f-limit">${[...new Set([10, 25, 50, 100, 200, Number(q.get('limit') || PAGE)])].sort((a, b) => a - b).map((n) => `<option${n === Number(q.get('limit') || PAGE) ? ' selected' : ''}>${n}</option>`).join('')}</select></label></div>
    <div class="mon-wrap">
      <table class="responsive mon-table" data-testid="mon-table">
        <thead><tr>${COLS.map((c) => `<th scope="col" data-col="${c.key}">${c.sort ? `<button type="button" data-sort="${c.sort}" data-testid="sort-${c.sort}" title="${esc(tr('sortBy'))}">${esc(tr(c.key))}<span class="arrow" aria-hidden="true"></span></button>` : esc(tr(c.key))}</th>`).join('')}</tr></thead>
        <tbody data-testid="mon-rows"></tbody>
      </table>
    </div>
    <p class="mon-empty hint" data-testid="mon-empty" hidden>${esc(tr('empty'))}</p>
    <button type="button" class="mon-more" data-testid="mon-more" hidden>${esc(tr('more'))}</button>
  </section>`;

  const form = root.querySelector<HTMLFormElement>('form')!;
  const tbody = root.querySelector<HTMLElement>('tbody')!;
  const table = root.querySelector<HTMLElement>('table')!;
  const more = root.querySelector<HTMLButtonElement>('.mon-more')!;
  const empty = root.querySelector<HTMLElement>('.mon-empty')!;
  const count = root.querySelector<HTMLElement>('.mon-count')!;
  const errorEl = root.querySelector<HTMLElement>('[data-testid=mon-error]')!;

  /** A select shows the address's value even when it is not one of its options (a list "a,b"). */
  const setSelect = (s: HTMLSelectElement, v: string) => {
    if (v && ![...s.options].some((o) => o.value === v)) s.add(new Option(v, v));
    s.value = v;
  };
  const fillForm = () => {
    for (const k of FILTERS) {
      const el = form.elements.namedItem(k) as HTMLInputElement | HTMLSelectElement | null;
      if (!el) continue;
      const v = q.get(k) ?? '';
      if (el instanceof HTMLSelectElement) setSelect(el, v); else el.value = v;
    }
    // Open the filters when the address sets one beyond the search.
    if (FILTERS.some((k) => k !== 'number' && q.get(k))) root.querySelector<HTMLDetailsElement>('details')!.open = true;
  };
  fillForm();

  const exportHref = (format: 'csv' | 'xlsx') => {
    const e = new URLSearchParams(q);
    e.delete('limit');
    e.set('format', format);
    e.set('lang', serverLang(lang));
    return `/api/applications/table?${e}`;
  };
  const drawHead = () => {
    const [col, desc] = sortOf();
    for (const b of root.querySelectorAll<HTMLButtonElement>('th button[data-sort]')) {
      const on = b.dataset.sort === col;
      b.closest('th')!.setAttribute('aria-sort', on ? (desc ? 'descending' : 'ascending') : 'none');
      b.querySelector('.arrow')!.textContent = on ? (desc ? ' ▼' : ' ▲') : '';
    }
    const ss = root.querySelector<HTMLSelectElement>('[data-testid=f-sort]');
    if (ss) ss.value = desc ? `-${col}` : col;
    root.querySelector<HTMLAnchorElement>('[data-testid=export-csv]')!.href = exportHref('csv');
    root.querySelector<HTMLAnchorElement>('[data-testid=export-xlsx]')!.href = exportHref('xlsx');
  };
  const sortOf = (): [string, boolean] => {
    const s = q.get('sort') || '-submitted_at';
    return s.startsWith('-') ? [s.slice(1), true] : [s, false];
  };

  const label = (k: keyof typeof W) => ` data-label="${esc(tr(k))}"`;
  const stageName = (svc: string, st: string) => stageTitles.get(`${svc}/${st}`) ?? st;
  const rowHtml = (r: Row, now: number) => {
    const t = timeOf(r, now);
    const district = r.district ? distNames.get(r.district) ?? r.district : '';
    return `<tr data-testid="mon-row" data-id="${r.id}" data-number="${esc(r.number)}" data-overdue="${r.overdue}"${r.overdue ? ' class="overdue"' : ''}>
      <td${label('number')}><a href="/app/monitor/${r.id}" data-testid="row-link">${esc(r.number ?? `#${r.id}`)}</a>${r.overdue ? ` <span class="badge overdue" data-testid="overdue-badge">${esc(tr('overdueMark'))}</span>` : ''}</td>
      <td${label('service')} class="svc" title="${esc(r.service_title ?? r.service_id)}" data-service="${esc(r.service_id)}"><div class="clamp">${esc(r.service_title ?? r.service_id)}</div></td>
      <td${label('status')}><span class="badge st-${esc(r.status)}">${esc(statusText(r.status))}</span></td>
      <td${label('stage')}>${r.stages.map((s) => `<span data-stage="${esc(`${r.service_id}/${s}`)}">${esc(stageName(r.service_id, s))}</span>`).join('<br>')}</td>
      <td${label('executor')}>${r.executors.map(esc).join('<br>')}</td>
      <td${label('district')} data-district="${esc(r.district)}">${esc(district)}</td>
      <td${label('org')}>${esc(r.org)}</td>
      <td${label('applicant')}>${esc(r.applicant)}</td>
      <td${label('submitted')}>${esc(fmtDate(r.submitted_at))}</td>
      <td${label('due')} class="due">${esc(fmtDue(r.due_at))}</td>
      <td${label('time')} class="time t-${t.kind}">${esc(t.text)}</td></tr>`;
  };

  const loaded: Row[] = [];
  const showCount = () => {
    count.textContent = `${tr('shown')}: ${shown}${cursor ? '' : ` (${tr('allShown')})`}`;
    count.dataset.rows = String(shown);
    more.hidden = !cursor;
    empty.hidden = shown > 0;
  };

  /** Fetches the first page (append: the next) of the current filter and draws it. */
  const load = async (append: boolean) => {
    const my = ++seq;
    const req = !append && firstReq ? firstReq : api.get<Page>(pageUrl(append ? cursor : null));
    firstReq = null;
    table.setAttribute('aria-busy', 'true');
    more.disabled = true;
    try {
      const page = await req;
      if (my !== seq) return;
      errorEl.hidden = true;
      const now = Date.now();
      const html = page.rows.map((r) => rowHtml(r, now)).join('');
      if (append) { tbody.insertAdjacentHTML('beforeend', html); loaded.push(...page.rows); }
      else { tbody.innerHTML = html; loaded.length = 0; loaded.push(...page.rows); }
      cursor = page.next_cursor;
      shown = loaded.length;
      showCount();
      if (!append && !performance.getEntriesByName('monitor-first-page').length) performance.mark('monitor-first-page');
      table.dataset.loaded = String(my);
      void nameStages(page.rows);
    } catch (e) {
      if (my !== seq) return;
      const f = e as api.ApiFailure;
      if (f.status === 403) {
        root.innerHTML = `<section class="monitor panel" data-testid="mon-forbidden"><h1>${esc(tr('title'))}</h1><p>${esc(tr('forbidden'))}</p><p><a href="/app/my">${esc(tr('myApps'))}</a></p></section>`;
        return;
      }
      if (f.status === 401) throw e;
      errorEl.textContent = `${f.status === 400 ? tr('badFilter') : ''} ${f.message}`.trim();
      errorEl.hidden = false;
      if (!append) { tbody.innerHTML = ''; shown = 0; cursor = null; showCount(); empty.hidden = true; }
    } finally {
      if (my === seq) { table.removeAttribute('aria-busy'); more.disabled = false; }
    }
  };

  function nameDistricts(list: District[]) {
    distNames = new Map(list.map((d) => [d.code, d.name]));
    for (const td of tbody.querySelectorAll<HTMLElement>('td[data-district]')) {
      const n = distNames.get(td.dataset.district!);
      if (n && td.textContent !== n) td.textContent = n;
    }
    const s = form.elements.namedItem('district') as HTMLSelectElement;
    if (s.options.length <= 1 || (s.options.length === 2 && q.get('district'))) {
      const v = q.get('district') ?? '';
      s.innerHTML = `<option value="">${esc(tr('any'))}</option>` + list.map((d) => `<option value="${esc(d.code)}">${esc(d.name)}</option>`).join('');
      setSelect(s, v);
    }
  }
  /** Stage titles of the services on the page (one request per service, not per row; cached). */
  async function nameStages(rows: Row[]) {
    const ids = [...new Set(rows.map((r) => r.service_id))].filter((id) => ![...stageTitles.keys()].some((k) => k.startsWith(`${id}/`))).slice(0, 12);
    await Promise.all(ids.map(async (id) => {
      try {
        const def = await serviceDef(id) as { workflow?: { stages?: Array<{ id: string; title?: { kk?: string; ru?: string; en?: string } }> } };
        for (const st of def.workflow?.stages ?? []) stageTitles.set(`${id}/${st.id}`, st.title ? textOf(st.title, lang) : st.id);
      } catch { /* the id stays */ }
    }));
    for (const el of tbody.querySelectorAll<HTMLElement>('[data-stage]')) {
      const t = stageTitles.get(el.dataset.stage!);
      if (t && el.textContent !== t) el.textContent = t;
    }
    const dl = root.querySelector('#mon-stages');
    if (dl) dl.innerHTML = [...stageTitles.entries()].map(([k, t]) => `<option value="${esc(k.split('/')[1])}">${esc(t)}</option>`).join('');
  }

  void distP.then(nameDistricts);
  void svcP.then((list) => {
    const s = form.elements.namedItem('service') as HTMLSelectElement;
    const v = q.get('service') ?? '';
    s.innerHTML = `<option value="">${esc(tr('any'))}</option>` + [...list].sort((a, b) => a.title.localeCompare(b.title)).map((x) => `<option value="${esc(x.id)}">${esc(x.title)}</option>`).join('');
    setSelect(s, v);
    const orgs = [...new Set(list.map((x) => x.provider).filter(Boolean))] as string[];
    const dl = root.querySelector('#mon-orgs');
    if (dl) dl.innerHTML = orgs.map((o) => `<option value="${esc(o)}"></option>`).join('');
  });

  /** The address follows the filter (replaced, not pushed: typing is not history). */
  const apply = () => {
    const qs = q.toString();
    history.replaceState(null, '', `/app/monitor${qs ? `?${qs}` : ''}`);
    cursor = null;
    drawHead();
    void load(false);
  };
  const readForm = () => {
    const next = new URLSearchParams();
    for (const k of FILTERS) {
      const el = form.elements.namedItem(k) as HTMLInputElement | HTMLSelectElement | null;
      const v = el?.value.trim();
      if (v) next.set(k, k === 'number' ? v.toUpperCase() : v);
    }
    for (const k of ['sort', 'limit']) { const v = q.get(k); if (v) next.set(k, v); }
    if (next.toString() !== q.toString()) { q = next; apply(); }
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  form.addEventListener('input', (ev) => {
    const t = ev.target as HTMLElement;
    if (t instanceof HTMLSelectElement || (t as HTMLInputElement).type === 'date') return;
    clearTimeout(typing);
    typing = setTimeout(readForm, 350);
  });
  form.addEventListener('change', () => { clearTimeout(typing); readForm(); });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); clearTimeout(typing); readForm(); });
  root.querySelector<HTMLButtonElement>('[data-action=clear]')!.onclick = () => {
    const keep = new URLSearchParams();
    for (const k of ['sort', 'limit']) { const v = q.get(k); if (v) keep.set(k, v); }
    q = keep;
    fillForm();
    apply();
  };
  root.querySelector('thead')!.addEventListener('click', (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-sort]');
    if (!b) return;
    const [col, desc] = sortOf();
    const next = b.dataset.sort!;
    q.set('sort', next === col ? (desc ? next : `-${next}`) : next);
    apply();
  });
  more.onclick = () => void load(true);
  root.querySelector<HTMLSelectElement>('[data-testid=f-sort]')!.onchange = (ev) => {
    q.set('sort', (ev.target as HTMLSelectElement).value);
    apply();
  };
  root.querySelector<HTMLSelectElement>('[data-testid=f-limit]')!.onchange = (ev) => {
    const n = Number((ev.target as HTMLSelectElement).value);
    if (n === PAGE) q.delete('limit'); else q.set('limit', String(n));
    apply();
  };

  drawHead();
  await load(false);
  return () => { seq += 1; clearTimeout(typing); };
}
