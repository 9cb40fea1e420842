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
  // Editing
  login: ['Кіру', 'Войти', 'Log in'],
  logout: ['Шығу', 'Выйти', 'Log out'],
  user: ['Пайдаланушы', 'Пользователь', 'User name'],
  password: ['Құпиясөз', 'Пароль', 'Password'],
  loginFailed: ['Пайдаланушы аты немесе құпиясөз қате', 'Неверное имя пользователя или пароль', 'Wrong user name or password'],
  loginLocked: ['Тіркелгі уақытша бұғатталды', 'Учётная запись временно заблокирована', 'The account is locked for a while'],
  minutes: ['мин', 'мин', 'min'],
  sessionExpired: ['Сеанс аяқталды, қайта кіріңіз', 'Сеанс истёк, войдите снова', 'The session has ended; log in again'],
  editLayer: ['Өңделетін қабат', 'Редактируемый слой', 'Edit layer'],
  drawPoint: ['Нүкте', 'Точка', 'Point'],
  drawLine: ['Сызық', 'Линия', 'Line'],
  drawPolygon: ['Көпбұрыш', 'Полигон', 'Polygon'],
  drawRectangle: ['Тіктөртбұрыш', 'Прямоугольник', 'Rectangle'],
  drawFinish: ['Аяқтау', 'Готово', 'Finish'],
  drawHint: ['Төбелерді басыңыз; қос басу немесе «Аяқтау» аяқтайды, Esc болдырмайды', 'Щёлкайте вершины; двойной щелчок или «Готово» завершает, Esc отменяет', 'Click the vertices; double-click or Finish ends, Esc cancels'],
  pointHint: ['Нүктенің орнын басыңыз; Esc болдырмайды', 'Щёлкните место точки; Esc отменяет', 'Click where the point goes; Esc cancels'],
  rectHint: ['Екі қарама-қарсы бұрышты басыңыз; Esc болдырмайды', 'Щёлкните два противоположных угла; Esc отменяет', 'Click two opposite corners; Esc cancels'],
  tooFewVertices: ['Төбелер жеткіліксіз', 'Недостаточно вершин', 'Not enough vertices'],
  newFeature: ['жаңа нысан', 'новый объект', 'new object'],
  edit: ['Өзгерту', 'Изменить', 'Edit'],
  editGeometry: ['Пішінін өзгерту', 'Изменить геометрию', 'Edit geometry'],
  dragHint: ['Төбелерді тышқанмен жылжытыңыз', 'Перетаскивайте вершины мышью', 'Drag the vertices with the mouse'],
  geometry: ['Геометрия', 'Геометрия', 'Geometry'],
  required: ['міндетті', 'обязательно', 'required'],
  save: ['Сақтау', 'Сохранить', 'Save'],
  saved: ['Сақталды', 'Сохранено', 'Saved'],
  cancel: ['Болдырмау', 'Отмена', 'Cancel'],
  delete: ['Жою', 'Удалить', 'Delete'],
  confirmDelete: ['Бұл нысанды жою керек пе?', 'Удалить этот объект?', 'Delete this object?'],
  deleted: ['Нысан жойылды', 'Объект удалён', 'Object deleted'],
  conflict: ['Нысанды басқа біреу өзгертті; соңғы нұсқасы жүктелді', 'Объект изменён кем-то другим; загружена последняя версия', 'Someone else changed this object; the latest version is loaded'],
  history: ['Тарихы', 'История', 'History'],
  version: ['Нұсқа', 'Версия', 'Version'],
  restore: ['Қалпына келтіру', 'Восстановить', 'Restore'],
  restored: ['Нұсқа қалпына келтірілді', 'Версия восстановлена', 'Version restored'],
  opInsert: ['құрылды', 'создан', 'created'],
  opUpdate: ['өзгертілді', 'изменён', 'changed'],
  opDelete: ['жойылды', 'удалён', 'deleted'],
  opRestore: ['қалпына келтірілді', 'восстановлен', 'restored'],
  attachments: ['Тіркемелер', 'Вложения', 'Attachments'],
  noAttachments: ['Тіркеме жоқ', 'Вложений нет', 'No attachments'],
  upload: ['Файл қосу', 'Добавить файл', 'Add a file'],
  tooLarge: ['Файл тым үлкен', 'Файл слишком большой', 'The file is too large'],
  // Printing and passports
  print: ['Басып шығару', 'Печать', 'Print'],
  printHeading: ['Картаны басып шығару', 'Печать карты', 'Print the map'],
  scale: ['Масштаб', 'Масштаб', 'Scale'],
  currentView: ['ағымдағы көрініс', 'текущий вид', 'current view'],
  paper: ['Қағаз', 'Бумага', 'Paper'],
  orientation: ['Бағдар', 'Ориентация', 'Orientation'],
  portrait: ['Кітап', 'Книжная', 'Portrait'],
  landscape: ['Альбом', 'Альбомная', 'Landscape'],
  crs: ['Координаттар жүйесі', 'Система координат', 'Coordinate system'],
  printLang: ['Карта тілі', 'Язык карты', 'Map language'],
  printTitle: ['Тақырып', 'Заголовок', 'Title'],
  printDefaultTitle: ['Алматы картасы', 'Карта Алматы', 'Map of Almaty'],
  printFrameHint: ['Жақтау картаның ортасында тұрады: оны жылжыту үшін картаны жылжытыңыз', 'Рамка в центре карты: чтобы сдвинуть её, двигайте карту', 'The frame stays in the middle of the visible map: move the map to move it'],
  printSubmit: ['PDF жасау', 'Сформировать PDF', 'Make the PDF'],
  printLoading: ['Баптаулар жүктелуде…', 'Загрузка параметров…', 'Loading the options…'],
  printPreparing: ['Дайындалуда…', 'Готовится…', 'Preparing…'],
  printDone: ['Дайын, құжат нөмірі', 'Готово, номер документа', 'Done, document number'],
  mm: ['мм', 'мм', 'mm'],
  passport: ['Паспорт (PDF)', 'Паспорт (PDF)', 'Passport (PDF)'],
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

/** The language stored by the interface (the map and the applications screens share it), else
 *  the browser's. */
export function storedLang(): Lang {
  try {
    const l = localStorage.getItem('qala.lang') as Lang | null;
    if (l && LANGS.includes(l)) return l;
  } catch { /* storage may be off */ }
  const nav = (navigator.language || 'ru').toLowerCase();
  return nav.startsWith('kk') ? 'kk' : nav.startsWith('en') ? 'en' : 'ru';
}
