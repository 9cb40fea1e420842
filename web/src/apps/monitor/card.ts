// The card of an application in the monitoring section (`/app/monitor/{id}`): its fields, the
// current stages and terms, the form with the service's labels, the files, the stage timeline
// (timeline.ts: parallel branches as lanes) and the whole history.
import './monitor.css';
import type { Ctx } from '../shell';
import * as api from '../api';
import { words, esc } from '../words';
import { textOf } from '../lang';
import { statusText, fmtDate, fmtDue, timeOf, serviceDef } from './common';
import { timelineHtml, type Visit, type HistoryEntry } from './timeline';

const W = {
  back: ['← Мониторингке оралу', '← К мониторингу', '← Back to monitoring'],
  application: ['Өтінім', 'Заявка', 'Application'],
  service: ['Қызмет', 'Услуга', 'Service'],
  status: ['Мәртебесі', 'Статус', 'Status'],
  org: ['Ұйым', 'Организация', 'Organisation'],
  district: ['Аудан', 'Район', 'District'],
  applicant: ['Өтініш беруші', 'Заявитель', 'Applicant'],
  submitted: ['Берілген күні', 'Подана', 'Submitted'],
  due: ['Мерзімі', 'Срок', 'Due'],
  closed: ['Жабылған күні', 'Закрыта', 'Closed'],
  term: ['Мерзімі (жұмыс күні)', 'Срок (рабочих дней)', 'Term (working days)'],
  time: ['Уақыт', 'Время', 'Time'],
  current: ['Ағымдағы кезеңдер', 'Текущие этапы', 'Current stages'],
  executor: ['Орындаушы', 'Исполнитель', 'Executor'],
  inPool: ['ортақ кезекте', 'в общей очереди', 'in the common pool'],
  stageDue: ['кезең мерзімі', 'срок этапа', 'stage due'],
  form: ['Өтінім деректері', 'Данные заявки', 'Application data'],
  files: ['Құжаттар', 'Документы', 'Documents'],
  result: ['Нәтиже құжаты (PDF)', 'Документ результата (PDF)', 'Result document (PDF)'],
  timeline: ['Кезеңдер уақыт сызығы', 'Ход рассмотрения по этапам', 'Stage timeline'],
  history: ['Оқиғалар тарихы', 'История событий', 'History'],
  when: ['Уақыты', 'Когда', 'When'],
  who: ['Кім', 'Кто', 'Who'],
  action: ['Әрекет', 'Действие', 'Action'],
  events: ['Оқиғалар', 'События', 'Events'],
  open: ['Жұмыс орнында ашу', 'Открыть на рабочем месте', 'Open in the workstation'],
  yes: ['иә', 'да', 'yes'],
  no: ['жоқ', 'нет', 'no'],
  a_submit: ['Жіберу', 'Подача', 'Submit'],
  a_claim: ['Жұмысқа алу', 'Взята в работу', 'Claim'],
  a_release: ['Ортақ кезекке қайтару', 'Возвращена в очередь', 'Release'],
  a_assign: ['Орындаушы тағайындау', 'Назначение исполнителя', 'Assign'],
  a_save: ['Жібермей сақтау', 'Сохранение без отправки', 'Save'],
  a_comment: ['Түсініктеме', 'Комментарий', 'Comment'],
  a_return_for_corrections: ['Түзетуге қайтару', 'Возврат на доработку', 'Return for corrections'],
  a_resubmit: ['Қайта жіберу', 'Повторная подача', 'Resubmit'],
  a_return_to_previous: ['Алдыңғы кезеңге қайтару', 'Возврат на предыдущий этап', 'Return to the previous stage'],
  a_forward: ['Келесі кезеңге жіберу', 'Передача дальше', 'Forward'],
  a_approve: ['Мақұлдау', 'Одобрение', 'Approve'],
  a_refuse: ['Бас тарту', 'Отказ', 'Refuse'],
  a_not_competent: ['Құзыретке жатпайды', 'Не по компетенции', 'Not competent'],
  a_withdraw: ['Кері қайтарып алу', 'Отзыв', 'Withdraw'],
  e_submitted: ['Берілді', 'Подана', 'Submitted'],
  e_stage_entered: ['Кезеңге түсті', 'Поступила на этап', 'Entered a stage'],
  e_claimed: ['Жұмысқа алынды', 'Взята в работу', 'Claimed'],
  e_released: ['Кезекке қайтарылды', 'Возвращена в очередь', 'Released'],
  e_assigned: ['Тағайындалды', 'Назначена', 'Assigned'],
  e_saved: ['Сақталды', 'Сохранена', 'Saved'],
  e_commented: ['Түсініктеме', 'Комментарий', 'Comment'],
  e_returned_for_corrections: ['Түзетуге қайтарылды', 'Возвращена на доработку', 'Returned for corrections'],
  e_resubmitted: ['Қайта жіберілді', 'Подана повторно', 'Resubmitted'],
  e_returned_to_previous: ['Алдыңғы кезеңге қайтарылды', 'Возвращена на предыдущий этап', 'Returned to the previous stage'],
  e_moved: ['Келесі кезеңге өтті', 'Перешла дальше', 'Moved on'],
  e_branch_done: ['Тармақ аяқталды', 'Ветка завершена', 'Branch done'],
  e_joined: ['Тармақтар біріктірілді', 'Ветки сведены', 'Branches joined'],
  e_branch_cancelled: ['Тармақ тоқтатылды', 'Ветка остановлена', 'Branch stopped'],
  e_rerouted: ['Басқа ұйымға жіберілді', 'Перенаправлена', 'Rerouted'],
  e_sent_to_triage: ['Бағыттауға жіберілді', 'Отправлена на маршрутизацию', 'Sent to triage'],
  e_approved: ['Мақұлданды', 'Одобрена', 'Approved'],
  e_refused: ['Бас тартылды', 'Отказано', 'Refused'],
  e_withdrawn: ['Кері қайтарып алынды', 'Отозвана', 'Withdrawn'],
  notFound: ['Өтінім табылмады немесе оны көруге рұқсат жоқ', 'Заявка не найдена или нет доступа', 'No such application, or no access to it'],
} as const;
const tr = words(W);

