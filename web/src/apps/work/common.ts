// What the workstation's modules share: its word table, the shapes of the API's answers it reads,
// times left, district names, and the dialog every action is confirmed in.
import * as api from '../api';
import { words, esc } from '../words';
import { textOf, type Lang } from '../lang';

export const W = {
  title: ['Орындаушының жұмыс орны', 'Рабочее место исполнителя', 'Reviewer\'s workstation'],
  queues: ['Кезектер', 'Очереди', 'Queues'],
  q_new: ['Жаңа', 'Новые', 'New'],
  q_pool: ['Ортақ кезек', 'Общая очередь', 'Common pool'],
  q_mine: ['Менікі', 'Мои', 'Mine'],
  q_in_review: ['Қаралуда', 'На рассмотрении', 'In review'],
  q_returned: ['Қайтарылған', 'Возвращённые', 'Returned'],
  q_done: ['Аяқталған', 'Завершённые', 'Done'],
  fallbackQueues: ['Кезектер мониторинг кестесінен есептелді (сервер кезектерді әлі бермейді)', 'Очереди посчитаны по таблице мониторинга (сервер ещё не отдаёт очереди)', 'Queues computed from the monitoring table (the server does not offer queues yet)'],
  number: ['Нөмірі', 'Номер', 'Number'],
  service: ['Қызмет', 'Услуга', 'Service'],
  stage: ['Кезең', 'Этап', 'Stage'],
  term: ['Мерзімі', 'Срок', 'Time left'],
  district: ['Аудан', 'Район', 'District'],
  executor: ['Орындаушы', 'Исполнитель', 'Executor'],
  actions: ['Әрекеттер', 'Действия', 'Actions'],
  empty: ['Бұл кезекте өтінім жоқ', 'В этой очереди нет заявок', 'No applications in this queue'],
  more: ['Тағы көрсету', 'Показать ещё', 'Show more'],
  open: ['Ашу', 'Открыть', 'Open'],
  back: ['Кезекке оралу', 'Назад к очереди', 'Back to the queue'],
  left: ['қалды', 'осталось', 'left'],
  overdueBy: ['мерзімі өтті', 'просрочено на', 'overdue by'],
  days: ['күн', 'дн.', 'd'],
  hours: ['сағ', 'ч', 'h'],
  minutes: ['мин', 'мин', 'min'],
  noTerm: ['—', '—', '—'],
  nobody: ['ешкім', 'никто', 'nobody'],
  // Statuses
  st_draft: ['Жоба', 'Черновик', 'Draft'],
  st_in_progress: ['Қаралуда', 'На рассмотрении', 'In progress'],
  st_returned: ['Түзетуге қайтарылды', 'Возвращена на доработку', 'Returned for corrections'],
  st_approved: ['Мақұлданды', 'Одобрена', 'Approved'],
  st_refused: ['Бас тартылды', 'Отказано', 'Refused'],
  st_withdrawn: ['Кері қайтарып алынды', 'Отозвана', 'Withdrawn'],
  status: ['Мәртебесі', 'Статус', 'Status'],
  // Actions
  a_claim: ['Жұмысқа алу', 'Взять в работу', 'Claim'],
  a_release: ['Кезекке қайтару', 'Вернуть в очередь', 'Release'],
  a_assign: ['Тағайындау', 'Назначить', 'Assign'],
  a_save: ['Жібермей сақтау', 'Сохранить без отправки', 'Save without sending'],
  a_comment: ['Түсініктеме', 'Комментарий', 'Comment'],
  a_return_for_corrections: ['Өтініш берушіге түзетуге қайтару', 'Вернуть заявителю на доработку', 'Return to the applicant'],
  a_return_to_previous: ['Алдыңғы кезеңге қайтару', 'Вернуть на предыдущий этап', 'Return to the previous stage'],
  a_forward: ['Келесі кезеңге жіберу', 'Передать дальше', 'Forward'],
  a_approve: ['Мақұлдау', 'Одобрить', 'Approve'],
  a_refuse: ['Бас тарту', 'Отказать', 'Refuse'],
  a_not_competent: ['Біздің құзырымызда емес', 'Не в нашей компетенции', 'Not ours'],
  a_withdraw: ['Кері қайтарып алу', 'Отозвать', 'Withdraw'],
  a_resubmit: ['Қайта жіберу', 'Отправить повторно', 'Resubmit'],
  a_submit: ['Жіберу', 'Отправить', 'Submit'],
  confirm: ['Растау', 'Подтвердить', 'Confirm'],
  cancel: ['Болдырмау', 'Отмена', 'Cancel'],
  close: ['Жабу', 'Закрыть', 'Close'],
  done: ['Орындалды', 'Выполнено', 'Done'],
  sure: ['Бұл әрекетті орындау керек пе?', 'Выполнить это действие?', 'Carry out this action?'],
  atStage: ['кезеңінде', 'на этапе', 'at the stage'],
  changed: ['Өтінімді басқа біреу өзгертті; карточка жаңартылды. Қайта тексеріп, қайталаңыз.', 'Заявку изменил кто-то другой; карточка обновлена. Проверьте и повторите.', 'Someone else changed the application; the card was reloaded. Check it and try again.'],
  notAllowedHint: ['Қазір мүмкін емес', 'Сейчас недоступно', 'Not possible now'],
  actionsFallback: ['Сервер әрекеттер тізімін әлі бермейді: батырмалар жұмыс процесінен алынды, шешімді сервер қабылдайды', 'Сервер ещё не отдаёт список действий: кнопки взяты из маршрута услуги, решает сервер', 'The server does not list the actions yet: the buttons come from the workflow; the server decides'],
  // Assign
  assignTo: ['Кімге тағайындау', 'Кому назначить', 'Assign to'],
  load: ['Жүктемесі', 'Загрузка', 'Load'],
  openTasks: ['ашық тапсырма', 'открытых задач', 'open tasks'],
  noExecutors: ['Бұл кезеңде жұмыс істей алатын қызметкер жоқ', 'Нет сотрудников, которые могут работать на этом этапе', 'Nobody may work this stage'],
  // Card
  map: ['Карта', 'Карта', 'Map'],
  basemap: ['Негізгі карта', 'Базовая карта', 'Base map'],
  basemapQala: ['Qala (векторлық)', 'Qala (векторная)', 'Qala (vector)'],
  noSite: ['Өтінімде орны көрсетілмеген', 'У заявки нет места на карте', 'The application has no site'],
  overlay: ['Қабаттастыру есебі', 'Отчёт наложения', 'Overlay report'],
  overlayEmpty: ['Есеп жоқ', 'Отчёта нет', 'No report'],
  zones: ['Аймақтар', 'Зоны', 'Zones'],
  networks: ['Буфердегі желілер', 'Сети в буфере', 'Networks within the buffer'],
  nearby: ['Жақын маңдағы өтінімдер', 'Заявки поблизости', 'Nearby applications'],
  routing: ['Бағыттау', 'Маршрутизация', 'Routing'],
  missingLayers: ['Каталогта жоқ қабаттар', 'Слои, которых нет в каталоге', 'Layers missing from the catalogue'],
  share: ['ауданның үлесі', 'доля площади', 'share of the area'],
  distance: ['қашықтық', 'расстояние', 'distance'],
  inside: ['учаске ішінде', 'на участке', 'on the site'],
  m: ['м', 'м', 'm'],
  computedIn: ['есептелді', 'вычислено за', 'computed in'],
  ms: ['мс', 'мс', 'ms'],
  form: ['Өтініш берушінің деректері', 'Данные заявителя', 'The applicant\'s data'],
  providerFields: ['Орындаушы толтыратын өрістер', 'Поля, заполняемые исполнителем', 'Fields the executor fills'],
  files: ['Файлдар', 'Файлы', 'Files'],
  noFiles: ['Файл жоқ', 'Файлов нет', 'No files'],
  preview: ['Қарау', 'Просмотр', 'Preview'],
  download: ['Жүктеп алу', 'Скачать', 'Download'],
  noPreview: ['Бұл файл түрін браузерде көрсету мүмкін емес: жүктеп алыңыз', 'Этот тип файла нельзя показать в браузере: скачайте его', 'This kind of file cannot be shown in the browser: download it'],
  upload: ['Файл жүктеу', 'Загрузить файл', 'Upload a file'],
  uploaded: ['Файл жүктелді', 'Файл загружен', 'File uploaded'],
  comments: ['Түсініктемелер мен тарих', 'Комментарии и история', 'Comments and history'],
  commentText: ['Түсініктеме мәтіні', 'Текст комментария', 'Comment text'],
  toApplicant: ['Өтініш берушіге (ол көреді)', 'Заявителю (он увидит)', 'To the applicant (they will see it)'],
  internal: ['Ішкі (тек қызметкерлер)', 'Внутренний (только сотрудники)', 'Internal (staff only)'],
  send: ['Жіберу', 'Отправить', 'Send'],
  flagged: ['Түзетуге белгіленген өрістер', 'Поля, отмеченные для исправления', 'Fields flagged for correction'],
  flagHint: ['Өтініш беруші тек белгіленген өрістер мен құжаттарды өзгерте алады', 'Заявитель сможет изменить только отмеченные поля и документы', 'The applicant may change only the flagged fields and documents'],
  flagOne: ['Кемінде бір өрісті белгілеңіз', 'Отметьте хотя бы одно поле', 'Flag at least one field'],
  reason: ['Бас тарту себебі', 'Причина отказа', 'Reason for refusal'],
  reasonText: ['Түсіндірме (өтініш беруші көреді)', 'Пояснение (увидит заявитель)', 'Explanation (the applicant will see it)'],
  forwardTo: ['Қай кезеңге', 'На какой этап', 'To which stage'],
  approveDoc: ['Шығыс құжаты', 'Выходной документ', 'Output document'],
  approveNoPreview: ['Сервер құжатты тек шешім қабылданғаннан кейін жасайды: алдын ала қарау әзірге жоқ. Құжатқа өтінім деректері мен орындаушы өрістері (толтырылса, төменде) енеді.', 'Сервер формирует документ только после решения: предварительного просмотра пока нет. В документ войдут данные заявки и поля исполнителя (ниже, если заполнены).', 'The server renders the document only once decided: there is no preview yet. The application\'s data and the executor\'s fields (below, when filled) go into it.'],
  approvePreviewTitle: ['Құжаттың алдын ала көрінісі', 'Предварительный просмотр документа', 'Preview of the document'],
  decision: ['Шешім құжаты', 'Документ решения', 'Decision document'],
  openPdf: ['PDF ашу', 'Открыть PDF', 'Open the PDF'],
  verify: ['QR тексеру', 'Проверка по QR', 'QR check'],
  stagesNow: ['Ағымдағы кезеңдер', 'Текущие этапы', 'Current stages'],
  submitted: ['Берілді', 'Подана', 'Submitted'],
  due: ['Мерзімі', 'Срок', 'Due'],
  applicant: ['Өтініш беруші', 'Заявитель', 'Applicant'],
  returnedInfo: ['Өтініш берушіге қайтарылды, түзетулер күтілуде', 'Возвращена заявителю, ожидаются исправления', 'Returned to the applicant, awaiting corrections'],
  refusal: ['Бас тарту', 'Отказ', 'Refusal'],
  yes: ['иә', 'да', 'yes'],
  no: ['жоқ', 'нет', 'no'],
  ev_submitted: ['Берілді', 'Подана', 'Submitted'],
  ev_stage_entered: ['Кезеңге түсті', 'Поступила на этап', 'Entered a stage'],
  ev_claimed: ['Жұмысқа алынды', 'Взята в работу', 'Claimed'],
  ev_released: ['Кезекке қайтарылды', 'Возвращена в очередь', 'Released'],
  ev_assigned: ['Тағайындалды', 'Назначена', 'Assigned'],
  ev_saved: ['Сақталды', 'Сохранена', 'Saved'],
  ev_commented: ['Түсініктеме', 'Комментарий', 'Comment'],
  ev_returned_for_corrections: ['Түзетуге қайтарылды', 'Возвращена на доработку', 'Returned for corrections'],
  ev_resubmitted: ['Қайта жіберілді', 'Отправлена повторно', 'Resubmitted'],
  ev_returned_to_previous: ['Алдыңғы кезеңге қайтарылды', 'Возвращена на предыдущий этап', 'Returned to the previous stage'],
  ev_moved: ['Жіберілді', 'Передана', 'Moved on'],
  ev_branch_done: ['Тармақ аяқталды', 'Ветвь завершена', 'Branch done'],
  ev_joined: ['Тармақтар біріктірілді', 'Ветви объединены', 'Branches joined'],
  ev_branch_cancelled: ['Тармақ тоқтатылды', 'Ветвь остановлена', 'Branch cancelled'],
  ev_rerouted: ['Қайта бағытталды', 'Перенаправлена', 'Rerouted'],
  ev_sent_to_triage: ['Сұрыптауға жіберілді', 'Отправлена на сортировку', 'Sent to triage'],
  ev_approved: ['Мақұлданды', 'Одобрена', 'Approved'],
  ev_refused: ['Бас тартылды', 'Отказано', 'Refused'],
  ev_withdrawn: ['Кері қайтарып алынды', 'Отозвана', 'Withdrawn'],
  internalMark: ['ішкі', 'внутренний', 'internal'],
  toApplicantMark: ['өтініш берушіге', 'заявителю', 'to the applicant'],
  changedFields: ['өзгертілген өрістер', 'изменённые поля', 'changed fields'],
  failed: ['Орындалмады', 'Не выполнено', 'Failed'],
  // Vector objects on an application (objects.ts)
  obj_panel: ['Нысандар', 'Объекты', 'Objects'],
  obj_none: ['Нысан әлі жоқ', 'Объектов пока нет', 'No objects yet'],
  obj_onMap: ['Картадағы нысандар', 'Объекты на карте', 'Objects on the map'],
  obj_draw: ['Сызу', 'Нарисовать', 'Draw'],
  obj_upload: ['Файлдан жүктеу', 'Загрузить из файла', 'Upload a file'],
  obj_kind: ['Түрі', 'Вид', 'Kind'],
  kind_plan: ['Жоспар', 'План', 'Plan'],
  kind_network: ['Инженерлік желі', 'Инженерная сеть', 'Utility network'],
  kind_other: ['Басқа', 'Другое', 'Other'],
  obj_name: ['Атауы', 'Название', 'Title'],
  obj_access: ['Кім көреді', 'Кто видит', 'Who sees it'],
  acc_staff: ['Тек қызметкерлер', 'Только сотрудники', 'Staff only'],
  acc_applicant: ['Өтініш беруші де', 'Также заявитель', 'The applicant too'],
  acc_public: ['Барлығы (жария)', 'Все (публично)', 'Everyone (public)'],
  obj_shape: ['Пішіні', 'Форма', 'Shape'],
  shape_polygon: ['Көпбұрыш', 'Полигон', 'Polygon'],
  shape_line: ['Сызық', 'Линия', 'Line'],
  obj_start: ['Картада сызуды бастау', 'Начать рисовать на карте', 'Start drawing on the map'],
  draw_hint_polygon: ['Картаны басып, көпбұрыштың төбелерін қойыңыз (кемінде 3), содан кейін «Аяқтау» батырмасын басыңыз', 'Нажимайте на карту, чтобы поставить вершины полигона (не меньше 3), затем «Готово»', 'Click or tap the map to place the polygon\'s vertices (at least 3), then Finish'],
  draw_hint_line: ['Картаны басып, сызықтың нүктелерін қойыңыз (кемінде 2), содан кейін «Аяқтау» батырмасын басыңыз', 'Нажимайте на карту, чтобы поставить точки линии (не меньше 2), затем «Готово»', 'Click or tap the map to place the line\'s points (at least 2), then Finish'],
  draw_points: ['Нүктелер', 'Вершин', 'Vertices'],
  draw_finish: ['Аяқтау', 'Готово', 'Finish'],
  draw_undo: ['Соңғы нүктені алып тастау', 'Убрать последнюю точку', 'Undo the last point'],
  draw_few: ['Нүктелер жеткіліксіз', 'Недостаточно вершин', 'Not enough vertices'],
  obj_file: ['Файл (DXF, KML, GPKG, GeoJSON, ZIP ішіндегі SHP)', 'Файл (DXF, KML, GPKG, GeoJSON, SHP в ZIP)', 'File (DXF, KML, GPKG, GeoJSON, zipped SHP)'],
  obj_crs: ['Координаттар жүйесі', 'Система координат', 'Coordinate system'],
  crs_file: ['Файлдағы жүйе', 'Из файла', 'From the file'],
  crs_hint: ['CAD сызбаларында (DXF) координаттар жүйесі сақталмайды: сызба жасалған жүйені таңдаңыз', 'В чертежах CAD (DXF) система координат не хранится: выберите ту, в которой сделан чертёж', 'CAD drawings (DXF) do not store their coordinate system: choose the one the drawing was made in'],
  obj_send: ['Жүктеу', 'Загрузить', 'Upload'],
  crs_retry: ['Координаттар жүйесін тексеріңіз: тізімнен сызба жасалған жүйені таңдап, файлды қайта жүктеңіз', 'Проверьте систему координат: выберите в списке ту, в которой сделан чертёж, и загрузите файл снова', 'Check the coordinate system: choose the one the drawing was made in and upload the file again'],
  obj_added: ['Нысандар қосылды', 'Объекты добавлены', 'Objects added'],
  obj_parts: ['бөліктер саны', 'частей', 'parts'],
  obj_delete: ['Жою', 'Удалить', 'Delete'],
  obj_deleteTitle: ['Нысанды жою керек пе?', 'Удалить объект?', 'Delete the object?'],
  obj_deleteBody: ['Нысан өтінімнен біржола жойылады', 'Объект будет удалён из заявки безвозвратно', 'The object will be removed from the application for good'],
  obj_deleted: ['Нысан жойылды', 'Объект удалён', 'Object deleted'],
  obj_accessChanged: ['Кім көретіні өзгертілді', 'Доступ изменён', 'Access changed'],
  obj_chooseFile: ['Файлды таңдаңыз', 'Выберите файл', 'Choose a file'],
  obj_untitled: ['Атауы жоқ', 'Без названия', 'Untitled'],
  obj_mapNotReady: ['Карта әлі жүктелген жоқ', 'Карта ещё не загрузилась', 'The map has not loaded yet'],
} as const;
export const tr = words(W);
export type WordKey = keyof typeof W;

