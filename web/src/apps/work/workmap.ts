// The workstation's map: the application's site, the features of its overlay report (each
// highlighted when its line is hovered or picked), and the raster base maps the server offers
// (topographic survey, orthophoto, ...) when configured. MapLibre is loaded only here, i.e. only
// when an application is opened.
import * as maplibregl from 'maplibre-gl';
import type { StyleSpecification, GeoJSONSource, LngLatBoundsLike } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { localiseAttribution, attributionText } from '../../attribution';
import type { Lang } from '../lang';
import { textOf } from '../lang';
import * as api from '../api';
import { objectLayers, styleFont } from './objects';

type Geometry = GeoJSON.Geometry;
type Texts = { kk?: string; ru?: string; en?: string };

/** A base map of `/api/web/config`. */
export interface Basemap {
  id: string;
  kind: string;
  title: Texts | string;
  tiles?: string[];
  tile_size?: number;
  max_zoom?: number;
  attribution?: Texts | string;
}

interface WebConfig { center: [number, number]; zoom: number; basemaps: Basemap[] }

let configCache: Promise<WebConfig> | null = null;
/** The web map's configuration (asked once). */
export function webConfig(): Promise<WebConfig> {
  configCache ??= api.get<WebConfig>('/api/web/config').catch((e) => { configCache = null; throw e; });
  return configCache;
}

const featureCache = new Map<string, Promise<Geometry | null>>();
/** The geometry of feature `fid` of `layer` (OGC API Features), null when it cannot be read. */
export function featureGeometry(layer: string, fid: number | string): Promise<Geometry | null> {
  const key = `${layer}/${fid}`;
  let p = featureCache.get(key);
  if (!p) {
    p = api.get<{ geometry?: Geometry }>(`/ogc/collections/${encodeURIComponent(layer)}/items/${encodeURIComponent(String(fid))}`)
      .then((f) => f.geometry ?? null)
      .catch(() => null);
    featureCache.set(key, p);
  }
  return p;
}