type Text = Record<string, string>;
interface FormField { name: string; label?: Text; type?: string; values?: Array<{ value: unknown; label?: Text }>; unit?: string }
interface Card {
  id: number; number: string | null; service: { id: string; title: string }; status: string; org: string; district: string | null;
  stages: Array<{ stage: string; title?: string | null; executor?: string | null; term?: { due?: string; overdue?: boolean } | null; branch?: unknown }>;
  term?: { days?: number; due?: string; overdue?: boolean } | null;
  submitted_at: string | null; due_at: string | null; closed_at: string | null;
  form?: Record<string, unknown>; documents?: Record<string, Array<{ id: string; name: string; size: number }>>;
  overlay?: { district?: { name?: Text } } | null; applicant?: string;
  timeline?: Visit[]; history?: HistoryEntry[]; refusal?: { reason?: string | null; text?: string | null };
}

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void> {
  await ctx.requireLogin(root);
  const lang = api.currentLang();
  const id = Number(ctx.route.parts[1]);
  let card: Card;
  try {
    card = await api.get<Card>(`/api/applications/${encodeURIComponent(ctx.route.parts[1])}`);
  } catch (e) {
    const f = e as api.ApiFailure;
    if (f.status === 404 || f.status === 400) {
      root.innerHTML = `<section class="mon-card panel" data-testid="card-missing"><p><a href="/app/monitor">${esc(tr('back'))}</a></p><p class="error">${esc(tr('notFound'))}</p></section>`;
      return;
    }
    throw e;
  }
  const def = await serviceDef(card.service.id).catch(() => ({})) as { form?: FormField[]; workflow?: { stages?: Array<{ id: string; title?: Text; kind?: string; days?: number; branches?: string[] }> }; passport?: { documents?: Array<{ id: string; title?: Text }> } };
  const fields = new Map((def.form ?? []).map((f) => [f.name, f]));
  const fieldLabel = (n: string) => (fields.get(n)?.label ? textOf(fields.get(n)!.label, lang) : n);
  const value = (f: FormField | undefined, v: unknown) => {
    if (typeof v === 'boolean') return v ? tr('yes') : tr('no');
    const opt = f?.values?.find((o) => o.value === v);
    if (opt?.label) return textOf(opt.label, lang);
    if (v != null && typeof v === 'object') return JSON.stringify(v);
    return `${String(v ?? '')}${f?.unit ? ` ${f.unit}` : ''}`;
  };
  const docTitle = (d: string) => {
    const t = def.passport?.documents?.find((x) => x.id === d)?.title;
    return t ? textOf(t, lang) : d;
  };
  const t = timeOf({ ...card, overdue: !!card.term?.overdue });
  const district = card.overlay?.district?.name ? textOf(card.overlay.district.name, lang) : card.district ?? '';
  const dl = (k: keyof typeof W, v: string, testid = '') => `<div><dt>${esc(tr(k))}</dt><dd${testid ? ` data-testid="${testid}"` : ''}>${v}</dd></div>`;
  const form = Object.entries(card.form ?? {});
  const docs = Object.entries(card.documents ?? {}).flatMap(([d, list]) => list.map((f) => ({ d, f })));
  const stageTitle = (st: unknown) => {
    const t = def.workflow?.stages?.find((x) => x.id === st)?.title;
    return t ? textOf(t, lang) : String(st);
  };
  const known = (prefix: 'a_' | 'e_', k: string) => (`${prefix}${k}` in W ? tr(`${prefix}${k}` as keyof typeof W) : k);
  /** An event in words: its name, then what it concerns (stages by title, fields by label). */
  const evText = (e: Record<string, unknown>) => {
    const { event, verb: _verb, org: _org, branch: _branch, to_applicant: _ta, parallel: _p, ...rest } = e;
    const parts = Object.entries(rest).filter(([, v]) => v != null && v !== '' && !(Array.isArray(v) && !v.length)).map(([k, v]) => {
      if (k === 'stage' || k === 'from' || k === 'to') return k === 'to' ? `→ ${stageTitle(v)}` : stageTitle(v);
      if (k === 'fields' || k === 'changed') return (v as string[]).map(fieldLabel).join(', ');
      return Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
    return `${known('e_', String(event))}${parts.length ? `: ${parts.join(' · ').replace(' · →', ' →')}` : ''}`;
  };

  root.innerHTML = `<article class="mon-card" data-testid="mon-card" data-id="${card.id}" data-status="${esc(card.status)}">
    <p><a href="/app/monitor" data-testid="card-back">${esc(tr('back'))}</a>
      ${api.hasRole('reviewer', 'org_admin') && (card.status === 'in_progress' || card.status === 'returned') ? ` · <a href="/app/work/${card.id}">${esc(tr('open'))}</a>` : ''}</p>
    <h1>${esc(tr('application'))} <span data-testid="card-number">${esc(card.number ?? `#${id}`)}</span>
      <span class="badge st-${esc(card.status)}" data-testid="card-status">${esc(statusText(card.status))}</span>
      ${card.term?.overdue ? '<span class="badge overdue" data-testid="card-overdue">!</span>' : ''}</h1>
    <div class="panel">
      <dl class="mon-fields">
        ${dl('service', esc(card.service.title), 'card-service')}
        ${dl('org', esc(card.org))}
        ${dl('district', esc(district), 'card-district')}
        ${card.applicant ? dl('applicant', esc(card.applicant)) : ''}
        ${dl('submitted', esc(fmtDate(card.submitted_at)))}
        ${dl('due', esc(fmtDue(card.due_at)))}
        ${card.closed_at ? dl('closed', esc(fmtDate(card.closed_at))) : ''}
        ${card.term?.days != null ? dl('term', esc(card.term.days)) : ''}
        ${dl('time', `<span class="time t-${t.kind}">${esc(t.text)}</span>`, 'card-time')}
      </dl>
      ${card.stages.length ? `<h2>${esc(tr('current'))}</h2><ul class="mon-current" data-testid="card-stages">${card.stages.map((s) => `<li data-stage="${esc(s.stage)}"><b>${esc(s.title ?? s.stage)}</b> — ${esc(s.executor ?? tr('inPool'))}${s.term?.due ? `, ${esc(tr('stageDue'))} ${esc(fmtDue(s.term.due))}` : ''}${s.term?.overdue ? ' <span class="badge overdue">!</span>' : ''}</li>`).join('')}</ul>` : ''}
      ${card.status === 'approved' || card.status === 'refused' ? `<p><a href="/api/applications/${card.id}/document.pdf" target="_blank" rel="noopener" data-testid="card-result">${esc(tr('result'))}</a></p>` : ''}
    </div>
    <section class="panel"><h2>${esc(tr('timeline'))}</h2>${timelineHtml(card, def.workflow?.stages ?? [], lang, fieldLabel)}</section>
    ${form.length ? `<section class="panel"><h2>${esc(tr('form'))}</h2><dl class="mon-fields" data-testid="card-form">${form.map(([k, v]) => `<div><dt>${esc(fieldLabel(k))}</dt><dd>${esc(value(fields.get(k), v))}</dd></div>`).join('')}</dl></section>` : ''}
    ${docs.length ? `<section class="panel"><h2>${esc(tr('files'))}</h2><ul data-testid="card-files">${docs.map(({ d, f }) => `<li>${esc(docTitle(d))}: <a href="/api/applications/${card.id}/files/${esc(f.id)}" target="_blank" rel="noopener">${esc(f.name)}</a> <span class="hint">${Math.max(1, Math.round(f.size / 1024))} KB</span></li>`).join('')}</ul></section>` : ''}
    ${card.history?.length ? `<section class="panel"><h2>${esc(tr('history'))}</h2>
      <table class="responsive mon-history" data-testid="card-history"><thead><tr><th>${esc(tr('when'))}</th><th>${esc(tr('who'))}</th><th>${esc(tr('action'))}</th><th>${esc(tr('events'))}</th></tr></thead>
      <tbody>${card.history.map((h) => `<tr><td data-label="${esc(tr('when'))}">${esc(fmtDate(h.at))}</td><td data-label="${esc(tr('who'))}">${esc(h.actor)}</td><td data-label="${esc(tr('action'))}">${esc(known('a_', h.action))}</td><td data-label="${esc(tr('events'))}" class="ev">${h.events.map((e) => esc(evText(e))).join('<br>')}</td></tr>`).join('')}</tbody></table></section>` : ''}
  </article>`;
}
