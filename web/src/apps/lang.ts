// Languages of the applications screens: the web map's (kk, kk-Latn, ru, en), the stored choice,
// and server texts ({kk, ru, en}) in the current one.
import { type Lang, LANGS, LANG_NAMES, pick, serverLang, storedLang } from '../i18n';
import { kkLatin } from '../translit';

export { type Lang, LANGS, LANG_NAMES, pick, serverLang, storedLang };
export const kkLatinOf = kkLatin;

export function storeLang(l: Lang) {
  try { localStorage.setItem('qala.lang', l); } catch { /* storage may be off */ }
}

/** A text the server gave in the language asked for (already one string) or as {kk, ru, en}. */
export function textOf(v: unknown, lang: Lang): string {
  if (v == null) return '';
  if (typeof v === 'string') return lang === 'kk-Latn' ? kkLatin(v) : v;
  return pick(v as { kk?: string; ru?: string; en?: string }, lang);
}
