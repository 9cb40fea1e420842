// The IIN (individual identification number) as the server checks it
// (src/applications/service/ids.rs): 12 digits, the check digit (weights 1..11 modulo 11; a
// remainder of 10 weighs again by 3..11, 1, 2; 10 again is never issued), a real birth date
// (YYMMDD) and a century digit 0-6 (0: unknown century, any leap year accepts 29 February).

const W1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const W2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/** The check digit of 11 digits, or null when the number is never issued. */
export function checkDigit(first11: string): number | null {
  if (!/^\d{11}$/.test(first11)) return null;
  const d = [...first11].map(Number);
  const sum = (w: number[]) => d.reduce((s, x, i) => s + x * w[i], 0) % 11;
  let c = sum(W1);
  if (c === 10) c = sum(W2);
  return c === 10 ? null : c;
}

/** The digits of what was typed (spaces and dashes dropped). */
export function normalizeIin(typed: string): string {
  return typed.replace(/[\s-]/g, '');
}

/** Whether `s` is a valid IIN. */
export function isValidIin(s: string): boolean {
  if (!/^\d{12}$/.test(s) || checkDigit(s.slice(0, 11)) !== Number(s[11])) return false;
  const yy = Number(s.slice(0, 2)), mm = Number(s.slice(2, 4)), dd = Number(s.slice(4, 6));
  const c = Number(s[6]);
  if (c > 6) return false;
  const year = c === 0 ? 2000 : [0, 1800, 1800, 1900, 1900, 2000, 2000][c] + yy;
  if (mm < 1 || mm > 12 || dd < 1) return false;
  const days = new Date(Date.UTC(year, mm, 0)).getUTCDate();
  return dd <= days;
}
