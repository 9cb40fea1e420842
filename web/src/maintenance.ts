// The maintenance banner (ADM-2, issue 16) of the web map and the applications screens: a window
// to come (its date and time in Asia/Almaty, the administrators' message in the user's language)
// and, during one, "read-only now". It reads `GET /api/maintenance` (anyone may), again every
// minute, and follows the page's language (`<html lang>`), so both front ends only start it.
import { kkLatin } from './translit';

export interface MaintenanceWindow {
  id: number;
  starts_at: string;
  ends_at: string;
  current: boolean;
  message: { kk: string; ru: string; en: string };
}

type L3 = 'kk' | 'ru' | 'en';

const WORDS: Record<string, [string, string, string]> = {
  upcoming: ['Жоспарлы техникалық жұмыстар', 'Плановые технические работы', 'Scheduled maintenance'],
  now: [
    'Техникалық жұмыстар жүріп жатыр: жүйе тек оқу үшін',
    'Идут технические работы: система только для чтения',
    'Maintenance under way: the system is read-only',
  ],
  until: ['дейін', 'до', 'until'],
  almaty: ['Алматы уақыты', 'время Алматы', 'Almaty time'],
  close: ['Жабу', 'Закрыть', 'Close'],
};

function base(lang: string): L3 {
  const l = lang.toLowerCase();
  return l.startsWith('kk') || l.startsWith('kz') ? 'kk' : l.startsWith('en') ? 'en' : 'ru';
}

function word(key: string, lang: string): string {
  const w = WORDS[key][['kk', 'ru', 'en'].indexOf(base(lang))];
  return /latn/i.test(lang) ? kkLatin(w) : w;
}

/** An instant as `dd.mm.yyyy hh:mm` in Almaty (UTC+5, no summer time). */
export function almatyTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 5 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** The banner's text for a window in `lang` (`kk`, `kk-Latn`, `ru`, `en`). */
export function bannerText(w: MaintenanceWindow, lang: string): string {
  const msg = w.message[base(lang)];
  const text = /latn/i.test(lang) ? kkLatin(msg) : msg;
  const zone = word('almaty', lang);
  if (w.current) {
    return `${word('now', lang)} (${word('until', lang)} ${almatyTime(w.ends_at)}, ${zone}). ${text}`;
  }
  return `${word('upcoming', lang)}: ${almatyTime(w.starts_at)} – ${almatyTime(w.ends_at)} (${zone}). ${text}`;
}

let windows: MaintenanceWindow[] = [];
let dismissed = new Set<number>();

function render() {
  let el = document.getElementById('maintenance-banner');
  const lang = document.documentElement.lang || 'ru';
  const w = windows.find((x) => x.current) ?? windows.find((x) => !dismissed.has(x.id));
  if (!w) { el?.remove(); return; }
  if (!el) {
    el = document.createElement('div');
    el.id = 'maintenance-banner';
    el.setAttribute('role', 'status');
    el.dataset.testid = 'maintenance-banner';
    el.style.cssText = 'position:fixed;top:0;left:50%;transform:translateX(-50%);z-index:10000;max-width:min(720px,96vw);'
      + 'padding:6px 12px;border-radius:0 0 6px 6px;font:14px/1.35 system-ui,sans-serif;box-shadow:0 2px 6px rgba(0,0,0,.25);'
      + 'display:flex;gap:8px;align-items:flex-start';
    document.body.appendChild(el);
  }
  el.dataset.state = w.current ? 'read-only' : 'upcoming';
  el.style.background = w.current ? '#b3261e' : '#fff4c2';
  el.style.color = w.current ? '#fff' : '#3b2f00';
  const span = document.createElement('span');
  span.textContent = bannerText(w, lang);
  el.replaceChildren(span);
  if (!w.current) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = '×';
    b.title = word('close', lang);
    b.setAttribute('aria-label', word('close', lang));
    b.style.cssText = 'border:0;background:none;font-size:16px;cursor:pointer;color:inherit';
    b.onclick = () => { dismissed.add(w.id); render(); };
    el.appendChild(b);
  }
}

async function load() {
  try {
    const r = await fetch('/api/maintenance', { headers: { 'X-Requested-With': 'qala' } });
    if (!r.ok) return;
    const body = (await r.json()) as { windows: MaintenanceWindow[] };
    windows = body.windows ?? [];
    render();
  } catch {
    // The banner is a notice: a failed read leaves the page as it is.
  }
}

let started = false;

/** Shows the banner now and keeps it current (every minute, and when the page's language changes). */
export function start(): void {
  if (started) return;
  started = true;
  dismissed = new Set();
  void load();
  setInterval(() => void load(), 60_000);
  new MutationObserver(render).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
}
