// Rasters under the vector layers (issue 17): the orthophotos, topographic surveys and hillshade the
// caller may read (`/api/rasters`), each switched on as a MapLibre raster source of Qala's PNG tiles
// and drawn above the base map but under every layer of Qala's own style. The hillshade, being
// half transparent, lies over the other rasters.
import type { Map as MlMap, StyleSpecification } from 'maplibre-gl';
import { type Lang, pick } from './i18n';

type Texts = { kk?: string; ru?: string; en?: string };
export interface Raster {
  id: string;
  titles: Texts;
  kind: string;
  bounds: [number, number, number, number];
  min_zoom: number;
  max_zoom: number;
  tiles: string;
}

export const rasterState = {
  list: [] as Raster[],
  shown: new Set<string>(),
  opacity: new Map<string, number>(),
};

const TEXT = {
  rasters: { kk: 'Растрлар (ортофото, түсірілімдер)', ru: 'Растры (ортофото, съёмки)', en: 'Rasters (orthophotos, surveys)' },
  opacity: { kk: 'Мөлдірлік', ru: 'Прозрачность', en: 'Opacity' },
};

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Style layers (and sources) this module added. */
const added = new Set<string>();

/** The style layer id of a raster. */
export const layerId = (id: string) => `raster-${id}`;

/** Reads the rasters the caller may read (none when the server cannot say); forgets shown ones that went. */
export async function loadRasters(): Promise<void> {
  try {
    const r = await fetch('/api/rasters');
    rasterState.list = r.ok ? ((await r.json()) as { rasters: Raster[] }).rasters : [];
  } catch {
    rasterState.list = [];
  }
  for (const id of [...rasterState.shown]) if (!rasterState.list.some((r) => r.id === id)) rasterState.shown.delete(id);
}

/** The panel's section: a switch and an opacity per raster (nothing without rasters). */
export function rastersPanel(lang: Lang): string {
  if (rasterState.list.length === 0) return '';
  return `<h2>${esc(pick(TEXT.rasters, lang))}</h2>
    <div id="rasters" data-testid="rasters">${rasterState.list.map((r) => `<div class="layer" data-raster-row="${esc(r.id)}">
      <label><input type="checkbox" data-raster="${esc(r.id)}" ${rasterState.shown.has(r.id) ? 'checked' : ''}> <span data-testid="raster-title">${esc(pick(r.titles, lang))}</span></label>
      <input type="range" min="0" max="1" step="0.05" value="${rasterState.opacity.get(r.id) ?? 1}" data-raster-opacity="${esc(r.id)}" aria-label="${esc(pick(TEXT.opacity, lang))}: ${esc(pick(r.titles, lang))}">
    </div>`).join('')}</div>`;
}

/** The shown rasters, bottom first: the hillshade last so that it lies over the imagery. */
export function drawOrder(list: Raster[], shown: Set<string>): Raster[] {
  const on = list.filter((r) => shown.has(r.id));
  return [...on.filter((r) => r.kind !== 'hillshade'), ...on.filter((r) => r.kind === 'hillshade')];
}

/** The first layer of Qala's own style (rasters go under it), if any. */
export function firstStyleLayer(style: Pick<StyleSpecification, 'layers'>): string | undefined {
  return style.layers.find((l) => l.type !== 'background' && 'source' in l && l.source === 'qala')?.id;
}

/** Puts the map's raster layers in line with the panel (after every style change too). */
export function applyRasters(map: MlMap): void {
  for (const id of added) {
    if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource(id)) map.removeSource(id);
  }
  added.clear();
  const before = firstStyleLayer(map.getStyle());
  for (const r of drawOrder(rasterState.list, rasterState.shown)) {
    const id = layerId(r.id);
    map.addSource(id, {
      type: 'raster',
      tiles: [location.origin + r.tiles],
      tileSize: 256,
      minzoom: r.min_zoom,
      maxzoom: r.max_zoom,
      bounds: r.bounds,
    });
    map.addLayer({ id, type: 'raster', source: id, paint: { 'raster-opacity': rasterState.opacity.get(r.id) ?? 1 } }, before);
    added.add(id);
  }
}

/** Handles the panel's raster inputs; `true` when the event was one of them. */
export function onRasterInput(map: MlMap, el: HTMLInputElement): boolean {
  if (el.dataset.raster) {
    if (el.checked) rasterState.shown.add(el.dataset.raster); else rasterState.shown.delete(el.dataset.raster);
    applyRasters(map);
    return true;
  }
  if (el.dataset.rasterOpacity) {
    const v = Number(el.value);
    rasterState.opacity.set(el.dataset.rasterOpacity, v);
    const id = layerId(el.dataset.rasterOpacity);
    if (map.getLayer(id)) map.setPaintProperty(id, 'raster-opacity', v);
    return true;
  }
  return false;
}
