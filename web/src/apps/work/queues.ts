// The queues of the workstation: new, common pool, mine, in review, returned, done, each with its
// count; the rows (number, service, stage, time left, district) with claim, release and, for
// managers, assign with each executor's load.
//
// `GET /api/applications/queues` and `GET /api/applications?queue=` are the server's; while a
// server lacks them (404 / 400), the queues are approximated from the monitoring table's filters
// and the screen says so.
import * as api from '../api';
import { esc } from '../words';
import type { Ctx } from '../shell';
import { tr, type Row, type Card, type WordKey, service, districtName, termBadge, statusText, dialog, actionText, failureText, type Offer } from './common';
import { textOf } from '../lang';

export const QUEUES = ['new', 'pool', 'mine', 'in_review', 'returned', 'done'] as const;
export type Queue = (typeof QUEUES)[number];
type Counts = Record<Queue, number>;

const PAGE = 50;

/** Whether the server's queues are missing (then the table's filters stand in). */
let fallback = false;

const TABLE_OF: Record<Queue, (me: string) => string> = {
  new: () => 'status=in_progress&sort=-submitted_at',
  pool: () => 'status=in_progress&sort=due_at',
  mine: (me) => `status=in_progress&executor=${encodeURIComponent(me)}&sort=due_at`,
  in_review: () => 'status=in_progress&sort=due_at',
  returned: () => 'status=returned&sort=-submitted_at',
  done: () => 'status=approved,refused,withdrawn&sort=-submitted_at',
};
/** Rows of the table that belong to a queue (the table has no "no executor" filter). */
function tableKeeps(q: Queue, r: Row): boolean {
  const free = !(r.executors?.length);
  if (q === 'pool') return free;
  if (q === 'new') return free && !!r.submitted_at && Date.now() - Date.parse(r.submitted_at) < 86_400_000;
  if (q === 'in_review') return !free;
  return true;
}

async function tableRows(q: Queue, limit = 500): Promise<Row[]> {
  const me = api.currentUser()?.login ?? '';
  const d = await api.get<{ rows: Row[] }>(`/api/applications/table?${TABLE_OF[q](me)}&limit=${limit}`);
  return d.rows.filter((r) => tableKeeps(q, r));
}

/** The counts of every queue. */
export async function counts(): Promise<Counts> {
  if (!fallback) {
    try {
      const d = await api.get<{ queues: Counts }>('/api/applications/queues');
      return d.queues;
    } catch (e) {
      if ((e as api.ApiFailure).status !== 404 && (e as api.ApiFailure).status !== 400) throw e;
      fallback = true;
    }
  }
  const lists = await Promise.all(QUEUES.map((q) => tableRows(q)));
  return Object.fromEntries(QUEUES.map((q, i) => [q, lists[i].length])) as Counts;
}

/** A page of queue `q` (`before`: the next page's key). */
async function rows(q: Queue, before?: number): Promise<{ rows: Row[]; next: number | null }> {
  if (!fallback) {
    try {
      const d = await api.get<{ applications: Row[]; next_before: number | null }>(`/api/applications?queue=${q}&limit=${PAGE}${before ? `&before=${before}` : ''}`);
      return { rows: d.applications, next: d.next_before };
    } catch (e) {
      if ((e as api.ApiFailure).status !== 400 && (e as api.ApiFailure).status !== 404) throw e;
      fallback = true;
    }
  }
  return { rows: await tableRows(q), next: null };
}

const stageId = (s: NonNullable<Row['stages']>[number]) => (typeof s === 'string' ? s : s.stage);

/** The card of application `id` with its `If-Match`. */
export async function cardOf(id: number): Promise<{ card: Card; etag: string }> {
  const r = await api.call('GET', `/api/applications/${id}`);
  const card = (await r.json()) as Card;
  return { card, etag: r.headers.get('ETag') ?? `"v${card.version}"` };
}

