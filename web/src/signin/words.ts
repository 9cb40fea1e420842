// The words of sign-in (password, EDS through NCALayer, SMS code by IIN) and of signing a
// document, as [kk, ru, en]; Kazakh Latin is transliterated from the Kazakh. The type demands all
// three languages for every key.
import type { Lang } from '../i18n';
import { kkLatin } from '../translit';

const W = {
  title: ['Жүйеге кіру', 'Вход в систему', 'Sign in'],
  tabs: ['Кіру тәсілі', 'Способ входа', 'Sign-in method'],
  tabPassword: ['Құпиясөз', 'Пароль', 'Password'],
  tabEds: ['ЭЦҚ', 'ЭЦП', 'EDS'],
  tabSms: ['SMS', 'SMS', 'SMS'],
  user: ['Пайдаланушы', 'Пользователь', 'User name'],
  password: ['Құпиясөз', 'Пароль', 'Password'],
  login: ['Кіру', 'Войти', 'Log in'],
  edsHint: [
    'Электрондық цифрлық қолтаңбаның аутентификация кілтімен кіріңіз. NCALayer компьютеріңізде іске қосылған болуы керек.',
    'Войдите ключом аутентификации электронной цифровой подписи. На компьютере должен быть запущен NCALayer.',
    'Sign in with the authentication key of your electronic digital signature. NCALayer must be running on your computer.',
  ],
  edsButton: ['ЭЦҚ арқылы кіру', 'Войти с ЭЦП', 'Sign in with EDS'],
  edsWaiting: ['NCALayer терезесінде кілтті таңдап, құпиясөзді енгізіңіз…', 'Выберите ключ и введите пароль в окне NCALayer…', 'Choose your key and type its password in the NCALayer window…'],
  edsChecking: ['Қолтаңба тексерілуде…', 'Проверка подписи…', 'Checking the signature…'],
  notRunning: ['NCALayer іске қосылмаған: оны іске қосып, қайталап көріңіз.', 'NCALayer не запущен: запустите его и повторите попытку.', 'NCALayer is not running: start it and try again.'],
  download: ['NCALayer-ді орнату', 'Установить NCALayer', 'Install NCALayer'],
  refused: ['NCALayer байланысты үзді. NCALayer-ді қайта іске қосып, қайталап көріңіз.', 'NCALayer разорвал соединение. Перезапустите NCALayer и повторите попытку.', 'NCALayer closed the connection. Restart NCALayer and try again.'],
  cancelled: ['Қол қою тоқтатылды.', 'Подписание отменено.', 'Signing was cancelled.'],
  ncaError: ['NCALayer қатесі', 'Ошибка NCALayer', 'NCALayer error'],
  timeout: ['NCALayer жауап бермеді. Қайталап көріңіз.', 'NCALayer не ответил. Повторите попытку.', 'NCALayer did not answer. Try again.'],
  smsHint: [
    'ЖСН-іңізді енгізіңіз: мемлекеттік дерекқорда тіркелген телефонға бір реттік код жібереміз.',
    'Введите ИИН: мы отправим одноразовый код на телефон, записанный в государственной базе.',
    'Enter your IIN: we send a one-time code to the phone the state database holds for you.',
  ],
  iin: ['ЖСН', 'ИИН', 'IIN'],
  iinInvalid: ['ЖСН қате: 12 цифр, соңғысы бақылау цифры.', 'Неверный ИИН: 12 цифр, последняя — контрольная.', 'Invalid IIN: 12 digits, the last one a check digit.'],
  sendCode: ['Код алу', 'Получить код', 'Get a code'],
  codeSent: ['Код жіберілді:', 'Код отправлен на номер', 'The code was sent to'],
  code: ['SMS коды', 'Код из SMS', 'Code from the SMS'],
  codeInvalid: ['Кодты цифрлармен енгізіңіз.', 'Введите код цифрами.', 'Type the code in digits.'],
  verify: ['Растау', 'Подтвердить', 'Confirm'],
  resend: ['Кодты қайта жіберу', 'Отправить код ещё раз', 'Send the code again'],
  resendIn: ['Қайта жіберу мүмкін болады:', 'Повторная отправка через', 'You can resend in'],
  expiresIn: ['Код жарамды:', 'Код действует ещё', 'The code is valid for'],
  expired: ['Кодтың мерзімі өтті: жаңа код алыңыз.', 'Срок кода истёк: получите новый код.', 'The code has expired: get a new one.'],
  otherIin: ['Басқа ЖСН', 'Другой ИИН', 'Another IIN'],
  retryAfter: ['Кейінірек қайталаңыз:', 'Повторите позже, через', 'Try again later, in'],
  seconds: ['с', 'с', 's'],
  unavailable: ['Сервер қолжетімсіз. Кейінірек қайталаңыз.', 'Сервер недоступен. Повторите позже.', 'The server cannot be reached. Try again later.'],
  // Signing a document
  sign: ['ЭЦҚ-мен қол қою', 'Подписать ЭЦП', 'Sign with EDS'],
  signatures: ['Қолтаңбалар', 'Подписи', 'Signatures'],
  signing: ['Құжат қол қоюға дайындалуда…', 'Документ готовится к подписи…', 'Preparing the document for signing…'],
  signed: ['Құжатқа қол қойылды.', 'Документ подписан.', 'The document is signed.'],
  valid: ['жарамды', 'действительна', 'valid'],
  invalid: ['жарамсыз', 'недействительна', 'not valid'],
  missing: ['қол қойылмаған', 'не подписано', 'not signed'],
  partyApplicant: ['Өтініш беруші', 'Заявитель', 'Applicant'],
  partyProvider: ['Қызмет беруші', 'Услугодатель', 'Service provider'],
} as const;

export type Key = keyof typeof W;

/** `key` in `lang`. */
export function sw(key: Key, lang: Lang): string {
  const [kk, ru, en] = W[key];
  return lang === 'kk' ? kk : lang === 'kk-Latn' ? kkLatin(kk) : lang === 'ru' ? ru : en;
}

/** A server message in the interface's alphabet (the server writes Kazakh in Cyrillic). */
export function inAlphabet(text: string, lang: Lang): string {
  return lang === 'kk-Latn' ? kkLatin(text) : text;
}

/** Escapes text for HTML. */
export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