/** A row of a queue (`GET /api/applications` or the monitoring table). */
export interface Row {
  id: number;
  number: string | null;
  service_id: string;
  service_title?: string | null;
  status: string;
  org?: string;
  stages?: Array<string | { stage: string; title?: string; executor?: string | null }>;
  executors?: string[];
  /** The stages' titles, in the order of `stages`. */
  stage_titles?: string[];
  district?: string | null;
  submitted_at?: string | null;
  due_at?: string | null;
  overdue?: boolean;
}

export interface Term { due?: string; left?: number; overdue?: boolean; days?: number }
export interface StageToken {
  stage: string;
  title?: string | null;
  role?: string | null;
  org?: string;
  dept?: string | null;
  executor?: string | null;
  term?: Term | null;
  branch?: unknown;
}
export interface Offer { action: string; stage?: string | null; allowed: boolean; reason?: string; to?: Array<string | { stage: string; title?: unknown }> }
export interface FileRef { id: string; name: string; size: number; media_type?: string | null }
export interface HistoryEntry { at: string; actor: string; action: string; events: Array<Record<string, unknown> & { event: string }> }
export interface Overlay {
  district?: { code: string; name: Record<string, string> } | null;
  zones?: Array<{ layer: string; feature: number; attribute: string; value: string | null; share: number; geometry?: GeoJSON.Geometry }>;
  networks?: Array<{ layer: string; feature: number; value: string | null; distance_m: number; geometry?: GeoJSON.Geometry }>;
  nearby?: Array<{ id: number; number: string | null; status: string; distance_m: number; geometry?: GeoJSON.Geometry }>;
  routing?: { layer: string; margin_m: number; decision: string; org: string | null; candidates: Array<{ feature: number; value: string | null; org: string | null; contains: boolean; distance_m: number }> } | null;
  missing_layers?: string[];
  elapsed_ms?: number;
}
export interface Card {
  id: number;
  number: string | null;
  service: { id: string; version: number; title: string };
  status: string;
  org: string;
  district?: string | null;
  stages: StageToken[];
  term?: Term | null;
  submitted_at?: string | null;
  due_at?: string | null;
  version: number;
  form: Record<string, unknown>;
  geometry?: GeoJSON.Geometry | null;
  applicant?: string;
  documents?: Record<string, FileRef[]>;
  overlay?: Overlay | null;
  returned?: { stage: string; by: string; at: string; fields: string[] } | null;
  history?: HistoryEntry[];
  refusal?: { code: string; reason?: string | null; text?: string | null };
  actions?: Offer[];
}

