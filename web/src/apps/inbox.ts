// In-app notifications: what changed on my applications and in my queue, with a counter in the
// header. Asked of `/api/me/notifications` at start, every 30 s while the page is visible, and
// when the list is opened; opening it marks what it shows as read.
import * as api from './api';
import { words, esc } from './words';
import { textOf } from './lang';

const W = {
  inbox: ['Хабарламалар', 'Уведомления', 'Notifications'],
  empty: ['Жаңа хабарлама жоқ', 'Новых уведомлений нет', 'No notifications'],
  unread: ['оқылмаған', 'непрочитанных', 'unread'],
} as const;
const tr = words(W);

interface Item { id: number; application_id: number | null; number: string | null; event: string; text: unknown; at: string; read: boolean; link: string | null }
interface Inbox { unread: number; items: Item[] }

let unread = 0;
/** A bell drawn as SVG (an emoji needs a font the phone may lack). */
const BELL = '<svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="currentColor" style="vertical-align:-4px"><path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5-6.7V3.5a2 2 0 0 0-4 0v.8A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"/></svg>';
let timer: number | undefined;
let rerender: () => void = () => {};

/** The header's button with the counter (only for a signed-in user). */
export function bell(): string {
  return `<span class="inbox"><button type="button" data-action="inbox" data-testid="inbox" aria-haspopup="true" aria-label="${esc(tr('inbox'))}: ${unread} ${esc(tr('unread'))}" title="${esc(tr('inbox'))}">${BELL}<span class="count" data-testid="inbox-count"${unread ? '' : ' hidden'}>${unread}</span></button><div class="inbox-list" data-testid="inbox-list" hidden></div></span>`;
}

async function poll() {
  if (!api.currentUser() || document.hidden) return;
  try {
    const r = await api.get<Inbox>('/api/me/notifications?limit=1');
    if (r.unread !== unread) { unread = r.unread; rerender(); }
  } catch { /* shown on the next poll */ }
}

async function open(box: HTMLElement) {
  const r = await api.get<Inbox>('/api/me/notifications?limit=30');
  const lang = api.currentLang();
  box.innerHTML = r.items.length
    ? `<ul>${r.items.map((i) => `<li class="${i.read ? '' : 'new'}" data-testid="inbox-item"><a href="${esc(i.link ?? '#')}">${esc(textOf(i.text, lang))}</a><time datetime="${esc(i.at)}">${esc(new Date(i.at).toLocaleString(lang === 'kk-Latn' ? 'kk' : lang))}</time></li>`).join('')}</ul>`
    : `<p>${esc(tr('empty'))}</p>`;
  box.hidden = false;
  const newest = r.items.filter((i) => !i.read).map((i) => i.id);
  if (newest.length) {
    await api.json('POST', '/api/me/notifications/read', { up_to: Math.max(...newest) }).catch(() => undefined);
    unread = 0;
    const c = document.querySelector<HTMLElement>('[data-testid=inbox-count]');
    if (c) c.hidden = true;
  }
}

document.addEventListener('click', (ev) => {
  const t = ev.target as HTMLElement;
  const box = document.querySelector<HTMLElement>('[data-testid=inbox-list]');
  if (!box) return;
  if (t.closest('[data-action=inbox]')) {
    if (box.hidden) void open(box).catch((e) => { box.textContent = (e as Error).message; box.hidden = false; });
    else box.hidden = true;
  } else if (!t.closest('.inbox-list') || t.closest('a')) {
    box.hidden = true;
  }
});

/** Starts (or stops, when signed out) asking for the counter; `render` redraws the header. */
export function restart(render: () => void) {
  rerender = render;
  if (timer) window.clearInterval(timer);
  timer = undefined;
  unread = 0;
  if (!api.currentUser()) return;
  void poll();
  timer = window.setInterval(() => void poll(), 30_000);
}

/** Asks for the counter now (after an action of the user's). */
export const refresh = () => void poll();