/** Posts `body` as an action on application `id` at `etag`; the card after it. */
export async function act(id: number, etag: string, body: Record<string, unknown>): Promise<{ card: Card; etag: string }> {
  const r = await api.call('POST', `/api/applications/${id}/actions`, body, { 'If-Match': etag });
  const card = (await r.json()) as Card;
  return { card, etag: r.headers.get('ETag') ?? `"v${card.version}"` };
}

/** The stage an action of the caller takes at: the offer's, else the first current stage of the
 *  caller's organisation that fits (`free`: nobody holds it; `mine`: the caller holds it). */
export function stageFor(card: Card, action: string, want: 'free' | 'mine' | 'any'): string | null {
  const offers = card.actions ?? [];
  const allowed = offers.find((o: Offer) => o.action === action && o.allowed && o.stage);
  if (allowed?.stage) return allowed.stage;
  const u = api.currentUser();
  const ok = (t: Card['stages'][number]) =>
    want === 'any' || (want === 'free' ? !t.executor : t.executor === u?.login);
  const own = card.stages.filter((t) => t.role && (!u?.org || t.org === u.org));
  return (own.find(ok) ?? own[0] ?? card.stages.find((t) => t.role) ?? null)?.stage ?? null;
}

/** The manager's assignment of `stage` of `card`: a dialog listing who may work it, with each
 *  one's open tasks. Resolves with the card after it, or null when cancelled. */
export async function assignDialog(card: Card, etag: string, stage: string, stageTitle: string): Promise<{ card: Card; etag: string } | null> {
  const d = await api.get<{ executors: Array<{ login: string; full_name?: string | null; dept?: string | null; load: number }> }>(
    `/api/applications/${card.id}/executors?stage=${encodeURIComponent(stage)}`,
  );
  const list = [...d.executors].sort((a, b) => a.load - b.load);
  const current = card.stages.find((t) => t.stage === stage)?.executor;
  const body = list.length
    ? `<p>${esc(tr('stage'))}: <b>${esc(stageTitle)}</b></p>
       <fieldset class="executors"><legend>${esc(tr('assignTo'))}</legend>
       ${list.map((x, i) => `<label class="executor" data-testid="executor-${esc(x.login)}">
          <input type="radio" name="to" value="${esc(x.login)}"${(current ? x.login === current : i === 0) ? ' checked' : ''}>
          <span class="who">${esc(x.full_name || x.login)}${x.full_name ? ` <span class="hint">${esc(x.login)}</span>` : ''}${x.dept ? ` <span class="hint">· ${esc(x.dept)}</span>` : ''}</span>
          <span class="load" data-testid="executor-load" data-load="${x.load}" title="${esc(tr('load'))}"><meter min="0" max="${Math.max(10, ...list.map((y) => y.load))}" value="${x.load}"></meter> ${x.load} ${esc(tr('openTasks'))}</span>
        </label>`).join('')}
       </fieldset>`
    : `<p class="hint">${esc(tr('noExecutors'))}</p>`;
  let out: { card: Card; etag: string } | null = null;
  await dialog({
    title: `${tr('a_assign')}: ${card.number ?? card.id}`,
    body,
    testid: 'assign-dialog',
    onConfirm: async (dl) => {
      const to = dl.querySelector<HTMLInputElement>('input[name=to]:checked')?.value;
      if (!to) throw new Error(tr('noExecutors'));
      out = await act(card.id, etag, { action: 'assign', stage, to });
    },
  });
  return out;
}

