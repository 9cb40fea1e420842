import { describe, expect, it } from 'vitest';
import { dms, utm43, scaleDenominator, namedScale, roundScale, printFrame, printScales } from './format';
import { kkLatin } from './translit';
import { t, pick } from './i18n';

describe('translit', () => {
  it('follows the 2021 Latin alphabet', () => {
    expect(kkLatin('Бұрыңғы өткен заманда, бір данышпан кісі')).toBe('Būryñğy ötken zamanda, bır danyşpan kısı');
    expect(kkLatin('Ғимараттар')).toBe('Ğimarattar');
    expect(kkLatin('Қазақстан Республикасы')).toBe('Qazaqstan Respublikasy');
  });
  it('transliterates interface texts and server texts for kk-Latn', () => {
    expect(t('layers', 'kk-Latn')).toBe('Qabattar');
    expect(pick({ kk: 'Көше', ru: 'Улица', en: 'Street' }, 'kk-Latn')).toBe('Köşe');
    expect(pick({ kk: 'Көше', ru: 'Улица', en: 'Street' }, 'en')).toBe('Street');
  });
});

describe('format', () => {
  it('writes degrees, minutes and seconds', () => {
    expect(dms(43.2379, 'N', 'S')).toBe(`43°14'16.4"N`);
    expect(dms(-0.5, 'N', 'S')).toBe(`0°30'00.0"S`);
  });
  it('projects to UTM 43N', () => {
    // The central meridian of zone 43 is 75°E: easting 500 000 m there.
    const [e, n] = utm43(75, 43);
    expect(e).toBeCloseTo(500000, 3);
    expect(n).toBeCloseTo(4760814.3, 0);
  });
  it('names the screen scale', () => {
    const d = scaleDenominator(15, 0);
    expect(Math.round(d)).toBe(9028);
    expect(roundScale(9028)).toBe(9000);
    expect(namedScale(2000, { m: 'm', km: 'km', cm: 'cm' })).toBe('1 cm = 20 m');
    expect(namedScale(500000, { m: 'м', km: 'км', cm: 'см' })).toBe('1 см = 5 км');
  });
});

describe('print frame', () => {
  it('covers the frame at scale, true at the centre', () => {
    const lat = 43.2379, k = Math.cos((lat * Math.PI) / 180);
    // A4 landscape, 277 x 151 mm at 1:5000: 1385 m x 755 m on the ground.
    const [w, s, e, n] = printFrame([76.9457, lat], 5000, [277, 151]);
    expect(e - w).toBeCloseTo(((1385 / (6378137 * k)) * 180) / Math.PI, 12);
    expect((w + e) / 2).toBeCloseTo(76.9457, 12);
    // North-south: 755 m, measured on the sphere of the same radius (mercator is conformal).
    expect(((n - s) * Math.PI) / 180 * 6378137).toBeCloseTo(755, 0);
    expect(lat - s).toBeGreaterThan(n - lat); // mercator stretches northwards: fewer degrees north of the centre
  });
  it('offers the server scales plus the view', () => {
    const listed = [500, 1000, 2000, 5000, 10000, 25000];
    expect(printScales(listed, 4800, 500, 500000)).toEqual({ scales: listed, selected: 5000 });
    expect(printScales(listed, 7300, 500, 500000)).toEqual({ scales: [500, 1000, 2000, 5000, 7300, 10000, 25000], selected: 7300 });
    expect(printScales(listed, 120, 500, 500000)).toEqual({ scales: listed, selected: 500 });
    expect(printScales(listed, 9e6, 500, 500000).selected).toBe(500000);
  });
});
