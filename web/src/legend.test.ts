import { describe, expect, it } from 'vitest';
import styleText from '../../styles/qala.json?raw';
import { evaluate, layerLegend, swatchHtml, type LegendWords, type Props, type StyleLayerLike } from './legend';

const style = JSON.parse(styleText) as { layers: Array<StyleLayerLike & { 'source-layer'?: string }> };
const of = (id: string) => style.layers.filter((l) => l['source-layer'] === id);
const uses: Record<string, string> = { residential: 'Жилое', public: 'Общественное', commercial: 'Коммерческое', industrial: 'Производственное' };
const classes: Record<string, string> = { avenue: 'Проспект', street: 'Улица', lane: 'Переулок' };
const words = (title: string, labels: Record<string, string>): LegendWords => ({
  title, other: 'прочие', labels: 'Подписи',
  valueLabel: (_, v) => labels[v] ?? null,
  values: () => Object.keys(labels),
  attrLabel: (a) => a,
});

describe('web legend', () => {
  it('lists every class of the style at the zoom, with the enum labels', () => {
    const e = layerLegend(of('buildings'), 15, words('Здания', uses));
    expect(e.map((x) => x.label)).toEqual(['Производственное', 'Общественное', 'Коммерческое', 'Жилое']);
    expect(e.every((x) => x.swatch.kind === 'fill')).toBe(true);
    // Below the buildings' minzoom nothing is drawn, so nothing is listed.
    expect(layerLegend(of('buildings'), 12, words('Здания', uses))).toEqual([]);
  });
  it('keeps line widths, casings and dashes, and lists labels where they are drawn', () => {
    const e = layerLegend(of('streets'), 16, words('Улицы', classes));
    expect(e.map((x) => x.label)).toEqual(['Проспект', 'Улица', 'Переулок', 'Подписи']);
    const widths = e.flatMap((x) => (x.swatch.kind === 'line' && x.swatch.casing ? [x.swatch.width] : []));
    expect(widths.length).toBe(3);
    expect(widths[0]).toBeGreaterThan(widths[2]);
    expect(layerLegend(of('streets'), 13, words('Улицы', classes)).map((x) => x.label)).not.toContain('Подписи');
    const fund = layerLegend(of('land_fund').map((l) => ({ ...l, layout: {} })), 14, words('Земельный фонд', {}));
    expect(fund).toHaveLength(1);
    expect(fund[0].swatch).toMatchObject({ kind: 'line', dash: [3, 2] });
    expect(swatchHtml(fund[0].swatch)).toContain('stroke-dasharray');
  });
  it('lists only the classes rendered in the view', () => {
    const present = new Map<string, Props[]>([['buildings', [{ use: 'public' }, { use: 'public' }, { use: 'commercial' }]]]);
    expect(layerLegend(of('buildings'), 15, words('Здания', uses), present).map((x) => x.label)).toEqual(['Общественное', 'Коммерческое']);
    expect(layerLegend(of('buildings'), 15, words('Здания', uses), new Map())).toEqual([]);
  });
  it('a layer the user hid has no legend', () => {
    const hidden = of('buildings').map((l) => ({ ...l, layout: { visibility: 'none' } }));
    expect(layerLegend(hidden, 15, words('Здания', uses))).toEqual([]);
  });
  it('evaluates the expressions of the style', () => {
    const width = ['interpolate', ['exponential', 1.6], ['zoom'], 10, ['match', ['get', 'class'], 'avenue', 1.5, 0.5], 17, 10];
    expect(evaluate(width, { class: 'avenue' }, 10)).toBe(1.5);
    expect(evaluate(width, {}, 17)).toBe(10);
    expect(evaluate(['step', ['get', 'n'], 'a', 10, 'b', 50, 'c'], { n: 12 }, 0)).toBe('b');
    expect(evaluate(['case', ['>=', ['get', 'n'], 5], 'big', 'small'], { n: '7' }, 0)).toBe('big');
  });
  it('steps on a cluster count give ranges', () => {
    const clusters = of('applications').filter((l) => l.id === 'applications-clusters');
    const e = layerLegend(clusters, 12, { ...words('Заявления', {}), attrLabel: () => 'Объектов в кластере' });
    expect(e.map((x) => x.label)).toEqual(['Объектов в кластере < 10', 'Объектов в кластере 10 – 50', 'Объектов в кластере ≥ 50']);
  });
});