/** The service as `/api/services/{id}` gives it (what the workstation reads of it). */
export interface FieldDef { name: string; type: string; label: unknown; required?: boolean; filled_by?: string; values?: Array<{ value: string; label: unknown }>; unit?: string; hint?: unknown }
export interface DocDef { id: string; title: unknown; formats?: string[]; required?: boolean; provided_by?: string }
export interface StageDef { id: string; title: unknown; kind?: string; role?: string; dept?: string; org?: string; next?: Array<{ action: string; to: string; fields?: string[]; documents?: string[] }> }
export interface Service {
  id: string;
  title: unknown;
  form: FieldDef[];
  passport?: { documents?: DocDef[] };
  workflow: { start: string; manager_role?: string; stages: StageDef[] };
  refusal_reasons?: Array<{ code: string; title: unknown }>;
}

const services = new Map<string, Promise<Service>>();
/** A service's definition (cached per language). */
export function service(id: string): Promise<Service> {
  const key = `${api.currentLang()}:${id}`;
  let p = services.get(key);
  if (!p) {
    p = api.get<Service>(`/api/services/${encodeURIComponent(id)}`);
    p.catch(() => services.delete(key));
    services.set(key, p);
  }
  return p;
}

const districts = new Map<string, Promise<Record<string, string> | null>>();
/** The name of a KATO district in `lang` (the code while it is not known). */
export async function districtName(code: string | null | undefined, lang: Lang): Promise<string> {
  if (!code) return '';
  let p = districts.get(code);
  if (!p) {
    p = api.get<Record<string, string>>(`/api/kato/${encodeURIComponent(code)}`).catch(() => null);
    districts.set(code, p);
  }
  const u = await p;
  if (!u) return code;
  return textOf({ kk: u.name_kk, ru: u.name_ru, en: u.name_en }, lang) || code;
}