/** Mounts the queues in `root`. */
export async function mountQueues(root: HTMLElement, ctx: Ctx): Promise<void> {
  const lang = api.currentLang();
  const q0 = ctx.route.query.get('queue') as Queue | null;
  let queue: Queue = q0 && (QUEUES as readonly string[]).includes(q0) ? q0 : 'pool';
  const manager = api.hasRole('org_admin');
  root.innerHTML = `<div class="work-queues" data-testid="work-queues">
      <h1>${esc(tr('title'))}</h1>
      <div class="queue-tabs" role="tablist" aria-label="${esc(tr('queues'))}" data-testid="queue-tabs">
        ${QUEUES.map((q) => `<button type="button" role="tab" data-queue="${q}" data-testid="queue-${q}" aria-selected="${q === queue}">
          <span>${esc(tr(`q_${q}` as WordKey))}</span> <span class="count" data-testid="queue-count-${q}">…</span></button>`).join('')}
      </div>
      <p class="hint" data-testid="queues-fallback" hidden>${esc(tr('fallbackQueues'))}</p>
      <div class="queue-list" data-testid="queue-list" aria-live="polite"></div>
    </div>`;
  const list = root.querySelector<HTMLElement>('.queue-list')!;
  let current: Row[] = [];
  let next: number | null = null;

  const showCounts = async () => {
    const c = await counts();
    for (const q of QUEUES) {
      const el = root.querySelector<HTMLElement>(`[data-testid=queue-count-${q}]`);
      if (el) { el.textContent = String(c[q] ?? 0); el.dataset.count = String(c[q] ?? 0); }
    }
    root.querySelector<HTMLElement>('[data-testid=queues-fallback]')!.hidden = !fallback;
  };

  const rowHtml = async (rs: Row[]): Promise<string> => {
    const svcIds = [...new Set(rs.map((r) => r.service_id))];
    const svcs = new Map(await Promise.all(svcIds.map(async (id) => [id, await service(id).catch(() => null)] as const)));
    const dists = new Map(await Promise.all([...new Set(rs.map((r) => r.district).filter(Boolean) as string[])].map(async (c) => [c, await districtName(c, lang)] as const)));
    return rs.map((r) => {
      const svc = svcs.get(r.service_id);
      const stages = (r.stages ?? []).map((s, i) => {
        const id = stageId(s);
        const title = textOf((typeof s !== 'string' && s.title) || r.stage_titles?.[i], lang) || textOf(svc?.workflow.stages.find((x) => x.id === id)?.title, lang) || id;
        return `<span class="stage" data-stage="${esc(id)}">${esc(title)}</span>`;
      }).join('');
      const done = ['approved', 'refused', 'withdrawn'].includes(r.status);
      const free = r.executors ? r.executors.length === 0 : queue === 'pool' || queue === 'new';
      const buttons = [
        !done && r.status === 'in_progress' && (queue === 'pool' || queue === 'new' || free) ? `<button type="button" data-act="claim" data-testid="row-claim">${esc(tr('a_claim'))}</button>` : '',
        !done && queue === 'mine' ? `<button type="button" data-act="release" data-testid="row-release">${esc(tr('a_release'))}</button>` : '',
        !done && manager && r.status === 'in_progress' ? `<button type="button" data-act="assign" data-testid="row-assign">${esc(tr('a_assign'))}</button>` : '',
      ].join('');
      return `<tr data-id="${r.id}" data-testid="queue-row" class="${r.overdue ? 'overdue' : ''}">
        <td data-label="${esc(tr('number'))}"><a href="/app/work/${r.id}?queue=${queue}" data-testid="row-open">${esc(r.number ?? `#${r.id}`)}</a>${done || r.status === 'returned' ? ` <span class="badge st-${esc(r.status)}">${esc(statusText(r.status))}</span>` : ''}</td>
        <td data-label="${esc(tr('service'))}" class="svc">${esc(textOf(r.service_title, lang) || textOf(svc?.title, lang) || r.service_id)}</td>
        <td data-label="${esc(tr('stage'))}">${stages || '—'}${r.executors?.length ? `<div class="hint">${esc(r.executors.join(', '))}</div>` : ''}</td>
        <td data-label="${esc(tr('term'))}" class="due">${done ? '—' : termBadge(r.due_at, null, r.overdue ?? null, 'row-term')}</td>
        <td data-label="${esc(tr('district'))}">${esc(r.district ? dists.get(r.district) ?? r.district : '—')}</td>
        <td data-label="${esc(tr('actions'))}" class="row-actions">${buttons}</td>
      </tr>`;
    }).join('');
  };

  const render = async () => {
    if (!current.length) {
      list.innerHTML = `<p class="panel hint" data-testid="queue-empty">${esc(tr('empty'))}</p>`;
      return;
    }
    list.innerHTML = `<table class="responsive work-table" data-testid="queue-table" data-queue="${queue}">
      <thead><tr><th>${esc(tr('number'))}</th><th>${esc(tr('service'))}</th><th>${esc(tr('stage'))}</th><th>${esc(tr('term'))}</th><th>${esc(tr('district'))}</th><th><span class="sr">${esc(tr('actions'))}</span></th></tr></thead>
      <tbody>${await rowHtml(current)}</tbody></table>
      ${next ? `<button type="button" data-testid="queue-more" class="more">${esc(tr('more'))}</button>` : ''}`;
  };

  const load = async () => {
    list.setAttribute('aria-busy', 'true');
    const page = await rows(queue);
    current = page.rows;
    next = page.next;
    await render();
    list.removeAttribute('aria-busy');
    list.dataset.loaded = queue;
  };

  root.querySelector('.queue-tabs')!.addEventListener('click', (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-queue]');
    if (!b) return;
    queue = b.dataset.queue as Queue;
    root.querySelectorAll('[data-queue]').forEach((x) => x.setAttribute('aria-selected', String(x === b)));
    history.replaceState(null, '', `/app/work?queue=${queue}`);
    void load().catch((e) => ctx.notify(failureText(e), 'error'));
  });

  list.addEventListener('click', async (ev) => {
    const t = ev.target as HTMLElement;
    if (t.closest('[data-testid=queue-more]') && next) {
      const page = await rows(queue, next);
      current = current.concat(page.rows);
      next = page.next;
      await render();
      return;
    }
    const b = t.closest<HTMLButtonElement>('button[data-act]');
    const tr_ = t.closest<HTMLElement>('tr[data-id]');
    if (!b || !tr_) return;
    const id = Number(tr_.dataset.id);
    const what = b.dataset.act!;
    b.disabled = true;
    try {
      // The card now (its version and stages), then the action at that version.
      let { card, etag } = await cardOf(id);
      const svc = await service(card.service.id).catch(() => null);
      const want = what === 'claim' ? 'free' : what === 'release' ? 'mine' : 'any';
      const stage = stageFor(card, what, want);
      if (!stage) throw new Error(tr('notAllowedHint'));
      const stageTitle = textOf(card.stages.find((s) => s.stage === stage)?.title, lang) || textOf(svc?.workflow.stages.find((s) => s.id === stage)?.title, lang) || stage;
      let done = false;
      if (what === 'assign') {
        const r = await assignDialog(card, etag, stage, stageTitle);
        done = !!r;
      } else {
        done = await dialog({
          title: `${actionText(what)}: ${card.number ?? card.id}`,
          body: `<p>${esc(tr('sure'))}</p><p>${esc(textOf(card.service.title, lang))}<br>${esc(tr('stage'))}: <b>${esc(stageTitle)}</b></p>`,
          testid: `confirm-${what}`,
          onConfirm: async () => { ({ card, etag } = await act(id, etag, { action: what, stage })); },
        });
      }
      if (done) {
        ctx.notify(`${actionText(what)}: ${card.number ?? id} — ${tr('done')}`, 'ok');
        await Promise.all([showCounts(), load()]);
      }
    } catch (e) {
      ctx.notify(failureText(e), 'error');
      const err = document.createElement('p');
      err.className = 'error row-error';
      err.setAttribute('role', 'alert');
      err.dataset.testid = 'row-error';
      err.dataset.status = String((e as api.ApiFailure).status ?? '');
      err.textContent = failureText(e);
      tr_.querySelector('.row-actions')?.querySelector('.row-error')?.remove();
      tr_.querySelector('.row-actions')?.append(err);
    } finally {
      b.disabled = false;
    }
  });

  await Promise.all([showCounts(), load()]);
}
