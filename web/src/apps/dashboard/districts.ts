// The map of Almaty coloured by district (applications, open ones or overdue ones) from
// `/api/applications/analytics/districts` (GeoJSON): a MapLibre fill layer with a colour ramp and
// its legend; a click on a district opens the monitoring table filtered to it. MapLibre is loaded
// with this module only (dashboard.ts imports it dynamically).
import * as maplibregl from 'maplibre-gl';
import type { StyleSpecification, GeoJSONSource, ExpressionSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';

export type Metric = 'count' | 'open' | 'overdue';
export interface DistrictsMap {
  show(data: GeoJSON.FeatureCollection, metric: Metric): void;
  map: maplibregl.Map;
  destroy(): void;
}

const RAMP = ['#eef4ff', '#b9d3fb', '#74a7f2', '#2f6fd6', '#123f8c'];

/** The ramp's stops for values min..max (at most five, whole numbers): the districts' spread, so
 *  that close counts still differ in colour. */
export function stops(min: number, max: number): number[] {
  if (max <= min) return [max];
  const n = Math.min(RAMP.length, max - min + 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round(min + ((max - min) * i) / (n - 1)));
  return [...new Set(out)];
}

function bounds(fc: GeoJSON.FeatureCollection): [number, number, number, number] | null {
  let b: [number, number, number, number] | null = null;
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      b = b ? [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)] : [x, y, x, y];
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  for (const f of fc.features) walk((f.geometry as { coordinates?: unknown })?.coordinates);
  return b;
}

/** Layers of the base map under the districts: water, streets and district names (not the
 *  buildings, plots and points: less to fetch and draw under a choropleth). */
const BASE_LAYERS = ['hydro_areas', 'hydro_lines', 'districts', 'streets'];
function lighter(style: StyleSpecification): StyleSpecification {
  const layers = style.layers.filter((l) => !('source-layer' in l) || BASE_LAYERS.includes(String(l['source-layer'])));
  const sources = Object.fromEntries(Object.entries(style.sources).map(([id, src]) => {
    const tiles = (src as { tiles?: string[] }).tiles;
    if (!tiles) return [id, src];
    return [id, { ...src, tiles: tiles.map((t) => t.replace(/\/tiles\/([^/]+)\//, (_m, list: string) => `/tiles/${list.split(',').filter((x) => BASE_LAYERS.includes(x)).join(',') || list}/`)) }];
  }));
  return { ...style, layers, sources } as StyleSpecification;
}

/** A map in `el`; `legend` gets the ramp; `onPick(kato)` on a click of a district. */
export async function districtsMap(el: HTMLElement, legend: HTMLElement, lang: string, names: { title: (m: Metric) => string; none: string }, onPick: (kato: string, name: string) => void): Promise<DistrictsMap> {
  maplibregl.setWorkerUrl(workerUrl);
  const style = lighter(await (await fetch(`/styles/qala.json?lang=${encodeURIComponent(lang)}`, { credentials: 'same-origin' })).json() as StyleSpecification);
  const map = new maplibregl.Map({ container: el, style, center: [76.93, 43.25], zoom: 10, attributionControl: { compact: true }, cooperativeGestures: matchMedia('(pointer: coarse)').matches });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  await new Promise<void>((res) => (map.loaded() ? res() : map.once('load', () => res())));
  map.addSource('anl-districts', { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'kato' });
  map.addLayer({ id: 'anl-fill', type: 'fill', source: 'anl-districts', paint: { 'fill-color': RAMP[0], 'fill-opacity': 0.72 } });
  map.addLayer({ id: 'anl-line', type: 'line', source: 'anl-districts', paint: { 'line-color': '#16325c', 'line-width': ['case', ['boolean', ['feature-state', 'hover'], false], 3, 1] } });
  map.addLayer({ id: 'anl-label', type: 'symbol', source: 'anl-districts', layout: { 'text-field': ['to-string', ['get', 'value']], 'text-size': 14, 'text-font': ['DejaVu Sans Bold'] }, paint: { 'text-color': '#111', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } });
  let hovered: string | number | undefined;
  map.on('mousemove', 'anl-fill', (e) => {
    const f = e.features?.[0];
    if (hovered !== undefined) map.setFeatureState({ source: 'anl-districts', id: hovered }, { hover: false });
    hovered = f?.id;
    if (hovered !== undefined) map.setFeatureState({ source: 'anl-districts', id: hovered }, { hover: true });
    map.getCanvas().style.cursor = 'pointer';
  });
  map.on('mouseleave', 'anl-fill', () => {
    if (hovered !== undefined) map.setFeatureState({ source: 'anl-districts', id: hovered }, { hover: false });
    hovered = undefined;
    map.getCanvas().style.cursor = '';
  });
  map.on('click', 'anl-fill', (e) => {
    const p = e.features?.[0]?.properties as { kato?: string; name?: string } | undefined;
    if (p?.kato) onPick(p.kato, p.name ?? p.kato);
  });
  let first = true;
  return {
    map,
    show(data, metric) {
      const nameKey = lang === 'kk' || lang === 'kk-Latn' ? 'name_kk' : lang === 'en' ? 'name_en' : 'name_ru';
      const features = data.features.map((f) => {
        const p = f.properties as Record<string, unknown>;
        return { ...f, properties: { ...p, value: Number(p[metric] ?? 0), name: String(p[nameKey] ?? p.name_ru ?? p.kato) } };
      });
      (map.getSource('anl-districts') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
      const values = features.map((f) => f.properties.value);
      const max = Math.max(0, ...values);
      const s = stops(values.length ? Math.min(...values) : 0, max);
      const colour: ExpressionSpecification | string = s.length < 2 ? RAMP[max > 0 ? RAMP.length - 1 : 0]
        : ['interpolate', ['linear'], ['get', 'value'], ...s.flatMap((v, i) => [v, RAMP[Math.round((i * (RAMP.length - 1)) / (s.length - 1))]])] as ExpressionSpecification;
      map.setPaintProperty('anl-fill', 'fill-color', colour);
      legend.innerHTML = `<div class="legend-title">${names.title(metric)}</div>${features.length ? `<div class="ramp">${s.map((v, i) => `<span data-testid="legend-stop" data-value="${v}"><i style="background:${RAMP[s.length < 2 ? (max > 0 ? RAMP.length - 1 : 0) : Math.round((i * (RAMP.length - 1)) / (s.length - 1))]}"></i>${v}</span>`).join('')}</div>` : `<div class="hint">${names.none}</div>`}`;
      legend.dataset.max = String(max);
      const b = first ? bounds(data) : null;
      if (b) { map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 24, duration: 0, maxZoom: 12 }); first = false; }
    },
    destroy() { map.remove(); },
  };
}
