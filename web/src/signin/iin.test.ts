import { describe, expect, it } from 'vitest';
import { checkDigit, isValidIin, normalizeIin } from './iin';

const complete = (first11: string) => first11 + String(checkDigit(first11));

describe('IIN', () => {
  it('check digit by the first weights', () => {
    // 8·1 + 6·2 + 0·3 + 1·4 + 0·5 + 1·6 + 3·7 + 0·8 + 0·9 + 5·10 + 6·11 = 167 = 15·11 + 2
    expect(checkDigit('86010130056')).toBe(2);
    expect(isValidIin('860101300562')).toBe(true);
  });
  it('a remainder of 10 weighs again; 10 twice is never issued', () => {
    let second = 0, never = 0;
    for (let i = 0; i < 3000; i++) {
      const s = String(i * 33331).padStart(11, '0').slice(0, 11);
      const d = [...s].map(Number);
      const r1 = d.reduce((a, x, j) => a + x * (j + 1), 0) % 11;
      const c = checkDigit(s);
      if (r1 === 10) {
        const r2 = d.reduce((a, x, j) => a + x * [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2][j], 0) % 11;
        if (r2 === 10) { expect(c).toBeNull(); never++; } else { expect(c).toBe(r2); second++; }
      } else expect(c).toBe(r1);
    }
    expect(second).toBeGreaterThan(0);
    expect(never).toBeGreaterThan(0);
  });
  it('needs a birth date and a century digit', () => {
    expect(isValidIin(complete('86130130056'))).toBe(false); // month 13
    expect(isValidIin(complete('86023030056'))).toBe(false); // 30 February
    expect(isValidIin(complete('00022950056'))).toBe(true); // 29 February 2000
    expect(isValidIin(complete('86010170056'))).toBe(false); // century digit 7
  });
  it('a wrong last digit, letters and lengths are refused', () => {
    expect(isValidIin('860101300563')).toBe(false);
    expect(isValidIin('86010130056')).toBe(false);
    expect(isValidIin('86010130056a')).toBe(false);
    expect(normalizeIin(' 860101 300562 ')).toBe('860101300562');
  });
});