/** `secs` as "2 d 3 h" (or minutes under an hour). */
export function duration(secs: number): string {
  const s = Math.abs(secs);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} ${tr('days')} ${h} ${tr('hours')}`;
  if (h > 0) return `${h} ${tr('hours')} ${m} ${tr('minutes')}`;
  return `${m} ${tr('minutes')}`;
}

/** Time left until `due` (a term's own `left` when given), as a badge. */
export function termBadge(due: string | null | undefined, left?: number | null, overdue?: boolean | null, testid = 'term'): string {
  if (!due && left == null) return `<span class="badge" data-testid="${testid}">${esc(tr('noTerm'))}</span>`;
  const secs = left ?? Math.round((Date.parse(due!) - Date.now()) / 1000);
  const late = overdue ?? secs < 0;
  const when = due ? dateTime(due, 'short') : '';
  return late
    ? `<span class="badge overdue" data-testid="${testid}" data-overdue="true" title="${esc(when)}">${esc(tr('overdueBy'))} ${esc(duration(secs))}</span>`
    : `<span class="badge ok" data-testid="${testid}" data-overdue="false" title="${esc(when)}">${esc(duration(secs))} ${esc(tr('left'))}</span>`;
}

export function localeOf(l: Lang): string {
  return l === 'kk' || l === 'kk-Latn' ? 'kk-KZ' : l === 'ru' ? 'ru-RU' : 'en-GB';
}

/** A moment as the user reads it (Kazakh as dd.mm.yyyy hh:mm: browsers often lack its month names). */
export function dateTime(s: string | null | undefined, style: 'short' | 'medium' = 'medium'): string {
  if (!s) return '';
  const d = new Date(s);
  const l = api.currentLang();
  if (l === 'kk' || l === 'kk-Latn') {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(d.getDate())}.${p(d.getMonth() + 1)}.${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}`;
  }
  return d.toLocaleString(localeOf(l), { dateStyle: style, timeStyle: 'short' });
}

