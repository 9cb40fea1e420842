// Security incidents (`/app/incidents`, SEC-1, issue 16), for security admins and admins: the
// incidents the journal raised (filter by state), each with its rule, subject, severity and the
// journal events behind it, and buttons to acknowledge or close it with a comment.
import type { Ctx } from '../shell';
import * as api from '../api';
import { words, esc } from '../words';
import { almatyTime } from '../../maintenance';

const W = {
  title: ['Қауіпсіздік оқиғалары', 'Инциденты безопасности', 'Security incidents'],
  state: ['Күйі', 'Состояние', 'State'],
  all: ['Барлығы', 'Все', 'All'],
  open: ['Ашық', 'Открыт', 'Open'],
  acknowledged: ['Қабылданды', 'Принят', 'Acknowledged'],
  closed: ['Жабық', 'Закрыт', 'Closed'],
  raised: ['Тіркелді', 'Зарегистрирован', 'Raised'],
  rule: ['Ереже', 'Правило', 'Rule'],
  subject: ['Нысан', 'Объект', 'Subject'],
  severity: ['Маңыздылығы', 'Важность', 'Severity'],
  low: ['төмен', 'низкая', 'low'],
  medium: ['орташа', 'средняя', 'medium'],
  high: ['жоғары', 'высокая', 'high'],
  evidence: ['Дәлелдер (журнал)', 'Доказательства (журнал)', 'Evidence (journal)'],
  when: ['Уақыты', 'Время', 'When'],
  kind: ['Түрі', 'Тип', 'Kind'],
  actor: ['Кім', 'Кто', 'Who'],
  address: ['Мекенжай', 'Адрес', 'Address'],
  target: ['Нысана', 'Цель', 'Target'],
  outcome: ['Нәтиже', 'Результат', 'Outcome'],
  comment: ['Түсініктеме', 'Комментарий', 'Comment'],
  acknowledge: ['Қабылдау', 'Принять', 'Acknowledge'],
  close: ['Жабу', 'Закрыть', 'Close'],
  lastAction: ['Соңғы әрекет', 'Последнее действие', 'Last action'],
  none: ['Оқиғалар жоқ', 'Инцидентов нет', 'No incidents'],
  done: ['Сақталды', 'Сохранено', 'Saved'],
  password_guessing: ['Құпиясөзді таңдау', 'Подбор паролей', 'Password guessing'],
  repeated_refusals: ['Қайталанған бас тартулар', 'Повторные отказы', 'Repeated refusals'],
  new_address: ['Кілт жаңа мекенжайдан', 'Ключ с нового адреса', 'Credential from a new address'],
  admin_rights: ['Әкімші құқықтары өзгерді', 'Изменены права администратора', 'Admin rights changed'],
  mass_export: ['Жаппай экспорт', 'Массовая выгрузка', 'Mass export'],
} as const;

type Tr = (key: keyof typeof W) => string;

interface Event { id: number; at: string; kind: string; actor: string | null; ip: string | null; target: string | null; outcome: string }
interface Incident {
  id: number; rule: string; subject: string; severity: string; state: string; raised_at: string;
  acted_by: string | null; acted_at: string | null; comment: string | null; events: Event[];
}

const known = (k: string): k is keyof typeof W => k in W;
const label = (tr: Tr, k: string) => (known(k) ? tr(k) : k);

function evidence(tr: Tr, events: Event[]): string {
  const rows = events.map((e) => `<tr><td>${esc(almatyTime(e.at))}</td><td>${esc(e.kind)}</td><td>${esc(e.actor)}</td>
    <td>${esc(e.ip)}</td><td>${esc(e.target)}</td><td>${esc(e.outcome)}</td></tr>`).join('');
  return `<details><summary>${esc(tr('evidence'))} (${events.length})</summary>
    <table class="table"><thead><tr><th>${esc(tr('when'))}</th><th>${esc(tr('kind'))}</th><th>${esc(tr('actor'))}</th>
    <th>${esc(tr('address'))}</th><th>${esc(tr('target'))}</th><th>${esc(tr('outcome'))}</th></tr></thead>
    <tbody>${rows}</tbody></table></details>`;
}

function card(tr: Tr, i: Incident): string {
  const actions = i.state === 'closed' ? '' : `<form class="form" data-act="${i.id}">
      <label>${esc(tr('comment'))} <input name="comment" maxlength="2000" data-testid="comment-${i.id}"></label>
      ${i.state === 'open' ? `<button type="submit" value="acknowledge" data-testid="ack-${i.id}">${esc(tr('acknowledge'))}</button>` : ''}
      <button type="submit" value="close" data-testid="close-${i.id}">${esc(tr('close'))}</button></form>`;
  const last = i.acted_by ? `<p>${esc(tr('lastAction'))}: ${esc(i.acted_by)}, ${esc(almatyTime(i.acted_at ?? ''))}${i.comment ? ` — ${esc(i.comment)}` : ''}</p>` : '';
  return `<article class="card" data-testid="incident-${i.id}" data-state="${esc(i.state)}" data-rule="${esc(i.rule)}">
    <h2>${esc(label(tr, i.rule))} <small>#${i.id}</small></h2>
    <dl><dt>${esc(tr('subject'))}</dt><dd>${esc(i.subject)}</dd>
      <dt>${esc(tr('severity'))}</dt><dd data-severity="${esc(i.severity)}">${esc(label(tr, i.severity))}</dd>
      <dt>${esc(tr('state'))}</dt><dd>${esc(label(tr, i.state))}</dd>
      <dt>${esc(tr('raised'))}</dt><dd>${esc(almatyTime(i.raised_at))}</dd></dl>
    ${last}${evidence(tr, i.events)}${actions}</article>`;
}

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void> {
  await ctx.requireLogin(root);
  const tr = words(W);
  const state = ctx.route.query.get('state') ?? 'open';
  const q = ['open', 'acknowledged', 'closed'].includes(state) ? `?state=${state}` : '';
  const list = await api.get<Incident[]>(`/api/admin/incidents${q}`);
  const options = ['open', 'acknowledged', 'closed', 'all'] as const;
  root.innerHTML = `<h1>${esc(tr('title'))}</h1>
    <label>${esc(tr('state'))} <select data-testid="incident-state">${options.map((o) =>
      `<option value="${o}"${o === state || (o === 'all' && !q) ? ' selected' : ''}>${esc(tr(o))}</option>`).join('')}</select></label>
    <div data-testid="incidents">${list.map((i) => card(tr, i)).join('') || `<p>${esc(tr('none'))}</p>`}</div>`;
  root.querySelector<HTMLSelectElement>('[data-testid="incident-state"]')!.onchange = (ev) => {
    ctx.navigate(`/app/incidents?state=${(ev.target as HTMLSelectElement).value}`, true);
  };
  root.querySelectorAll<HTMLFormElement>('form[data-act]').forEach((form) => {
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const action = (ev.submitter as HTMLButtonElement | null)?.value ?? 'acknowledge';
      const comment = String(new FormData(form).get('comment') ?? '');
      try {
        await api.json('POST', `/api/admin/incidents/${form.dataset.act}`, { action, comment });
        ctx.notify(tr('done'));
        ctx.navigate(`/app/incidents?state=${state}`, true);
      } catch (e) {
        ctx.notify((e as api.ApiFailure).message, 'error');
      }
    };
  });
}
