// Kazakh Cyrillic -> Kazakh Latin (2021 alphabet). The same table as `qala_kk_latin` in
// migrations/0005_kk_latin.sql, which transliterates map labels.
const ONE: Record<string, string> = {
  А: 'A', а: 'a', Ә: 'Ä', ә: 'ä', Б: 'B', б: 'b', В: 'V', в: 'v', Г: 'G', г: 'g', Ғ: 'Ğ', ғ: 'ğ',
  Д: 'D', д: 'd', Е: 'E', е: 'e', Ж: 'J', ж: 'j', З: 'Z', з: 'z', И: 'İ', и: 'i', Й: 'İ', й: 'i',
  К: 'K', к: 'k', Қ: 'Q', қ: 'q', Л: 'L', л: 'l', М: 'M', м: 'm', Н: 'N', н: 'n', Ң: 'Ñ', ң: 'ñ',
  О: 'O', о: 'o', Ө: 'Ö', ө: 'ö', П: 'P', п: 'p', Р: 'R', р: 'r', С: 'S', с: 's', Т: 'T', т: 't',
  У: 'U', у: 'u', Ұ: 'Ū', ұ: 'ū', Ү: 'Ü', ү: 'ü', Ф: 'F', ф: 'f', Х: 'H', х: 'h', Һ: 'H', һ: 'h',
  Ч: 'Ç', ч: 'ç', Ш: 'Ş', ш: 'ş', Ы: 'Y', ы: 'y', І: 'I', і: 'ı', Э: 'E', э: 'e', Ь: '', ь: '',
  Ъ: '', ъ: '', Щ: 'Şş', щ: 'şş', Ц: 'Ts', ц: 'ts', Ё: 'Io', ё: 'io', Ю: 'Iu', ю: 'iu', Я: 'Ia', я: 'ia',
};

/** Transliterates Kazakh Cyrillic text into the 2021 Latin alphabet; other characters are kept. */
export function kkLatin(text: string): string {
  let out = '';
  for (const ch of text) out += ch in ONE ? ONE[ch] : ch;
  return out;
}
