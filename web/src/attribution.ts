// Attributions in the interface language. A style names, in `metadata["qala:attribution"]`, the
// attribution of each of its sources in kk, ru and en (the source's own `attribution` is the text
// for clients that know nothing of this); base maps come from /api/web/config with theirs. Kazakh
// in the Latin alphabet is transliterated from the Kazakh text, like every other text.
import { type Lang, pick } from './i18n';

type Texts = { kk?: string; ru?: string; en?: string };

/** The part of a MapLibre style this module reads and changes. */
export interface StyleWithAttribution {
  metadata?: unknown;
  sources: Record<string, object>;
}

/** Sets the attribution of each source of `style` that has translations to the one in `lang`. */
export function localiseAttribution<S extends StyleWithAttribution>(style: S, lang: Lang): S {
  const meta = style.metadata as { 'qala:attribution'?: Record<string, Texts> } | undefined;
  for (const [id, texts] of Object.entries(meta?.['qala:attribution'] ?? {})) {
    const source = style.sources[id] as { attribution?: string } | undefined;
    const text = pick(texts, lang);
    if (source && text) source.attribution = text;
  }
  return style;
}

/** An attribution from the server: the same text in every language, or one per language. */
export function attributionText(a: string | Texts | undefined, lang: Lang): string {
  return typeof a === 'string' ? a : pick(a, lang);
}
