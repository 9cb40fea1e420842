// Interface texts in Kazakh, Russian and English; Kazakh Latin is transliterated from Kazakh.
import { kkLatin } from './translit';

export type Lang = 'kk' | 'kk-Latn' | 'ru' | 'en';
export const LANGS: Lang[] = ['kk', 'kk-Latn', 'ru', 'en'];
export const LANG_NAMES: Record<Lang, string> = { kk: 'Қазақша', 'kk-Latn': 'Qazaqşa', ru: 'Русский', en: 'English' };

const T = {
  layers: ['Қабаттар', 'Слои', 'Layers'],
  basemap: ['Негізгі карта', 'Базовая карта', 'Base map'],
  overlay: ['Қосымша негіз', 'Второй слой основы', 'Blend with'],
  none: ['жоқ', 'нет', 'none'],
  opacity: ['Мөлдірлік', 'Прозрачность', 'Opacity'],
  search: ['Мекенжай немесе атау', 'Адрес или название', 'Address or place name'],
  kato: ['ӘАОЖ бойынша', 'По КАТО', 'By KATO'],
  measure: ['Өлшеу', 'Измерить', 'Measure'],
  measureHint: ['Нүктелерді басыңыз; Enter аяқтайды, Esc болдырмайды', 'Щёлкайте точки; Enter — готово, Esc — отмена', 'Click points; Enter finishes, Esc cancels'],
  length: ['Ұзындығы', 'Длина', 'Length'],
  area: ['Ауданы', 'Площадь', 'Area'],
  perimeter: ['Периметрі', 'Периметр', 'Perimeter'],
  threeD: ['3D', '3D', '3D'],
  fullscreen: ['Толық экран', 'Во весь экран', 'Full screen'],
  language: ['Тіл', 'Язык', 'Language'],
  menu: ['Мәзір', 'Меню', 'Menu'],
  close: ['Жабу', 'Закрыть', 'Close'],
  unavailable: ['Қызмет қолжетімсіз', 'Сервис недоступен', 'Service unavailable'],
  notFound: ['Ештеңе табылмады', 'Ничего не найдено', 'Nothing found'],
  m: ['м', 'м', 'm'], km: ['км', 'км', 'km'], cm: ['см', 'см', 'cm'], ha: ['га', 'га', 'ha'],
  district: ['Аудан', 'Район', 'District'],
  link: ['Көріністің сілтемесі', 'Ссылка на вид', 'Link to this view'],
} as const;

export type Key = keyof typeof T;

export function t(key: Key, lang: Lang): string {
  const [kk, ru, en] = T[key];
  return lang === 'kk' ? kk : lang === 'kk-Latn' ? kkLatin(kk) : lang === 'ru' ? ru : en;
}

/** A server text {kk, ru, en} in `lang`. */
export function pick(texts: { kk?: string; ru?: string; en?: string } | undefined, lang: Lang): string {
  if (!texts) return '';
  if (lang === 'kk-Latn') return kkLatin(texts.kk ?? texts.ru ?? texts.en ?? '');
  return texts[lang] ?? texts.ru ?? texts.en ?? '';
}

export function serverLang(lang: Lang): 'kk' | 'ru' | 'en' {
  return lang === 'kk-Latn' ? 'kk' : lang;
}
