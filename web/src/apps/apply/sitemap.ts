// The site of an application on a MapLibre map: drawn (point, line, polygon, or several of them,
// as the service's geometry rule allows) or picked from a layer (a building, a land plot: its
// geometry from `/ogc/collections/{layer}/items/{fid}`), checked before it is sent (kind, number of
// points and parts, area, length, inside the city), or only shown. Phone first: taps add points,
// buttons finish, undo and clear. MapLibre is loaded here, only where a map is shown.
import type * as ML from 'maplibre-gl';
import turfArea from '@turf/area';
import turfLength from '@turf/length';
import * as api from '../api';
import { esc } from '../words';
import type { GeometryRule } from './model';
import { tr } from './words';

type Pos = [number, number];
export interface SiteValue { geometry: GeoJSON.Geometry | null; feature?: { layer: string; id: number } }
export interface SiteMap {
  value(): SiteValue;
  /** Problems of the current site against the rule, in the user's words (empty: fine). */
  check(): Promise<string[]>;
  setEditable(on: boolean): void;
  destroy(): void;
}

let loaded: Promise<typeof ML> | null = null;
async function maplibre(): Promise<typeof ML> {
  loaded ??= (async () => {
    const [ml, worker] = await Promise.all([
      import('maplibre-gl'),
      import('maplibre-gl/dist/maplibre-gl-worker.mjs?url'),
      import('maplibre-gl/dist/maplibre-gl.css'),
    ]);
    ml.setWorkerUrl(worker.default);
    return ml;
  })();
  return loaded;
}

// The city's districts, for the "inside Almaty" check before sending (the server checks again
// against the city boundary).
let districts: Promise<GeoJSON.Feature[]> | null = null;
function cityParts(): Promise<GeoJSON.Feature[]> {
  districts ??= api.get<GeoJSON.FeatureCollection>('/ogc/collections/districts/items?limit=100')
    .then((fc) => fc.features)
    .catch(() => { districts = null; return []; });
  return districts;
}

