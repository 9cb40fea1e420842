// What the monitoring table and the card share: the words of statuses and times, dates in
// Almaty time, the time left or spent of an application, and look-ups (services, districts)
// fetched once per language and kept for the session.
import * as api from '../api';
import { words } from '../words';
import { textOf, type Lang } from '../lang';

export const STATUSES = ['in_progress', 'returned', 'approved', 'refused', 'withdrawn'] as const;

export const CW = {
  st_draft: ['Жоба', 'Черновик', 'Draft'],
  st_in_progress: ['Қаралуда', 'В работе', 'In progress'],
  st_returned: ['Түзетуге қайтарылды', 'Возвращена на доработку', 'Returned for corrections'],
  st_approved: ['Мақұлданды', 'Одобрена', 'Approved'],
  st_refused: ['Бас тартылды', 'Отказано', 'Refused'],
  st_withdrawn: ['Кері қайтарып алынды', 'Отозвана', 'Withdrawn'],
  d: ['күн', 'дн.', 'd'],
  h: ['сағ', 'ч', 'h'],
  m: ['мин', 'мин', 'min'],
  left: ['қалды', 'осталось', 'left'],
  overdueBy: ['мерзімі өтті', 'просрочено на', 'overdue by'],
  took: ['жұмсалды', 'затрачено', 'took'],
  inTime: ['мерзімінде', 'в срок', 'in time'],
  late: ['мерзімінен кеш', 'с опозданием', 'late'],
  noDue: ['мерзімі жоқ', 'без срока', 'no term'],
} as const;
const cw = words(CW);

export function statusText(s: string): string {
  const k = `st_${s}` as keyof typeof CW;
  return k in CW ? cw(k) : s;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A date (and time) in Almaty time, numeric (the same in every language). */
export function fmtDate(iso: string | null | undefined, withTime = true): string {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  const a = new Date(t.getTime() + 5 * 3600_000); // Almaty, UTC+5
  const d = `${pad(a.getUTCDate())}.${pad(a.getUTCMonth() + 1)}.${a.getUTCFullYear()}`;
  return withTime ? `${d} ${pad(a.getUTCHours())}:${pad(a.getUTCMinutes())}` : d;
}

/** A deadline: the date alone when it is at midnight in Almaty (the end of the day before). */
export function fmtDue(iso: string | null | undefined): string {
  const full = fmtDate(iso);
  return full.endsWith(' 00:00') ? fmtDate(new Date(Date.parse(iso!) - 60_000).toISOString(), false) : full;
}

/** A duration in milliseconds as "3 d 4 h" (or "25 min" under an hour). */
export function fmtSpan(ms: number): string {
  const min = Math.max(0, Math.round(Math.abs(ms) / 60_000));
  const days = Math.floor(min / 1440), hours = Math.floor((min % 1440) / 60);
  if (days > 0) return `${days} ${cw('d')}${hours ? ` ${hours} ${cw('h')}` : ''}`;
  if (hours > 0) return `${hours} ${cw('h')}`;
  return `${min} ${cw('m')}`;
}

/** Time left (open), overdue (open past its term) or spent (closed), calendar time. */
export function timeOf(r: { status: string; submitted_at?: string | null; due_at?: string | null; closed_at?: string | null; overdue?: boolean }, now = Date.now()): { text: string; kind: 'left' | 'overdue' | 'spent' | 'late' | 'none' } {
  const due = r.due_at ? Date.parse(r.due_at) : NaN;
  if (r.closed_at) {
    const took = Date.parse(r.closed_at) - (r.submitted_at ? Date.parse(r.submitted_at) : Date.parse(r.closed_at));
    const late = !Number.isNaN(due) && Date.parse(r.closed_at) > due;
    return { text: `${cw('took')} ${fmtSpan(took)}, ${late ? cw('late') : cw('inTime')}`, kind: late ? 'late' : 'spent' };
  }
  if (Number.isNaN(due)) return { text: cw('noDue'), kind: 'none' };
  if (r.overdue || due < now) return { text: `${cw('overdueBy')} ${fmtSpan(now - due)}`, kind: 'overdue' };
  return { text: `${fmtSpan(due - now)} ${cw('left')}`, kind: 'left' };
}

export interface ServiceInfo { id: string; title: string; titles?: Record<string, string>; provider?: string; category?: string }
export interface District { code: string; name: string }

const cache = new Map<string, Promise<unknown>>();
function once<T>(key: string, f: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = f();
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** The services (id, title in `lang`, provider), once per language. */
export function services(lang: Lang): Promise<ServiceInfo[]> {
  return once(`services:${lang}`, async () => {
    const r = await api.get<{ services: ServiceInfo[] }>('/api/services');
    return r.services.map((s) => ({ ...s, title: s.titles ? textOf(s.titles, lang) : textOf(s.title, lang) }));
  });
}

/** The districts of Almaty as last fetched in `lang` (kept in the browser: names rarely change),
 *  so that the table's first page names them without waiting. */
export function cachedDistricts(lang: Lang): District[] | null {
  try {
    const v = JSON.parse(localStorage.getItem(`qala.districts.${lang}`) ?? 'null') as District[] | null;
    return Array.isArray(v) ? v : null;
  } catch { return null; }
}

/** The districts of Almaty (KATO children of the city), names in `lang`. */
export function districts(lang: Lang): Promise<District[]> {
  return once(`districts:${lang}`, async () => {
    const r = await api.get<{ children: Array<{ code: string; name_ru: string; name_kk?: string; name_en?: string }> }>('/api/kato/750000000');
    const list = r.children.map((c) => ({ code: c.code.trim(), name: textOf({ kk: c.name_kk ?? c.name_ru, ru: c.name_ru, en: c.name_en ?? c.name_ru }, lang) }));
    try { localStorage.setItem(`qala.districts.${lang}`, JSON.stringify(list)); } catch { /* storage may be off */ }
    return list;
  });
}

/** A service's definition (workflow, form), once per language. */
export function serviceDef(id: string): Promise<Record<string, unknown>> {
  return once(`service:${id}`, () => api.get<Record<string, unknown>>(`/api/services/${encodeURIComponent(id)}`));
}
