// The single window's catalogue (`/app`, `/app/services`): the providers and their services as
// `/api/services` lists them, with search and categories, grouped by provider or by category;
// `/app/services/{id}` is the passport and the application form (service.ts, loaded on demand).
import type { Ctx } from '../shell';
import * as api from '../api';
import { esc } from '../words';
import { textOf } from '../lang';
import { tr, providerName, categoryName, kindName } from './words';
import './apply.css';

export interface ServiceItem {
  id: string;
  version: number;
  title: string;
  titles: { kk: string; ru: string; en: string };
  category: string;
  provider: string;
  fee_kzt: number | null;
  days: number;
  geometry: string;
  public: boolean;
}

/** Lower-case text with Kazakh/Russian letters folded, for matching what one types. */
export function fold(s: string): string {
  return s.toLowerCase().replace(/ё/g, 'е').replace(/[«»"“”]/g, '');
}

export function fee(v: number | null | undefined): string {
  if (!v) return tr('free');
  return `${new Intl.NumberFormat('ru-RU').format(v)} ${tr('tenge')}`;
}

const GEOM_ICON: Record<string, string> = {
  none: '', point: '•', multi_point: '•', line: '∿', multi_line: '∿', polygon: '▭', multi_polygon: '▭', layer_feature: '⌂',
};

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void | (() => void)> {
  if (ctx.route.parts[0] === 'services' && ctx.route.parts[1]) {
    return (await import('./service')).mount(root, ctx);
  }
  const lang = api.currentLang();
  const { services } = await api.get<{ services: ServiceItem[] }>('/api/services');
  const q = ctx.route.query;
  const state = { text: q.get('q') ?? '', cat: q.get('cat') ?? '', by: q.get('by') === 'category' ? 'category' : 'provider' };
  const cats = [...new Set(services.map((s) => s.category))].sort((a, b) => categoryName(a).localeCompare(categoryName(b)));
  root.innerHTML = `<section class="apply catalogue" data-testid="catalogue">
    <h1>${esc(tr('services'))}</h1>
    <p class="hint">${esc(tr('intro'))}</p>
    <div class="cat-tools">
      <label class="grow"><span class="sr">${esc(tr('search'))}</span>
        <input type="search" data-testid="svc-search" placeholder="${esc(tr('search'))}: ${esc(tr('searchHint'))}" value="${esc(state.text)}" autocomplete="off"></label>
      <label><span class="sr">${esc(tr('category'))}</span>
        <select data-testid="svc-category"><option value="">${esc(tr('allCategories'))}</option>
        ${cats.map((c) => `<option value="${esc(c)}"${c === state.cat ? ' selected' : ''}>${esc(categoryName(c))}</option>`).join('')}</select></label>
      <div class="seg" role="group" aria-label="${esc(tr('groupBy'))}">
        <button type="button" data-by="provider" data-testid="group-provider" aria-pressed="${state.by === 'provider'}">${esc(tr('byProvider'))}</button>
        <button type="button" data-by="category" data-testid="group-category" aria-pressed="${state.by === 'category'}">${esc(tr('byCategory'))}</button>
      </div>
    </div>
    <div class="chips" data-testid="category-chips">${cats.map((c) => `<button type="button" class="chip" data-cat="${esc(c)}" aria-pressed="${c === state.cat}">${esc(categoryName(c))} <span class="n">${services.filter((s) => s.category === c).length}</span></button>`).join('')}</div>
    <p class="hint" data-testid="svc-count" aria-live="polite"></p>
    <div data-testid="svc-groups"></div>
  </section>`;
  const list = root.querySelector<HTMLElement>('[data-testid=svc-groups]')!;
  const count = root.querySelector<HTMLElement>('[data-testid=svc-count]')!;
  const hay = new Map(services.map((s) => [s.id, fold([s.title, s.titles.kk, s.titles.ru, s.titles.en, providerName(s.provider), categoryName(s.category), s.id].join(' '))]));

  const draw = () => {
    const words = fold(state.text).split(/\s+/).filter(Boolean);
    const shown = services.filter((s) => (!state.cat || s.category === state.cat) && words.every((w) => hay.get(s.id)!.includes(w)));
    count.textContent = `${tr('found')}: ${shown.length}`;
    const key = (s: ServiceItem) => (state.by === 'provider' ? s.provider : s.category);
    const name = (k: string) => (state.by === 'provider' ? providerName(k) : categoryName(k));
    const groups = new Map<string, ServiceItem[]>();
    for (const s of shown) groups.set(key(s), [...(groups.get(key(s)) ?? []), s]);
    const ordered = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || name(a[0]).localeCompare(name(b[0])));
    list.innerHTML = shown.length === 0
      ? `<p class="panel" data-testid="svc-empty">${esc(tr('nothingFound'))}</p>`
      : ordered.map(([k, items]) => `<section class="svc-group" data-testid="svc-group" data-group="${esc(k)}">
          <h2>${esc(name(k))} <span class="badge">${items.length}</span></h2>
          <ul class="svc-list">${items.sort((a, b) => textOf(a.titles, lang).localeCompare(textOf(b.titles, lang))).map((s) => `<li>
            <a class="svc" href="/app/services/${encodeURIComponent(s.id)}" data-testid="svc-link" data-id="${esc(s.id)}">
              <span class="svc-title">${esc(textOf(s.titles, lang))}</span>
              <span class="svc-meta">
                <span class="badge">${esc(state.by === 'provider' ? categoryName(s.category) : providerName(s.provider))}</span>
                <span>${s.days} ${esc(tr('days'))}</span>
                <span>${esc(fee(s.fee_kzt))}</span>
                ${s.geometry !== 'none' ? `<span title="${esc(kindName(s.geometry))}">${GEOM_ICON[s.geometry] ?? ''} ${esc(kindName(s.geometry))}</span>` : ''}
              </span></a></li>`).join('')}</ul></section>`).join('');
  };
  const remember = () => {
    const p = new URLSearchParams();
    if (state.text) p.set('q', state.text);
    if (state.cat) p.set('cat', state.cat);
    if (state.by !== 'provider') p.set('by', state.by);
    const qs = p.toString();
    history.replaceState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}`);
  };
  const search = root.querySelector<HTMLInputElement>('[data-testid=svc-search]')!;
  const select = root.querySelector<HTMLSelectElement>('[data-testid=svc-category]')!;
  const syncCat = () => {
    select.value = state.cat;
    root.querySelectorAll<HTMLElement>('.chip').forEach((c) => c.setAttribute('aria-pressed', String(c.dataset.cat === state.cat)));
  };
  search.addEventListener('input', () => { state.text = search.value; draw(); remember(); });
  select.addEventListener('change', () => { state.cat = select.value; syncCat(); draw(); remember(); });
  root.querySelector('.chips')!.addEventListener('click', (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLElement>('[data-cat]');
    if (!b) return;
    state.cat = state.cat === b.dataset.cat ? '' : b.dataset.cat!;
    syncCat(); draw(); remember();
  });
  root.querySelector('.seg')!.addEventListener('click', (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLElement>('[data-by]');
    if (!b) return;
    state.by = b.dataset.by!;
    root.querySelectorAll('.seg button').forEach((x) => x.setAttribute('aria-pressed', String((x as HTMLElement).dataset.by === state.by)));
    draw(); remember();
  });
  draw();
}
