// Maintenance windows (`/app/maintenance`, ADM-2, issue 16), for system administrators: the windows
// announced (cancelled ones too), a form to announce one (start and end in Almaty time, the message
// in kk, ru and en; the server checks the three working days of notice, the eight hours and overlaps
// and its refusal is shown as it says it), and cancelling a window or ending the one under way.
import type { Ctx } from '../shell';
import * as api from '../api';
import { words, esc } from '../words';
import { almatyTime } from '../../maintenance';

const W = {
  title: ['Техникалық жұмыстар терезелері', 'Окна технических работ', 'Maintenance windows'],
  rules: [
    'Терезе кемінде үш жұмыс күні бұрын жарияланады және сегіз сағаттан аспайды. Терезе кезінде жүйе тек оқу үшін жұмыс істейді.',
    'Окно объявляется не менее чем за три рабочих дня и длится не более восьми часов. Во время окна система работает только на чтение.',
    'A window is announced at least three working days ahead and lasts at most eight hours. During one the system is read-only.',
  ],
  earliest: ['Ең ерте басталуы', 'Самое раннее начало', 'Earliest start'],
  announce: ['Жариялау', 'Объявить', 'Announce'],
  start: ['Басталуы (Алматы уақыты)', 'Начало (время Алматы)', 'Start (Almaty time)'],
  end: ['Аяқталуы (Алматы уақыты)', 'Окончание (время Алматы)', 'End (Almaty time)'],
  msgKk: ['Хабарлама, қазақша', 'Сообщение на казахском', 'Message in Kazakh'],
  msgRu: ['Хабарлама, орысша', 'Сообщение на русском', 'Message in Russian'],
  msgEn: ['Хабарлама, ағылшынша', 'Сообщение на английском', 'Message in English'],
  when: ['Уақыты', 'Время', 'When'],
  message: ['Хабарлама', 'Сообщение', 'Message'],
  state: ['Күйі', 'Состояние', 'State'],
  by: ['Жариялаған', 'Объявил', 'Announced by'],
  none: ['Терезелер жоқ', 'Окон нет', 'No windows'],
  cancel: ['Болдырмау', 'Отменить', 'Cancel'],
  endNow: ['Қазір аяқтау', 'Завершить сейчас', 'End now'],
  s_current: ['Жүріп жатыр', 'Идёт', 'Under way'],
  s_upcoming: ['Алда', 'Предстоит', 'Upcoming'],
  s_past: ['Өтті', 'Прошло', 'Past'],
  s_cancelled: ['Болдырылмады', 'Отменено', 'Cancelled'],
  announced: ['Терезе жарияланды', 'Окно объявлено', 'The window is announced'],
  cancelled: ['Терезе болдырылмады', 'Окно отменено', 'The window is cancelled'],
} as const;

interface Row {
  id: number;
  starts_at: string;
  ends_at: string;
  message: { kk: string; ru: string; en: string };
  announced_by: string;
  cancelled_at: string | null;
  cancelled_by: string | null;
}

interface List { now: string; earliest_start: string; windows: Row[] }

/** A `datetime-local` value (Almaty time) as an ISO instant. */
function fromAlmaty(local: string): string {
  return new Date(`${local}:00+05:00`).toISOString();
}

/** An instant as a `datetime-local` value in Almaty time. */
function toAlmaty(iso: string): string {
  return new Date(new Date(iso).getTime() + 5 * 3600_000).toISOString().slice(0, 16);
}

function stateOf(r: Row, now: string): 's_current' | 's_upcoming' | 's_past' | 's_cancelled' {
  if (r.cancelled_at) return 's_cancelled';
  if (r.ends_at <= now) return 's_past';
  return r.starts_at <= now ? 's_current' : 's_upcoming';
}

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void> {
  await ctx.requireLogin(root);
  const tr = words(W);
  const lang = api.currentLang().startsWith('kk') ? 'kk' : api.currentLang() === 'en' ? 'en' : 'ru';
  const list = await api.get<List>('/api/admin/maintenance');
  const now = list.now;
  const rows = list.windows.map((r) => {
    const st = stateOf(r, now);
    const action = st === 's_current' ? 'endNow' : st === 's_upcoming' ? 'cancel' : null;
    return `<tr data-testid="window-${r.id}" data-state="${st}">
      <td>${esc(almatyTime(r.starts_at))} – ${esc(almatyTime(r.ends_at))}</td>
      <td>${esc(r.message[lang])}</td><td>${esc(tr(st))}</td><td>${esc(r.announced_by)}</td>
      <td>${action ? `<button type="button" data-cancel="${r.id}" data-testid="cancel-${r.id}">${esc(tr(action))}</button>` : ''}</td></tr>`;
  }).join('');
  const start = toAlmaty(list.earliest_start);
  const end = toAlmaty(new Date(new Date(list.earliest_start).getTime() + 2 * 3600_000).toISOString());
  root.innerHTML = `<h1>${esc(tr('title'))}</h1>
    <p>${esc(tr('rules'))}</p>
    <p>${esc(tr('earliest'))}: <strong data-testid="earliest">${esc(almatyTime(list.earliest_start))}</strong></p>
    <table class="table"><thead><tr><th>${esc(tr('when'))}</th><th>${esc(tr('message'))}</th><th>${esc(tr('state'))}</th><th>${esc(tr('by'))}</th><th></th></tr></thead>
    <tbody>${rows || `<tr><td colspan="5">${esc(tr('none'))}</td></tr>`}</tbody></table>
    <h2>${esc(tr('announce'))}</h2>
    <form data-testid="announce" class="form">
      <label>${esc(tr('start'))} <input type="datetime-local" name="start" required value="${esc(start)}"></label>
      <label>${esc(tr('end'))} <input type="datetime-local" name="end" required value="${esc(end)}"></label>
      <label>${esc(tr('msgKk'))} <textarea name="kk" required maxlength="1000"></textarea></label>
      <label>${esc(tr('msgRu'))} <textarea name="ru" required maxlength="1000"></textarea></label>
      <label>${esc(tr('msgEn'))} <textarea name="en" required maxlength="1000"></textarea></label>
      <p class="error" role="alert" data-testid="refusal" hidden></p>
      <button type="submit">${esc(tr('announce'))}</button>
    </form>`;
  const form = root.querySelector<HTMLFormElement>('form')!;
  const refusal = root.querySelector<HTMLElement>('[data-testid="refusal"]')!;
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const body = {
      starts_at: fromAlmaty(String(f.get('start'))),
      ends_at: fromAlmaty(String(f.get('end'))),
      message: { kk: String(f.get('kk')), ru: String(f.get('ru')), en: String(f.get('en')) },
    };
    try {
      await api.json('POST', '/api/admin/maintenance', body);
      ctx.notify(tr('announced'));
      ctx.navigate('/app/maintenance', true);
    } catch (e) {
      refusal.textContent = (e as api.ApiFailure).message;
      refusal.hidden = false;
    }
  };
  root.querySelectorAll<HTMLButtonElement>('[data-cancel]').forEach((b) => {
    b.onclick = async () => {
      try {
        await api.json('DELETE', `/api/admin/maintenance/${b.dataset.cancel}`);
        ctx.notify(tr('cancelled'));
        ctx.navigate('/app/maintenance', true);
      } catch (e) {
        ctx.notify((e as api.ApiFailure).message, 'error');
      }
    };
  });
}
