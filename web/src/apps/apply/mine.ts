// My applications (`/app/my`): the caller's applications newest first, with search (number,
// service) and a status filter, each with its current stage and time left; `/app/my/{id}` is the
// application (application.ts, loaded on demand). Anonymous visitors are asked to sign in.
import type { Ctx } from '../shell';
import * as api from '../api';
import { esc } from '../words';
import { type ServiceDef, serviceDef, fmtDate } from './model';
import { textOf } from '../lang';
import { fold } from './catalogue';
import { tr, statusName, STATUS_IDS } from './words';
import './apply.css';

interface Row { id: number; number: string | null; service_id: string; service_title: string | null; status: string; org: string; submitted_at: string | null; due_at: string | null; stages: string[] }

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void | (() => void)> {
  if (!api.currentUser()) {
    root.innerHTML = `<p class="panel" data-testid="my-anonymous">${esc(tr('anonymous'))}</p>`;
    await ctx.requireLogin(root);
  }
  if (ctx.route.parts[1]) return (await import('./application')).mount(root, ctx);
  const lang = api.currentLang();
  const q = ctx.route.query;
  const state = { text: q.get('q') ?? '', status: q.get('status') ?? '' };
  root.innerHTML = `<section class="apply mine" data-testid="my-applications">
    <h1>${esc(tr('my'))}</h1>
    <div class="cat-tools">
      <label class="grow"><span class="sr">${esc(tr('searchMy'))}</span><input type="search" data-testid="my-search" placeholder="${esc(tr('searchMy'))}" value="${esc(state.text)}"></label>
      <label><span class="sr">${esc(tr('status'))}</span><select data-testid="my-status"><option value="">${esc(tr('allStatuses'))}</option>
        ${STATUS_IDS.map((s) => `<option value="${s}"${s === state.status ? ' selected' : ''}>${esc(statusName(s))}</option>`).join('')}</select></label>
      <a class="button" href="/app/services" data-testid="to-catalogue">+ ${esc(tr('toCatalogue'))}</a>
    </div>
    <p class="hint" data-testid="my-count" aria-live="polite"></p>
    <ul class="app-list" data-testid="my-list"></ul>
    <button type="button" data-testid="my-more" hidden>${esc(tr('more'))}</button>
  </section>`;
  const list = root.querySelector<HTMLElement>('[data-testid=my-list]')!;
  const more = root.querySelector<HTMLButtonElement>('[data-testid=my-more]')!;
  const count = root.querySelector<HTMLElement>('[data-testid=my-count]')!;
  let rows: Row[] = [];
  let next: number | null = null;
  const defs = new Map<string, ServiceDef>();
  let seq = 0;

  const stageTitle = (r: Row, s: string) => {
    const st = defs.get(r.service_id)?.workflow.stages.find((x) => x.id === s);
    return st ? textOf(st.title, lang) : s;
  };
  const left = (r: Row) => {
    if (!r.due_at || r.status !== 'in_progress') return '';
    const ms = new Date(r.due_at).getTime() - Date.now();
    if (ms < 0) return `<span class="badge overdue" data-testid="my-overdue">${esc(tr('overdue'))}</span>`;
    return `<span class="hint">${esc(tr('dueAt'))}: ${esc(fmtDate(r.due_at))}</span>`;
  };
  const draw = () => {
    const words = fold(state.text).split(/\s+/).filter(Boolean);
    const shown = rows.filter((r) => words.every((w) => fold(`${r.number ?? ''} ${r.service_title ?? ''} ${r.service_id} ${r.id}`).includes(w)));
    count.textContent = `${shown.length}`;
    list.innerHTML = shown.length ? shown.map((r) => `<li>
      <a class="app-row" href="/app/my/${r.id}" data-testid="my-row" data-id="${r.id}" data-status="${esc(r.status)}">
        <span class="app-no">${r.number ? `№ ${esc(r.number)}` : `<em>${esc(tr('draftNoNumber'))}</em>`}</span>
        <span class="badge st-${esc(r.status)}" data-testid="my-status-badge">${esc(statusName(r.status))}</span>
        <span class="app-svc">${esc(textOf(r.service_title, lang) || r.service_id)}</span>
        ${r.stages.length && r.status === 'in_progress' ? `<span class="app-stage" data-testid="my-stage">${esc(tr('currentStage'))}: ${esc(r.stages.map((s) => stageTitle(r, s)).join(', '))}</span>` : ''}
        <span class="app-dates">${r.submitted_at ? `${esc(tr('submittedAt'))}: ${esc(fmtDate(r.submitted_at))}` : ''} ${left(r)}</span>
      </a></li>`).join('') : `<li class="panel" data-testid="my-empty">${esc(tr('none'))} <a href="/app/services">${esc(tr('toCatalogue'))}</a></li>`;
  };
  const load = async (reset: boolean) => {
    const my = ++seq;
    const p = new URLSearchParams({ limit: '50' });
    if (state.status) p.set('status', state.status);
    if (!reset && next) p.set('before', String(next));
    const page = await api.get<{ applications: Row[]; next_before: number | null }>(`/api/applications?${p}`);
    if (my !== seq) return;
    rows = reset ? page.applications : [...rows, ...page.applications];
    next = page.next_before;
    more.hidden = !next;
    // The stages' titles come from the services' definitions (cached): fetched before drawing.
    const ids = [...new Set(rows.map((r) => r.service_id))].filter((s) => !defs.has(s));
    await Promise.all(ids.map((s) => serviceDef(s).then((d) => defs.set(s, d)).catch(() => undefined)));
    if (my === seq) draw();
  };
  const remember = () => {
    const p = new URLSearchParams();
    if (state.text) p.set('q', state.text);
    if (state.status) p.set('status', state.status);
    history.replaceState(null, '', `/app/my${p.toString() ? `?${p}` : ''}`);
  };
  root.querySelector<HTMLInputElement>('[data-testid=my-search]')!.addEventListener('input', (ev) => { state.text = (ev.target as HTMLInputElement).value; draw(); remember(); });
  root.querySelector<HTMLSelectElement>('[data-testid=my-status]')!.addEventListener('change', (ev) => { state.status = (ev.target as HTMLSelectElement).value; remember(); void load(true); });
  more.onclick = () => void load(false);
  await load(true);
}
