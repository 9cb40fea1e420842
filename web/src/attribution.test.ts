import { describe, expect, it } from 'vitest';
// Qala's own style, as the server has it (styles/qala.json).
import styleText from '../../styles/qala.json?raw';
import { localiseAttribution, attributionText } from './attribution';
import type { Lang } from './i18n';

const style = () => JSON.parse(styleText);

describe('attribution in the interface language', () => {
  it('gives Qala\'s own style the attribution of each language', () => {
    const shown = (lang: Lang) => (localiseAttribution(style(), lang).sources.qala as { attribution: string }).attribution;
    expect(shown('ru')).toContain('Демонстрационные данные Qala');
    expect(shown('ru')).toContain('КАТО');
    expect(shown('en')).toContain('Qala demo data');
    expect(shown('kk')).toContain('Qala демонстрациялық деректері');
    expect(shown('kk')).toContain('ӘАОЖ');
    expect(shown('kk-Latn')).toContain('Qala demonstratsiialyq derekterı (sintetikalyq)');
    expect(new Set((['kk', 'kk-Latn', 'ru', 'en'] as Lang[]).map(shown)).size).toBe(4);
  });
  it('keeps the English text of the file for clients that do not translate', () => {
    const s = style();
    expect(s.sources.qala.attribution).toBe(s.metadata['qala:attribution'].qala.en);
  });
  it('leaves sources without translations alone', () => {
    const s = { metadata: { 'qala:attribution': { gone: { ru: 'x' } } }, sources: { other: { attribution: 'As is' } } };
    expect(localiseAttribution(s, 'kk').sources.other).toEqual({ attribution: 'As is' });
    expect(localiseAttribution({ sources: { a: { attribution: 'A' } } }, 'ru').sources.a).toEqual({ attribution: 'A' });
  });
  it('reads base map attributions given once or per language', () => {
    expect(attributionText('Esri, Maxar', 'kk')).toBe('Esri, Maxar');
    const osm = { kk: '© OpenStreetMap қатысушылары', ru: '© участники OpenStreetMap', en: '© OpenStreetMap contributors' };
    expect(attributionText(osm, 'ru')).toBe('© участники OpenStreetMap');
    expect(attributionText(osm, 'kk-Latn')).toBe('© OpenStreetMap qatysuşylary');
    expect(attributionText(undefined, 'en')).toBe('');
  });
});
