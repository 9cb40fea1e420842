// Word tables of the applications screens: each screen keeps its own table of [kk, ru, en]
// (Kazakh Latin is transliterated from the Kazakh), so no key can lack a language: the type
// demands all three. `words(table)` gives the screen its `tr(key)` in the current language.
import { type Lang, kkLatinOf } from './lang';
import { currentLang } from './api';

export type Table = Record<string, readonly [string, string, string]>;

/** `key` of `table` in `lang`. */
export function word<T extends Table>(table: T, key: keyof T, lang: Lang): string {
  const [kk, ru, en] = table[key];
  return lang === 'kk' ? kk : lang === 'kk-Latn' ? kkLatinOf(kk) : lang === 'ru' ? ru : en;
}

/** A screen's translator in the current language. */
export function words<T extends Table>(table: T): (key: keyof T) => string {
  return (key) => word(table, key, currentLang());
}

/** Escapes text for HTML. */
export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
