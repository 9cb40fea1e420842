import { describe, expect, it } from 'vitest';
import styleText from '../../styles/qala.json?raw';
import { drawOrder, firstStyleLayer, rasterState, rastersPanel, type Raster } from './rasters';

const raster = (id: string, kind: string): Raster => ({
  id, kind, titles: { kk: `${id} kk`, ru: `${id} ru`, en: `${id} en` }, bounds: [76.8, 43.1, 77.1, 43.4], min_zoom: 8, max_zoom: 18,
  tiles: `/tiles/${id}/{z}/{x}/{y}.png`,
});

describe('rasters in the web map', () => {
  it('draws the hillshade over the imagery', () => {
    const list = [raster('hillshade', 'hillshade'), raster('ortho', 'orthophoto'), raster('survey', 'survey')];
    expect(drawOrder(list, new Set(['hillshade', 'ortho', 'survey'])).map((r) => r.id)).toEqual(['ortho', 'survey', 'hillshade']);
    expect(drawOrder(list, new Set(['survey'])).map((r) => r.id)).toEqual(['survey']);
  });

  it('goes under the first layer of Qala\'s style, not under its background', () => {
    const style = JSON.parse(styleText);
    const first = firstStyleLayer(style);
    expect(first).toBeDefined();
    expect(style.layers.find((l: { id: string }) => l.id === first).type).not.toBe('background');
    expect(firstStyleLayer({ layers: [{ id: 'bg', type: 'background' }] })).toBeUndefined();
  });

  it('lists titles in the page language, escaped, and nothing without rasters', () => {
    rasterState.list = [];
    expect(rastersPanel('en')).toBe('');
    rasterState.list = [raster('ortho', 'orthophoto'), { ...raster('x', 'other'), titles: { ru: '<b>' } }];
    rasterState.shown = new Set(['ortho']);
    const html = rastersPanel('kk');
    expect(html).toContain('ortho kk');
    expect(html).toContain('&lt;b&gt;');
    expect(html).toMatch(/data-raster="ortho" checked/);
    expect(html).not.toMatch(/data-raster="x" checked/);
  });
});