function inRing(p: Pos, ring: Pos[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
function inPolygon(p: Pos, rings: Pos[][]): boolean {
  return inRing(p, rings[0]) && !rings.slice(1).some((h) => inRing(p, h));
}
function inGeometry(p: Pos, g: GeoJSON.Geometry): boolean {
  if (g.type === 'Polygon') return inPolygon(p, g.coordinates as Pos[][]);
  if (g.type === 'MultiPolygon') return (g.coordinates as Pos[][][]).some((poly) => inPolygon(p, poly));
  return false;
}
function vertices(g: GeoJSON.Geometry): Pos[] {
  const out: Pos[] = [];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') out.push(c as Pos);
    else if (Array.isArray(c)) c.forEach(walk);
  };
  if (g.type !== 'GeometryCollection') walk(g.coordinates);
  return out;
}
function bboxOf(g: GeoJSON.Geometry): [number, number, number, number] | null {
  const v = vertices(g);
  if (!v.length) return null;
  return [Math.min(...v.map((p) => p[0])), Math.min(...v.map((p) => p[1])), Math.max(...v.map((p) => p[0])), Math.max(...v.map((p) => p[1]))];
}

const base = (kind: string) => kind.replace('multi_', '');
const nf = (n: number, d = 0) => new Intl.NumberFormat('ru-RU', { maximumFractionDigits: d }).format(n);

/** Parts of a stored geometry as lists of positions (a polygon: its outer ring without the closing point). */
function partsOf(g: GeoJSON.Geometry | null): Pos[][] {
  if (!g) return [];
  switch (g.type) {
    case 'Point': return [[g.coordinates as Pos]];
    case 'MultiPoint': return (g.coordinates as Pos[]).map((p) => [p]);
    case 'LineString': return [g.coordinates as Pos[]];
    case 'MultiLineString': return g.coordinates as Pos[][];
    case 'Polygon': return [(g.coordinates[0] as Pos[]).slice(0, -1)];
    case 'MultiPolygon': return (g.coordinates as Pos[][][]).map((p) => p[0].slice(0, -1));
    default: return [];
  }
}

function geometryOf(kind: string, parts: Pos[][]): GeoJSON.Geometry | null {
  if (!parts.length) return null;
  // Outer rings counter-clockwise (RFC 7946's right-hand rule): the server's geodesic area takes
  // a clockwise ring for the rest of the globe and refuses it as too large.
  const ring = (p: Pos[]) => {
    const twice = p.reduce((s, q, i) => { const r = p[(i + 1) % p.length]; return s + (q[0] * r[1] - r[0] * q[1]); }, 0);
    const ccw = twice >= 0 ? p : [...p].reverse();
    return [...ccw, ccw[0]];
  };
  switch (kind) {
    case 'point': return { type: 'Point', coordinates: parts[0][0] };
    case 'multi_point': return { type: 'MultiPoint', coordinates: parts.map((p) => p[0]) };
    case 'line': return { type: 'LineString', coordinates: parts[0] };
    case 'multi_line': return { type: 'MultiLineString', coordinates: parts };
    case 'polygon': return { type: 'Polygon', coordinates: [ring(parts[0])] };
    case 'multi_polygon': return { type: 'MultiPolygon', coordinates: parts.map((p) => [ring(p)]) };
    default: return null;
  }
}

/** The map of a site in `host`. */
export async function siteMap(host: HTMLElement, rule: GeometryRule, initial: GeoJSON.Geometry | null, opts: { editable: boolean; onChange?: (v: SiteValue) => void }): Promise<SiteMap> {
  const ml = await maplibre();
  const lang = api.currentLang();
  const picking = rule.kind === 'layer_feature';
  const kind = rule.kind;
  const multi = kind.startsWith('multi_');
  let editable = opts.editable;
  let parts: Pos[][] = picking ? [] : partsOf(initial);
  let pts: Pos[] = [];
  let pickedGeom: GeoJSON.Geometry | null = picking ? initial : null;
  let feature: { layer: string; id: number } | undefined;

  const hintKey = picking ? 'hintPick' : base(kind) === 'point' ? 'hintPoint' : base(kind) === 'line' ? 'hintLine' : 'hintPolygon';
  host.innerHTML = `<div class="site-map" data-testid="site-map"></div>
    <div class="site-tools" data-testid="site-tools">
      <p class="hint" data-testid="site-hint">${esc(tr(hintKey))}${multi ? ` ${esc(tr('hintMulti'))}` : ''}</p>
      ${picking || base(kind) === 'point' ? '' : `<button type="button" class="primary" data-site="done" data-testid="site-done">${esc(tr('done'))}</button>
      <button type="button" data-site="undo" data-testid="site-undo">${esc(tr('undo'))}</button>`}
      <button type="button" data-site="clear" data-testid="site-clear">${esc(tr('clear'))}</button>
    </div>
    <p class="site-status" data-testid="site-status" aria-live="polite"></p>`;
  const box = host.querySelector<HTMLElement>('.site-map')!;
  const tools = host.querySelector<HTMLElement>('.site-tools')!;
  const status = host.querySelector<HTMLElement>('.site-status')!;
  const style = await api.get<ML.StyleSpecification>(`/styles/qala.json?lang=${encodeURIComponent(lang)}`);
  const coarse = matchMedia('(pointer: coarse)').matches;
  const map = new ml.Map({ container: box, style, center: [76.93, 43.25], zoom: 11, attributionControl: { compact: true }, cooperativeGestures: coarse, doubleClickZoom: false });
  map.addControl(new ml.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ml.ScaleControl({ unit: 'metric' }), 'bottom-left');
  (window as unknown as { qalaApply?: unknown }).qalaApply = { map };
  const start = initial && bboxOf(initial);
  if (start) map.fitBounds([[start[0], start[1]], [start[2], start[3]]], { padding: 40, maxZoom: 17, duration: 0 });

  const value = (): SiteValue => (picking ? { geometry: pickedGeom, feature } : { geometry: geometryOf(kind, parts) });

  const render = () => {
    const src = map.getSource('site') as ML.GeoJSONSource | undefined;
    if (!src) return;
    const features: GeoJSON.Feature[] = [];
    const g = value().geometry;
    if (g) features.push({ type: 'Feature', properties: { role: 'site' }, geometry: g });
    if (pts.length) {
      if (pts.length > 1) features.push({ type: 'Feature', properties: { role: 'draft' }, geometry: { type: 'LineString', coordinates: base(kind) === 'polygon' && pts.length > 2 ? [...pts, pts[0]] : pts } });
      for (const p of pts) features.push({ type: 'Feature', properties: { role: 'vertex' }, geometry: { type: 'Point', coordinates: p } });
    }
    src.setData({ type: 'FeatureCollection', features });
    tools.hidden = !editable;
    void describe();
  };

  const problems = async (): Promise<string[]> => {
    const v = value();
    const out: string[] = [];
    if (pts.length) out.push(tr('siteFewPoints'));
    const g = v.geometry;
    if (!g) return out;
    if (multi && parts.length > (rule.max_parts ?? 50)) out.push(`${tr('siteTooManyParts')} (${tr('limit')}: ${rule.max_parts ?? 50})`);
    if (rule.max_area_m2 && /Polygon/.test(g.type) && turfArea(g) > rule.max_area_m2) out.push(`${tr('siteTooLarge')} (${tr('limit')}: ${nf(rule.max_area_m2)} m²)`);
    if (rule.max_length_m && /LineString/.test(g.type) && turfLength({ type: 'Feature', properties: {}, geometry: g }) * 1000 > rule.max_length_m) out.push(`${tr('siteTooLong')} (${tr('limit')}: ${nf(rule.max_length_m)} m)`);
    if (rule.inside_almaty !== false && !picking) {
      const city = await cityParts();
      if (city.length && !vertices(g).every((p) => city.some((f) => f.geometry && inGeometry(p, f.geometry)))) out.push(tr('siteOutside'));
    }
    return out;
  };

  const describe = async () => {
    const v = value();
    const g = v.geometry;
    const bits: string[] = [];
    if (g && /Polygon/.test(g.type)) bits.push(`${tr('area')}: ${nf(turfArea(g))} m²`);
    if (g && /LineString/.test(g.type)) bits.push(`${tr('length')}: ${nf(turfLength({ type: 'Feature', properties: {}, geometry: g }) * 1000)} m`);
    if (v.feature) bits.unshift(`${tr('picked')}: ${tr(v.feature.layer === 'buildings' ? 'layerBuildings' : 'layerLand')} № ${v.feature.id}`);
    const p = (await problems()).filter((x) => x !== tr('siteFewPoints'));
    if (pts.length) bits.push(`${tr('drawing')}: ${pts.length}`);
    status.dataset.ok = String(!!g && p.length === 0);
    status.className = `site-status ${p.length ? 'error' : g ? 'ok' : ''}`;
    status.innerHTML = [
      ...bits.map((b) => `<span>${esc(b)}</span>`),
      ...(p.length ? p.map((x) => `<span data-testid="site-problem">⚠ ${esc(x)}</span>`) : [g ? `<span>✓ ${esc(tr('siteOk'))}</span>` : `<span>${esc(tr('siteNone'))}</span>`]),
    ].join(' · ');
  };

  const changed = () => { render(); opts.onChange?.(value()); };

  const finish = () => {
    const need = base(kind) === 'polygon' ? 3 : base(kind) === 'line' ? 2 : 1;
    if (pts.length < need) { status.textContent = tr('siteFewPoints'); return; }
    parts = multi ? [...parts, pts] : [pts];
    pts = [];
    changed();
  };

  const pick = async (e: ML.MapMouseEvent) => {
    const b: [ML.PointLike, ML.PointLike] = [[e.point.x - 6, e.point.y - 6], [e.point.x + 6, e.point.y + 6]];
    const layers = map.getLayer('pick-fill') ? ['pick-fill'] : undefined;
    const hit = map.queryRenderedFeatures(b, layers ? { layers } : undefined).find((f) => f.sourceLayer === rule.layer && f.id !== undefined);
    if (!hit) { status.textContent = tr('noFeatureHere'); return; }
    const id = Number(hit.id);
    const f = await api.get<GeoJSON.Feature>(`/ogc/collections/${encodeURIComponent(rule.layer!)}/items/${id}`);
    pickedGeom = f.geometry;
    feature = { layer: rule.layer!, id };
    changed();
  };

  map.on('load', () => {
    map.addSource('site', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'site-fill', type: 'fill', source: 'site', filter: ['all', ['==', ['get', 'role'], 'site'], ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]]], paint: { 'fill-color': '#1f6feb', 'fill-opacity': 0.25 } });
    map.addLayer({ id: 'site-line', type: 'line', source: 'site', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': ['match', ['get', 'role'], 'draft', '#d93025', '#1f6feb'], 'line-width': 3, 'line-dasharray': ['match', ['get', 'role'], 'draft', ['literal', [2, 1]], ['literal', [1, 0]]] } });
    map.addLayer({ id: 'site-pts', type: 'circle', source: 'site', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': ['match', ['get', 'role'], 'vertex', 5, 7], 'circle-color': ['match', ['get', 'role'], 'vertex', '#d93025', '#1f6feb'], 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
    if (picking && rule.layer) {
      // The layer sites are picked from: shown, with a faint fill so that a tap inside a plot or a
      // building finds it (the base style may draw it as outlines only, or hide it).
      const styleLayers = (map.getStyle().layers ?? []).filter((l) => 'source-layer' in l && l['source-layer'] === rule.layer);
      for (const l of styleLayers) map.setLayoutProperty(l.id, 'visibility', 'visible');
      const source = styleLayers[0] && 'source' in styleLayers[0] ? String(styleLayers[0].source) : 'qala';
      map.addLayer({ id: 'pick-fill', type: 'fill', source, 'source-layer': rule.layer, paint: { 'fill-color': '#1f6feb', 'fill-opacity': 0.06, 'fill-outline-color': '#1f6feb' } }, 'site-fill');
    }
    render();
    // The compact attribution starts open on narrow screens; it opens on a tap.
    box.querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
    host.dataset.ready = 'true';
  });
  map.on('click', (e) => {
    if (!editable) return;
    if (picking) { void pick(e).catch((err) => (status.textContent = (err as Error).message)); return; }
    const p: Pos = [e.lngLat.lng, e.lngLat.lat];
    if (base(kind) === 'point') { parts = multi ? [...parts, [p]] : [[p]]; changed(); return; }
    pts.push(p);
    render();
  });
  map.on('dblclick', (e) => { if (editable && !picking && pts.length) { e.preventDefault(); finish(); } });
  tools.addEventListener('click', (ev) => {
    const a = (ev.target as HTMLElement).closest<HTMLElement>('[data-site]')?.dataset.site;
    if (a === 'done') finish();
    if (a === 'undo') { if (pts.length) { pts.pop(); render(); } else if (parts.length) { parts = parts.slice(0, -1); changed(); } }
    if (a === 'clear') { pts = []; parts = []; pickedGeom = null; feature = undefined; changed(); }
  });
  render();
  return {
    value,
    check: problems,
    setEditable(on: boolean) { editable = on; render(); },
    destroy() { map.remove(); },
  };
}
