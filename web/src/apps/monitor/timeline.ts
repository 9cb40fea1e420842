// The stage timeline of an application's card as a lane diagram: sequential stages one after
// another (top to bottom), the branches of a parallel stage as lanes side by side, each stage a box
// with its executor, dates, working days against the stage's term (a Gantt-like bar), and the
// comments, returns and refusal reasons given at it (from the card's `history`).
import { words, esc } from '../words';
import { textOf, type Lang } from '../lang';
import { fmtDate } from './common';

const W = {
  submitted: ['Берілді', 'Подана', 'Submitted'],
  now: ['қазір', 'сейчас', 'now'],
  inPool: ['ортақ кезекте', 'в общей очереди', 'in the common pool'],
  days: ['жұмыс күні', 'раб. дн.', 'working days'],
  of: ['/', 'из', 'of'],
  comment: ['Түсініктеме', 'Комментарий', 'Comment'],
  toApplicant: ['өтініш берушіге', 'заявителю', 'to the applicant'],
  internal: ['ішкі', 'внутренний', 'internal'],
  returned: ['Түзетуге қайтарылды, өрістер', 'Возвращена на доработку, поля', 'Returned for corrections, fields'],
  returnedPrev: ['Алдыңғы кезеңге қайтарылды', 'Возвращена на предыдущий этап', 'Returned to the previous stage'],
  refused: ['Бас тарту себебі', 'Причина отказа', 'Refusal reason'],
  resubmitted: ['Түзетіліп қайта жіберілді', 'Исправлена и отправлена снова', 'Corrected and resubmitted'],
  rerouted: ['Басқа ұйымға жіберілді', 'Перенаправлена', 'Rerouted'],
  triage: ['Бағыттауға жіберілді', 'Отправлена на маршрутизацию', 'Sent to triage'],
  cancelled: ['Тармақ тоқтатылды', 'Ветка остановлена', 'Branch stopped'],
  approved: ['Мақұлданды', 'Одобрена', 'Approved'],
  refusedEnd: ['Бас тартылды', 'Отказано', 'Refused'],
  withdrawn: ['Өтініш беруші қайтарып алды', 'Отозвана заявителем', 'Withdrawn by the applicant'],
  parallel: ['Қатар жүретін кезеңдер', 'Параллельные этапы', 'Parallel stages'],
  branch: ['Тармақ', 'Ветка', 'Branch'],
  empty: ['Кезеңдер әлі жоқ', 'Этапов пока нет', 'No stages yet'],
} as const;
const tr = words(W);

export interface Visit { stage: string; title?: string | null; branch: number | null; executor?: string | null; entered_at: string; left_at: string | null; working_days: number }
type Ev = Record<string, unknown> & { event: string };
export interface HistoryEntry { at: string; actor: string; action: string; events: Ev[] }
interface StageDef { id: string; title?: Record<string, string>; kind?: string; days?: number; branches?: string[] }
interface Note { kind: string; html: string; at: string }

/** The notes of the history, each at the stage it was given at (a stage id, or '' when none). */
function notesOf(history: HistoryEntry[], refusal: { reason?: string | null; text?: string | null } | undefined, fieldLabel: (f: string) => string): Array<Note & { stage: string }> {
  const out: Array<Note & { stage: string }> = [];
  for (const h of history) {
    const moved = h.events.find((e) => e.event === 'moved') as { from?: string } | undefined;
    const stageOfEntry = (h.events.find((e) => typeof e.stage === 'string')?.stage as string | undefined) ?? moved?.from ?? '';
    const who = `<span class="who">${esc(h.actor)}</span>, <time>${esc(fmtDate(h.at))}</time>`;
    for (const e of h.events) {
      const st = (typeof e.stage === 'string' ? e.stage : stageOfEntry) as string;
      switch (e.event) {
        case 'commented':
          out.push({ stage: st, at: h.at, kind: 'comment', html: `<b>${esc(tr('comment'))}</b> (${esc(e.to_applicant ? tr('toApplicant') : tr('internal'))}): ${esc(e.text)} <small>${who}</small>` });
          break;
        case 'returned_for_corrections':
          out.push({ stage: st, at: h.at, kind: 'returned', html: `<b>${esc(tr('returned'))}</b>: ${esc(((e.fields as string[]) ?? []).map(fieldLabel).join(', '))} <small>${who}</small>` });
          break;
        case 'returned_to_previous':
          out.push({ stage: String(e.from ?? st), at: h.at, kind: 'returned', html: `<b>${esc(tr('returnedPrev'))}</b> <small>${who}</small>` });
          break;
        case 'resubmitted':
          out.push({ stage: st, at: h.at, kind: 'info', html: `${esc(tr('resubmitted'))}: ${esc(((e.changed as string[]) ?? []).map(fieldLabel).join(', '))} <small>${who}</small>` });
          break;
        case 'refused':
          out.push({ stage: moved?.from ?? st, at: h.at, kind: 'refused', html: `<b>${esc(tr('refused'))}</b>: ${esc(refusal?.reason ?? e.code)}${e.text ? ` — ${esc(e.text)}` : ''} <small>${who}</small>` });
          break;
        case 'rerouted':
          out.push({ stage: String(e.from ?? st), at: h.at, kind: 'info', html: `${esc(tr('rerouted'))}: ${esc(e.to)} <small>${who}</small>` });
          break;
        case 'sent_to_triage':
          out.push({ stage: String(e.from ?? st), at: h.at, kind: 'info', html: `${esc(tr('triage'))} <small>${who}</small>` });
          break;
        case 'branch_cancelled':
          out.push({ stage: st, at: h.at, kind: 'info', html: `${esc(tr('cancelled'))} <small>${who}</small>` });
          break;
        default:
      }
    }
  }
  return out;
}