export function statusText(s: string): string {
  const k = `st_${s}` as WordKey;
  return k in W ? tr(k) : s;
}

export function actionText(a: string): string {
  const k = `a_${a}` as WordKey;
  return k in W ? tr(k) : a;
}

/** The server's refusal as text: its message (already in the caller's language). */
export function failureText(e: unknown): string {
  const f = e as api.ApiFailure;
  return f?.message || String(e);
}

/**
 * A modal dialog: `body` (HTML) with Confirm / Cancel. `onConfirm` runs on Confirm; when it
 * throws, its message is shown in the dialog (which stays open); when it resolves, the dialog
 * closes. Resolves with whether it was confirmed and done.
 */
export function dialog(opts: {
  title: string;
  body: string;
  confirm?: string;
  danger?: boolean;
  testid: string;
  wide?: boolean;
  onOpen?: (d: HTMLDialogElement) => void;
  onConfirm: (d: HTMLDialogElement) => Promise<void>;
}): Promise<boolean> {
  return new Promise((resolve) => {
    const d = document.createElement('dialog');
    d.className = `work-dialog${opts.wide ? ' wide' : ''}`;
    d.dataset.testid = opts.testid;
    d.innerHTML = `<form method="dialog">
        <h2>${esc(opts.title)}</h2>
        <div class="dialog-body">${opts.body}</div>
        <p class="error" role="alert" data-testid="dialog-error" hidden></p>
        <div class="dialog-buttons">
          <button type="button" data-role="cancel" data-testid="dialog-cancel">${esc(tr('cancel'))}</button>
          <button type="submit" class="${opts.danger ? 'danger' : 'primary'}" data-testid="dialog-confirm">${esc(opts.confirm ?? tr('confirm'))}</button>
        </div>
      </form>`;
    document.body.append(d);
    const err = d.querySelector<HTMLElement>('.error')!;
    const ok = d.querySelector<HTMLButtonElement>('[data-testid=dialog-confirm]')!;
    let done = false;
    const finish = (v: boolean) => { if (!done) { done = true; d.close(); d.remove(); resolve(v); } };
    d.querySelector<HTMLButtonElement>('[data-role=cancel]')!.onclick = () => finish(false);
    d.addEventListener('cancel', (ev) => { ev.preventDefault(); finish(false); });
    d.querySelector('form')!.onsubmit = async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      ok.disabled = true;
      try {
        await opts.onConfirm(d);
        finish(true);
      } catch (e) {
        err.textContent = failureText(e);
        err.dataset.status = String((e as api.ApiFailure).status ?? '');
        err.hidden = false;
        ok.disabled = false;
      }
    };
    d.showModal();
    opts.onOpen?.(d);
  });
}