/** The bounding box of a geometry: [w, s, e, n], or null when it has no coordinates. */
export function bboxOf(g: Geometry | null | undefined): [number, number, number, number] | null {
  if (!g) return null;
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  if (g.type === 'GeometryCollection') g.geometries.forEach((x) => walk((x as { coordinates?: unknown }).coordinates));
  else walk((g as { coordinates: unknown }).coordinates);
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

/** The map of one application. */
export interface WorkMap {
  map: maplibregl.Map;
  /** Highlights `g` (null: none); `fit` moves the view to it. */
  highlight(g: Geometry | null, fit?: boolean): void;
  /** Draws the overlay's features (thin, under the highlight). */
  context(features: GeoJSON.Feature[]): void;
  /** Draws the application's vector objects (features of `objects.mapFeatures`). */
  objects(fc: GeoJSON.FeatureCollection): void;
  /** Draws the object being drawn (a line or polygon with `role: draft`, vertices `role: vertex`). */
  draft(features: GeoJSON.Feature[]): void;
  /** The raster base map `id` under Qala's layers ('' or 'qala': none). */
  setBasemap(id: string): void;
  destroy(): void;
}

/** Opens the map in `el` on the application's `site`; resolves once its style is loaded. */
export async function openMap(el: HTMLElement, site: Geometry | null, lang: Lang, basemaps: Basemap[]): Promise<WorkMap> {
  maplibregl.setWorkerUrl(workerUrl);
  const [cfg, style] = await Promise.all([
    webConfig().catch(() => ({ center: [76.93, 43.25] as [number, number], zoom: 11, basemaps: [] })),
    api.get<StyleSpecification>(`/styles/qala.json?lang=${encodeURIComponent(lang)}`),
  ]);
  const bb = bboxOf(site);
  const map = new maplibregl.Map({
    container: el,
    style: localiseAttribution(style, lang),
    center: cfg.center,
    zoom: cfg.zoom,
    attributionControl: { compact: true },
    ...(bb ? { bounds: bb as LngLatBoundsLike, fitBoundsOptions: { padding: 60, maxZoom: 17 } } : {}),
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ maxWidth: 120, unit: 'metric' }), 'bottom-right');
  (window as unknown as { qalaWork?: { map: maplibregl.Map } }).qalaWork = { map };
  await new Promise<void>((res) => (map.loaded() ? res() : map.once('load', () => res())));
  map.addSource('work-context', { type: 'geojson', data: EMPTY });
  map.addSource('work-site', { type: 'geojson', data: site ? { type: 'Feature', geometry: site, properties: {} } : EMPTY });
  map.addSource('work-hl', { type: 'geojson', data: EMPTY });
  map.addLayer({ id: 'work-context-fill', type: 'fill', source: 'work-context', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#7c4dff', 'fill-opacity': 0.06 } });
  map.addLayer({ id: 'work-context-line', type: 'line', source: 'work-context', paint: { 'line-color': '#7c4dff', 'line-width': 1.2, 'line-opacity': 0.6, 'line-dasharray': [2, 2] } });
  map.addLayer({ id: 'work-site-fill', type: 'fill', source: 'work-site', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#d93025', 'fill-opacity': 0.25 } });
  map.addLayer({ id: 'work-site-line', type: 'line', source: 'work-site', paint: { 'line-color': '#d93025', 'line-width': 3 } });
  map.addLayer({ id: 'work-site-point', type: 'circle', source: 'work-site', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 8, 'circle-color': '#d93025', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  // The application's vector objects (a style per kind) over the site, the one being drawn over them.
  map.addSource('work-objects', { type: 'geojson', data: EMPTY });
  for (const l of objectLayers('work-objects', 'work-obj', styleFont(map))) map.addLayer(l);
  map.addSource('work-draw', { type: 'geojson', data: EMPTY });
  map.addLayer({ id: 'work-draw-fill', type: 'fill', source: 'work-draw', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#d93025', 'fill-opacity': 0.12 } });
  map.addLayer({ id: 'work-draw-line', type: 'line', source: 'work-draw', filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': '#d93025', 'line-width': 2.5, 'line-dasharray': [2, 1] } });
  map.addLayer({ id: 'work-draw-vertex', type: 'circle', source: 'work-draw', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 5, 'circle-color': '#d93025', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  map.addLayer({ id: 'work-hl-fill', type: 'fill', source: 'work-hl', filter: ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]], paint: { 'fill-color': '#ffb300', 'fill-opacity': 0.35 } });
  map.addLayer({ id: 'work-hl-line', type: 'line', source: 'work-hl', paint: { 'line-color': '#ff6f00', 'line-width': 5, 'line-opacity': 0.9 } });
  map.addLayer({ id: 'work-hl-point', type: 'circle', source: 'work-hl', filter: ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]], paint: { 'circle-radius': 9, 'circle-color': '#ff6f00', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });

  const firstQala = () => (map.getStyle().layers ?? []).find((l) => l.type !== 'background')?.id;
  const setBasemap = (id: string) => {
    if (map.getLayer('work-base')) map.removeLayer('work-base');
    if (map.getSource('work-base')) map.removeSource('work-base');
    const b = basemaps.find((x) => x.id === id);
    const bg = (map.getStyle().layers ?? []).find((l) => l.type === 'background');
    if (b && b.tiles?.length) {
      map.addSource('work-base', { type: 'raster', tiles: b.tiles, tileSize: b.tile_size ?? 256, maxzoom: b.max_zoom ?? 19, attribution: attributionText(b.attribution, lang) });
      map.addLayer({ id: 'work-base', type: 'raster', source: 'work-base' }, firstQala());
    }
    if (bg) map.setLayoutProperty(bg.id, 'visibility', b && b.tiles?.length ? 'none' : 'visible');
  };

  return {
    map,
    highlight(g, fit = false) {
      (map.getSource('work-hl') as GeoJSONSource).setData(g ? { type: 'Feature', geometry: g, properties: {} } : EMPTY);
      const b = fit ? bboxOf(g) : null;
      if (b) {
        // Keep the site in view too: the union of both boxes.
        const s = bboxOf(site);
        const u: [number, number, number, number] = s ? [Math.min(b[0], s[0]), Math.min(b[1], s[1]), Math.max(b[2], s[2]), Math.max(b[3], s[3])] : b;
        map.fitBounds(u as LngLatBoundsLike, { padding: 60, maxZoom: 17, duration: 400 });
      }
    },
    context(features) {
      (map.getSource('work-context') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
    },
    objects(fc) {
      (map.getSource('work-objects') as GeoJSONSource).setData(fc);
    },
    draft(features) {
      (map.getSource('work-draw') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
    },
    setBasemap,
    destroy() { map.remove(); },
  };
}

/** The title of a base map in `lang`. */
export const basemapTitle = (b: Basemap, lang: Lang) => textOf(b.title, lang) || b.id;