/** The timeline as HTML. */
export function timelineHtml(
  card: { timeline?: Visit[]; history?: HistoryEntry[]; submitted_at?: string | null; status: string; closed_at?: string | null; refusal?: { reason?: string | null; text?: string | null } },
  stages: StageDef[],
  lang: Lang,
  fieldLabel: (f: string) => string,
): string {
  const visits = card.timeline ?? [];
  if (!visits.length) return `<p class="hint" data-testid="tl-empty">${esc(tr('empty'))}</p>`;
  const def = new Map(stages.map((s) => [s.id, s]));
  const title = (v: Visit) => v.title ?? (def.get(v.stage)?.title ? textOf(def.get(v.stage)!.title, lang) : v.stage);
  // Each note goes to the latest visit of its stage entered before it.
  const notes = notesOf(card.history ?? [], card.refusal, fieldLabel);
  const byVisit = new Map<number, Note[]>();
  const loose: Note[] = [];
  for (const n of notes) {
    let idx = -1;
    visits.forEach((v, i) => { if (v.stage === n.stage && Date.parse(v.entered_at) <= Date.parse(n.at) + 1000) idx = i; });
    if (idx < 0) { loose.push(n); continue; }
    if (!byVisit.has(idx)) byVisit.set(idx, []);
    byVisit.get(idx)!.push(n);
  }
  const box = (v: Visit, i: number) => {
    const planned = def.get(v.stage)?.days;
    const open = !v.left_at;
    const late = planned != null && v.working_days > planned;
    const share = planned ? Math.min(100, (v.working_days / planned) * 100) : 0;
    const ns = byVisit.get(i) ?? [];
    return `<div class="tl-box${open ? ' open' : ''}${late ? ' late' : ''}" data-testid="tl-stage" data-stage="${esc(v.stage)}" data-branch="${v.branch ?? ''}" data-days="${v.working_days}" data-open="${open}">
      <div class="tl-title">${esc(title(v))}</div>
      <div class="tl-meta">${esc(v.executor ?? tr('inPool'))}</div>
      <div class="tl-meta"><time>${esc(fmtDate(v.entered_at))}</time> → <time>${open ? esc(tr('now')) : esc(fmtDate(v.left_at))}</time></div>
      <div class="tl-bar" role="img" aria-label="${v.working_days} ${esc(tr('days'))}"><span style="width:${planned ? share.toFixed(1) : 100}%"></span></div>
      <div class="tl-days" data-testid="tl-days">${v.working_days}${planned != null ? ` ${esc(tr('of'))} ${planned}` : ''} ${esc(tr('days'))}</div>
      ${ns.length ? `<ul class="tl-notes">${ns.map((n) => `<li class="n-${n.kind}" data-testid="tl-note" data-kind="${n.kind}">${n.html}</li>`).join('')}</ul>` : ''}
    </div>`;
  };
  // Blocks: a sequential visit, or a run of branch visits (one parallel stage) drawn as lanes.
  type Block = { seq: number } | { lanes: Map<number, number[]> };
  const blocks: Block[] = [];
  visits.forEach((v, i) => {
    const last = blocks[blocks.length - 1];
    if (v.branch == null) blocks.push({ seq: i });
    else if (last && 'lanes' in last) {
      if (!last.lanes.has(v.branch)) last.lanes.set(v.branch, []);
      last.lanes.get(v.branch)!.push(i);
    } else blocks.push({ lanes: new Map([[v.branch, [i]]]) });
  });
  const parallelOf = (stage: string) => stages.find((s) => s.kind === 'parallel' && s.branches?.includes(stage));
  const body = blocks.map((b) => {
    if ('seq' in b) return `<div class="tl-step">${box(visits[b.seq], b.seq)}</div>`;
    const lanes = [...b.lanes.entries()].sort((x, y) => x[0] - y[0]);
    const p = parallelOf(visits[lanes[0][1][0]].stage);
    return `<div class="tl-step tl-parallel" data-testid="tl-parallel" data-lanes="${lanes.length}">
      <div class="tl-ptitle">⇉ ${esc(p?.title ? textOf(p.title, lang) : tr('parallel'))}</div>
      <div class="tl-lanes">${lanes.map(([n, idx]) => `<div class="tl-lane" data-testid="tl-lane" data-branch="${n}"><div class="tl-lname">${esc(tr('branch'))} ${n + 1}</div>${idx.map((i) => box(visits[i], i)).join('')}</div>`).join('')}</div>
    </div>`;
  }).join('');
  const end = card.status === 'approved' || card.status === 'refused' || card.status === 'withdrawn'
    ? `<div class="tl-step tl-end st-${esc(card.status)}" data-testid="tl-end">${esc(card.status === 'approved' ? tr('approved') : card.status === 'withdrawn' ? tr('withdrawn') : tr('refusedEnd'))}${card.status === 'refused' && card.refusal?.reason ? `: ${esc(card.refusal.reason)}` : ''} <small>${esc(fmtDate(card.closed_at))}</small></div>`
    : '';
  return `<div class="tl" data-testid="timeline">
    <div class="tl-step tl-start">${esc(tr('submitted'))} <small>${esc(fmtDate(card.submitted_at))}</small></div>
    ${body}${end}
    ${loose.length ? `<ul class="tl-notes loose">${loose.map((n) => `<li class="n-${n.kind}" data-testid="tl-note" data-kind="${n.kind}">${n.html}</li>`).join('')}</ul>` : ''}
  </div>`;
}
