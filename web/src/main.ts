// The Qala web map: base maps, layers by theme with legends, search, KATO navigation, object
// cards, measuring, 3D terrain, four languages. Everything comes from the server's API, which
// already leaves out what the caller may not read.
import * as maplibregl from 'maplibre-gl';
import type { StyleSpecification, LayerSpecification, MapMouseEvent } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
// MapLibre 6 runs its worker from a module file of its own: Vite copies it into /assets/.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import length from '@turf/length';
import area from '@turf/area';
import { lineString, polygon } from '@turf/helpers';
import './style.css';
import { type Lang, LANGS, LANG_NAMES, t, pick, serverLang, storedLang } from './i18n';
import * as editing from './edit';
import * as printing from './print';
import * as rasters from './rasters';
import { dms, utm43, scaleDenominator, roundScale, namedScale, distance } from './format';
import { layerLegend, swatchHtml, visibleAt, LEGEND_WORDS, type LegendWords, type Props, type StyleLayerLike } from './legend';
import { adoptSharedView, canonicalHash } from './hash';
import { localiseAttribution, attributionText } from './attribution';

type Texts = { kk?: string; ru?: string; en?: string };
interface Layer { id: string; titles: Texts; theme: string; geometry: string }
interface Attribute { name: string; type: string; label: Texts; required?: boolean; values?: Array<{ value: string; label: Texts } | string>; min?: number; max?: number; max_length?: number }
interface Basemap { id: string; kind: string; title: Texts; url?: string; tiles?: string[]; tile_size?: number; max_zoom?: number; attribution?: Texts | string }
interface Config { center: [number, number]; zoom: number; basemaps: Basemap[]; terrain: Array<{ id: string; tilejson: string }>; themes: Record<string, Texts> }
interface Hit { kind: string; layer: string | null; id: string; title: string; subtitle: string | null; center: [number, number]; bbox: [number, number, number, number] }

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const getJson = async <T>(url: string): Promise<T> => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json() as Promise<T>;
};

const state = {
  lang: storedLang(),
  layers: [] as Layer[],
  attrs: new Map<string, Attribute[]>(),
  hidden: new Set<string>(),
  opacity: new Map<string, number>(),
  basemap: 'qala',
  overlay: '',
  overlayOpacity: 0.5,
  threeD: false,
  measuring: false,
  measurePts: [] as Array<[number, number]>,
};

let config: Config;
let map: maplibregl.Map;
let readyResolve: () => void;
const ready = new Promise<void>((r) => (readyResolve = r));

function notice(text: string) {
  const n = $('#notice');
  n.textContent = text;
  n.hidden = false;
  setTimeout(() => (n.hidden = true), 4000);
}

async function loadAttributes(id: string): Promise<Attribute[]> {
  if (!state.attrs.has(id)) {
    const d = await getJson<{ attributes: Attribute[] }>(`/api/layers/${id}`);
    state.attrs.set(id, d.attributes);
  }
  return state.attrs.get(id)!;
}

/** Qala's style with labels and attributions in `lang`. */
async function styleFor(lang: Lang): Promise<StyleSpecification> {
  return localiseAttribution(await getJson<StyleSpecification>(`/styles/qala.json?lang=${encodeURIComponent(lang)}`), lang);
}

/** Style layers drawing a Qala layer. */
function styleLayersOf(id: string): LayerSpecification[] {
  if (!map) return [];
  try {
    return (map.getStyle()?.layers ?? []).filter((l) => 'source-layer' in l && l['source-layer'] === id);
  } catch {
    return []; // the style is not parsed yet
  }
}

const OPACITY: Record<string, string[]> = {
  fill: ['fill-opacity'], line: ['line-opacity'], circle: ['circle-opacity', 'circle-stroke-opacity'],
  symbol: ['text-opacity', 'icon-opacity'], 'fill-extrusion': ['fill-extrusion-opacity'], heatmap: ['heatmap-opacity'],
};

function applyLayerState() {
  for (const l of state.layers) {
    for (const sl of styleLayersOf(l.id)) {
      map.setLayoutProperty(sl.id, 'visibility', state.hidden.has(l.id) ? 'none' : 'visible');
      const o = state.opacity.get(l.id);
      if (o !== undefined) for (const p of OPACITY[sl.type] ?? []) map.setPaintProperty(sl.id, p as 'fill-opacity', o);
    }
  }
}

function firstQalaLayer(): string | undefined {
  return (map.getStyle().layers ?? []).find((l) => l.type !== 'background')?.id;
}

function applyBasemaps() {
  for (const id of ['base-raster', 'overlay-raster']) {
    if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource(id)) map.removeSource(id);
  }
  const add = (id: string, b: Basemap | undefined, opacity: number) => {
    if (!b || b.kind !== 'xyz' || !b.tiles) return;
    map.addSource(id, { type: 'raster', tiles: b.tiles, tileSize: b.tile_size ?? 256, maxzoom: b.max_zoom ?? 19, attribution: attributionText(b.attribution, state.lang) });
    map.addLayer({ id, type: 'raster', source: id, paint: { 'raster-opacity': opacity } }, firstQalaLayer());
  };
  const base = config.basemaps.find((b) => b.id === state.basemap);
  add('base-raster', base, 1);
  add('overlay-raster', config.basemaps.find((b) => b.id === state.overlay), state.overlayOpacity);
  if (map.getLayer('overlay-raster') && map.getLayer('base-raster')) map.moveLayer('overlay-raster', firstQalaLayer());
  // Over an external base map, Qala's background is hidden so the imagery shows.
  const bg = (map.getStyle().layers ?? []).find((l) => l.type === 'background');
  if (bg) map.setLayoutProperty(bg.id, 'visibility', base && base.kind === 'xyz' ? 'none' : 'visible');
}

function apply3D() {
  const terrain = config.terrain[0];
  if (state.threeD) {
    if (terrain && !map.getSource('terrain')) {
      map.addSource('terrain', { type: 'raster-dem', url: terrain.tilejson, encoding: 'mapbox', tileSize: 256 });
    }
    if (terrain) map.setTerrain({ source: 'terrain', exaggeration: 1.5 });
    if (!map.getLayer('buildings-3d') && state.layers.some((l) => l.id === 'buildings')) {
      map.addLayer({
        id: 'buildings-3d', type: 'fill-extrusion', source: 'qala', 'source-layer': 'buildings', minzoom: 13,
        paint: {
          'fill-extrusion-color': ['match', ['get', 'use'], 'residential', '#d9c7a7', 'public', '#b5c7e3', 'commercial', '#e3b5b5', 'industrial', '#bdbdbd', '#d0d0d0'],
          'fill-extrusion-height': ['*', ['coalesce', ['get', 'floors'], 1], 3],
          'fill-extrusion-opacity': 0.9,
        },
      });
    }
    if (map.getPitch() < 30) map.easeTo({ pitch: 60, duration: 500 });
  } else {
    map.setTerrain(null);
    if (map.getLayer('buildings-3d')) map.removeLayer('buildings-3d');
    map.easeTo({ pitch: 0, duration: 300 });
  }
}

function renderPanel() {
  const L = state.lang;
  document.documentElement.lang = L;
  document.title = pick({ kk: 'Qala: Алматы картасы', ru: 'Qala: карта Алматы', en: 'Qala: map of Almaty' }, L);
  $('#menu').textContent = t('menu', L);
  const themes = new Map<string, Layer[]>();
  for (const l of state.layers) themes.set(l.theme, [...(themes.get(l.theme) ?? []), l]);
  const basemapOptions = (sel: string, withNone: boolean) =>
    (withNone ? `<option value="">${esc(t('none', L))}</option>` : '') +
    config.basemaps.map((b) => `<option value="${b.id}"${b.id === sel ? ' selected' : ''}>${esc(pick(b.title, L))}</option>`).join('');
  $('#panel').innerHTML = `
    <label>${esc(t('language', L))}
      <select id="lang" data-testid="lang">${LANGS.map((l) => `<option value="${l}"${l === L ? ' selected' : ''}>${LANG_NAMES[l]}</option>`).join('')}</select>
    </label>
    <h2>${esc(t('search', L))}</h2>
    <input id="search" type="search" data-testid="search" aria-label="${esc(t('search', L))}" placeholder="${esc(t('search', L))}" autocomplete="off">
    <ul id="results" data-testid="results"></ul>
    <h2>${esc(t('kato', L))}</h2>
    <ul id="kato" data-testid="kato"></ul>
    <h2>${esc(t('basemap', L))}</h2>
    <select id="basemap" data-testid="basemap" aria-label="${esc(t('basemap', L))}">${basemapOptions(state.basemap, false)}</select>
    <label>${esc(t('overlay', L))}<select id="overlay" data-testid="overlay">${basemapOptions(state.overlay, true).replace('<option value="qala"', '<option disabled value="qala"')}</select></label>
    <label>${esc(t('opacity', L))} <input id="overlay-opacity" type="range" min="0" max="1" step="0.05" value="${state.overlayOpacity}"></label>
    ${rasters.rastersPanel(L)}
    <h2>${esc(t('layers', L))}</h2>
    <div id="layers" data-testid="layers">${[...themes].map(([theme, ls]) => `
      <fieldset><legend>${esc(pick(config.themes[theme], L) || theme)}</legend>
      ${ls.map((l) => `<div class="layer" data-layer="${l.id}">
        <label><input type="checkbox" data-toggle="${l.id}" ${state.hidden.has(l.id) ? '' : 'checked'}> <span data-testid="layer-title">${esc(pick(l.titles, L))}</span></label>
        <input type="range" min="0" max="1" step="0.05" value="${state.opacity.get(l.id) ?? 1}" data-opacity="${l.id}" aria-label="${esc(t('opacity', L))}: ${esc(pick(l.titles, L))}">
        <div class="legend" data-legend="${l.id}"></div></div>`).join('')}
      </fieldset>`).join('')}</div>
    <h2>${esc(t('measure', L))}</h2>
    <div class="tools">
      <button type="button" id="measure" data-testid="measure" aria-pressed="${state.measuring}">${esc(t('measure', L))}</button>
      <button type="button" id="three-d" data-testid="three-d" aria-pressed="${state.threeD}">${esc(t('threeD', L))}</button>
      <button type="button" id="copy-link">${esc(t('link', L))}</button>
    </div>
    <div id="measure-out" data-testid="measure-out" aria-live="polite"></div>`;
  renderLegends();
  void renderKato();
}

/** The legend of each layer on screen: what its style layers draw at this zoom, only the classes
 *  among the features rendered in the view (web/src/legend.ts, the rules of the printed legend). */
function renderLegends() {
  const zoom = map ? map.getZoom() : 0;
  for (const l of state.layers) {
    const box = document.querySelector(`[data-legend="${l.id}"]`);
    if (!box) continue;
    const attrs = state.attrs.get(l.id) ?? [];
    const attr = (name: string) => attrs.find((a) => a.name === name);
    const words: LegendWords = {
      title: pick(l.titles, state.lang),
      other: pick(LEGEND_WORDS.other, state.lang),
      labels: pick(LEGEND_WORDS.labels, state.lang),
      valueLabel: (name, value) => {
        const v = attr(name)?.values?.find((x) => (typeof x === 'string' ? x : x.value) === value);
        return v === undefined ? null : typeof v === 'string' ? v : pick(v.label, state.lang);
      },
      values: (name) => (attr(name)?.values ?? []).map((x) => (typeof x === 'string' ? x : x.value)),
      attrLabel: (name) => (name === 'point_count' ? pick(LEGEND_WORDS.clustered, state.lang) : pick(attr(name)?.label, state.lang) || name),
    };
    const sls = styleLayersOf(l.id) as StyleLayerLike[];
    let present: Map<string, Props[]> | undefined;
    if (map?.isStyleLoaded()) {
      present = new Map();
      const ids = sls.filter((sl) => visibleAt(sl, zoom)).map((sl) => sl.id);
      // One pass, appending in place: a tilted 3D view renders tens of thousands of features,
      // and copying the list for each of them (quadratic) held the page for minutes.
      for (const f of ids.length ? map.queryRenderedFeatures({ layers: ids }) : []) {
        const seen = present.get(f.layer.id);
        if (seen) seen.push(f.properties as Props);
        else present.set(f.layer.id, [f.properties as Props]);
      }
      // Heat maps are not queryable: they draw the layer's points in the loaded tiles.
      for (const sl of sls.filter((s) => s.type === 'heatmap' && ids.includes(s.id))) {
        present.set(sl.id, map.querySourceFeatures('qala', { sourceLayer: l.id }).slice(0, 1).map((f) => f.properties as Props));
      }
    }
    box.innerHTML = layerLegend(sls, zoom, words, present)
      .map((e) => `<span data-testid="legend-entry">${swatchHtml(e.swatch)}${esc(e.label)}</span>`)
      .join('');
  }
}

async function renderKato() {
  const root = await getJson<{ code: string; name_ru: string; name_kk?: string; name_en?: string; bbox?: number[]; children: Array<{ code: string; name_ru: string; name_kk?: string; name_en?: string }> }>('/api/kato/750000000');
  const name = (u: { name_ru: string; name_kk?: string; name_en?: string }) => pick({ kk: u.name_kk, ru: u.name_ru, en: u.name_en }, state.lang);
  $('#kato').innerHTML = `<li><button type="button" data-kato="${root.code}">${esc(name(root))}</button><ul>${root.children
    .map((c) => `<li><button type="button" data-kato="${c.code}" data-testid="kato-unit">${esc(name(c))}</button></li>`).join('')}</ul></li>`;
}

async function goToKato(code: string) {
  const u = await getJson<{ bbox?: [number, number, number, number] }>(`/api/kato/${code}`);
  if (u.bbox) map.fitBounds([[u.bbox[0], u.bbox[1]], [u.bbox[2], u.bbox[3]]], { padding: 20, duration: 600 });
}

let searchTimer: ReturnType<typeof setTimeout> | undefined;
async function runSearch(q: string) {
  const list = $('#results');
  if (q.trim().length < 2) { list.innerHTML = ''; return; }
  const r = await getJson<{ results: Hit[] }>(`/api/search?q=${encodeURIComponent(q)}&lang=${serverLang(state.lang)}`).catch(() => ({ results: [] as Hit[] }));
  const title = (h: Hit) => (state.lang === 'kk-Latn' ? pick({ kk: h.title }, state.lang) : h.title);
  list.innerHTML = r.results.length
    ? r.results.map((h, i) => `<li><button type="button" data-hit="${i}">${esc(title(h))}<small>${esc(h.subtitle ?? '')}</small></button></li>`).join('')
    : `<li>${esc(t('notFound', state.lang))}</li>`;
  list.querySelectorAll<HTMLButtonElement>('[data-hit]').forEach((b) =>
    b.addEventListener('click', () => {
      const h = r.results[Number(b.dataset.hit)];
      const [w, s, e, n] = h.bbox;
      if (e - w < 0.002 && n - s < 0.002) map.flyTo({ center: h.center, zoom: 17 });
      else map.fitBounds([[w, s], [e, n]], { padding: 30 });
    }),
  );
}

function updateScale() {
  const c = map.getCenter();
  const d = scaleDenominator(map.getZoom(), c.lat);
  const units = { m: t('m', state.lang), km: t('km', state.lang), cm: t('cm', state.lang) };
  $('#scale').textContent = `1:${roundScale(d).toLocaleString('ru-RU')} · ${namedScale(d, units)}`;
}

function showCoords(lng: number, lat: number) {
  const [e, n] = utm43(lng, lat);
  $('#coords').textContent = `${lat.toFixed(6)}, ${lng.toFixed(6)} · ${dms(lat, 'N', 'S')} ${dms(lng, 'E', 'W')} · UTM 43N ${e.toFixed(1)} ${n.toFixed(1)}`;
}

function updateMeasure() {
  const pts = state.measurePts;
  const L = state.lang;
  const units = { m: t('m', L), km: t('km', L) };
  const src = map.getSource('measure') as maplibregl.GeoJSONSource | undefined;
  const features: GeoJSON.Feature[] = pts.map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }));
  let text = '';
  if (pts.length >= 2) {
    const km = length(lineString(pts), { units: 'kilometers' });
    features.push(lineString(pts));
    text = `${t('length', L)}: ${distance(km * 1000, units)}`;
  }
  if (pts.length >= 3) {
    const ring = [...pts, pts[0]];
    const sq = area(polygon([ring]));
    const perim = length(lineString(ring), { units: 'kilometers' }) * 1000;
    text += ` · ${t('area', L)}: ${sq >= 10000 ? `${(sq / 10000).toFixed(2)} ${t('ha', L)}` : `${sq.toFixed(0)} ${t('m', L)}²`} · ${t('perimeter', L)}: ${distance(perim, units)}`;
  }
  $('#measure-out').textContent = state.measuring && !pts.length ? t('measureHint', L) : text;
  src?.setData({ type: 'FeatureCollection', features });
}

function addMeasureLayers() {
  if (map.getSource('measure')) return;
  map.addSource('measure', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: 'measure-line', type: 'line', source: 'measure', paint: { 'line-color': '#d7263d', 'line-width': 2, 'line-dasharray': [2, 1] } });
  map.addLayer({ id: 'measure-points', type: 'circle', source: 'measure', filter: ['==', '$type', 'Point'], paint: { 'circle-radius': 4, 'circle-color': '#d7263d' } });
}

async function showCard(e: MapMouseEvent) {
  const ids = new Set(state.layers.map((l) => l.id));
  const hit = map.queryRenderedFeatures(e.point).find((f) => f.sourceLayer && ids.has(f.sourceLayer));
  if (!hit || !hit.sourceLayer) return;
  const layer = state.layers.find((l) => l.id === hit.sourceLayer)!;
  const attrs = await loadAttributes(layer.id);
  let props: Record<string, unknown> = hit.properties ?? {};
  if (hit.id !== undefined) {
    const f = await getJson<{ properties: Record<string, unknown> }>(`/api/layers/${layer.id}/features/${hit.id}`).catch(() => null);
    if (f) props = f.properties;
  }
  const rows = attrs
    .filter((a) => props[a.name] !== undefined && props[a.name] !== null)
    .map((a) => {
      const raw = props[a.name];
      const v = a.values?.find((x) => typeof x !== 'string' && x.value === raw);
      const shown = v && typeof v !== 'string' ? pick(v.label, state.lang) : String(raw);
      return `<tr><th>${esc(pick(a.label, state.lang))}</th><td>${esc(shown)}</td></tr>`;
    })
    .join('');
  const popup = new maplibregl.Popup({ maxWidth: '320px' })
    .setLngLat(e.lngLat)
    .setHTML(`<div class="card" data-testid="card"><strong>${esc(pick(layer.titles, state.lang))}</strong><table>${rows}</table></div>`)
    .addTo(map);
  const card = popup.getElement().querySelector<HTMLElement>('.card');
  if (card) editing.decorateCard(card, layer.id, hit.id, popup);
  if (card) printing.decorateCard(card, layer.id, hit.id);
}

async function setLang(lang: Lang) {
  state.lang = lang;
  try { localStorage.setItem('qala.lang', lang); } catch { /* ignore */ }
  const style = await styleFor(lang);
  map.setStyle(style);
  map.once('styledata', () => afterStyle());
  renderPanel();
  editing.render();
  printing.render();
}

/** After a login or logout the readable layers (and so the style) may differ. */
async function reloadLayers() {
  const before = state.layers.map((l) => l.id).join();
  const d = await getJson<{ layers: Layer[] }>('/api/layers');
  state.layers = d.layers;
  await Promise.all(state.layers.map((l) => loadAttributes(l.id).catch(() => [])));
  const rastersBefore = rasters.rasterState.list.map((r) => r.id).join();
  await rasters.loadRasters();
  if (state.layers.map((l) => l.id).join() !== before) await setLang(state.lang);
  else if (rasters.rasterState.list.map((r) => r.id).join() !== rastersBefore) { renderPanel(); rasters.applyRasters(map); }
}

function afterStyle() {
  applyBasemaps();
  rasters.applyRasters(map);
  applyLayerState();
  addMeasureLayers();
  editing.addDrawLayers();
  editing.applyTileRevision();
  printing.addFrameLayers();
  if (state.threeD) apply3D();
  renderLegends();
}

function wirePanel() {
  const panel = $('#panel');
  panel.addEventListener('change', (ev) => {
    const el = ev.target as HTMLInputElement;
    if (rasters.onRasterInput(map, el)) return;
    if (el.id === 'lang') void setLang(el.value as Lang);
    else if (el.id === 'basemap') { state.basemap = el.value; applyBasemaps(); }
    else if (el.id === 'overlay') { state.overlay = el.value; applyBasemaps(); }
    else if (el.dataset.toggle) {
      if (el.checked) state.hidden.delete(el.dataset.toggle); else state.hidden.add(el.dataset.toggle);
      applyLayerState();
    }
  });
  panel.addEventListener('input', (ev) => {
    const el = ev.target as HTMLInputElement;
    if (rasters.onRasterInput(map, el)) return;
    if (el.dataset.opacity) { state.opacity.set(el.dataset.opacity, Number(el.value)); applyLayerState(); }
    if (el.id === 'overlay-opacity') {
      state.overlayOpacity = Number(el.value);
      if (map.getLayer('overlay-raster')) map.setPaintProperty('overlay-raster', 'raster-opacity', state.overlayOpacity);
    }
    if (el.id === 'search') { clearTimeout(searchTimer); searchTimer = setTimeout(() => void runSearch(el.value), 250); }
  });
  panel.addEventListener('keydown', (ev) => {
    const el = ev.target as HTMLElement;
    if (el.id === 'search' && ev.key === 'Enter') { clearTimeout(searchTimer); void runSearch((el as HTMLInputElement).value).then(() => $<HTMLButtonElement>('#results button')?.click()); }
    if (el.id === 'search' && ev.key === 'ArrowDown') { ev.preventDefault(); $<HTMLButtonElement>('#results button')?.focus(); }
  });
  panel.addEventListener('click', (ev) => {
    const el = (ev.target as HTMLElement).closest('button');
    if (!el) return;
    if (el.dataset.kato) void goToKato(el.dataset.kato);
    if (el.id === 'measure') {
      state.measuring = !state.measuring;
      state.measurePts = [];
      el.setAttribute('aria-pressed', String(state.measuring));
      map.getCanvas().style.cursor = state.measuring ? 'crosshair' : '';
      updateMeasure();
    }
    if (el.id === 'three-d') { state.threeD = !state.threeD; el.setAttribute('aria-pressed', String(state.threeD)); apply3D(); }
    if (el.id === 'copy-link') void navigator.clipboard?.writeText(location.href).catch(() => undefined);
  });
  $('#menu').addEventListener('click', () => {
    const open = panel.classList.toggle('open');
    $('#menu').setAttribute('aria-expanded', String(open));
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove());
      if (state.measuring) { state.measurePts = []; updateMeasure(); }
      panel.classList.remove('open');
    }
    if (ev.key === 'Enter' && state.measuring && document.activeElement === document.body) { state.measuring = false; $('#measure')?.setAttribute('aria-pressed', 'false'); }
  });
}

async function start() {
  maplibregl.setWorkerUrl(workerUrl);
  const [cfg, layers] = await Promise.all([
    getJson<Config>('/api/web/config'),
    getJson<{ layers: Layer[] }>('/api/layers'),
  ]);
  config = cfg;
  state.layers = layers.layers;
  await rasters.loadRasters();
  await Promise.all(state.layers.map((l) => loadAttributes(l.id).catch(() => [])));
  const style = await styleFor(state.lang);
  // The view in the address (`#zoom/lat/lon[/bearing/pitch]`, as MapLibre and OpenStreetMap write
  // it): read at start and kept up to date by MapLibre; links in other forms are rewritten first.
  adoptSharedView();
  map = new maplibregl.Map({ container: 'map', style, center: cfg.center, zoom: cfg.zoom, hash: true, maxPitch: 75, attributionControl: { compact: true } });
  addEventListener('hashchange', () => {
    // MapLibre follows a changed `#zoom/lat/lon` itself; the other forms are rewritten and followed here.
    const v = canonicalHash(location.hash) ? adoptSharedView() : null;
    if (v) map.jumpTo({ center: [v.lon, v.lat], zoom: v.zoom, bearing: v.bearing, pitch: v.pitch });
  });
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ maxWidth: 120, unit: 'metric' }), 'bottom-right');
  const canFullscreen = document.fullscreenEnabled || (document as unknown as { webkitFullscreenEnabled?: boolean }).webkitFullscreenEnabled;
  if (canFullscreen) map.addControl(new maplibregl.FullscreenControl(), 'top-right');
  map.on('error', (e) => {
    const id = (e as unknown as { sourceId?: string }).sourceId;
    if (id === 'base-raster' || id === 'overlay-raster') notice(`${t('unavailable', state.lang)}: ${pick(config.basemaps.find((b) => b.id === (id === 'base-raster' ? state.basemap : state.overlay))?.title, state.lang)}`);
  });
  map.on('mousemove', (e) => { showCoords(e.lngLat.lng, e.lngLat.lat); editing.onMouseMove(e); });
  map.on('mousedown', editing.onMouseDown);
  map.on('dblclick', editing.onDblClick);
  map.on('move', updateScale);
  map.on('click', (e) => {
    if (editing.onMapClick(e)) return;
    if (state.measuring) { state.measurePts.push([e.lngLat.lng, e.lngLat.lat]); updateMeasure(); }
    else if (!editing.busy()) void showCard(e);
  });
  map.on('dblclick', (e) => { if (state.measuring) { e.preventDefault(); state.measuring = false; $('#measure')?.setAttribute('aria-pressed', 'false'); } });
  renderPanel();
  wirePanel();
  const editReady = editing.init({
    map: () => map,
    lang: () => state.lang,
    layers: () => state.layers,
    attributes: (id) => loadAttributes(id),
    notice,
    authChanged: reloadLayers,
  }).catch((e: unknown) => console.error(e));
  printing.init({ map: () => map, lang: () => state.lang, visible: (id) => !state.hidden.has(id) && state.layers.some((l) => l.id === id) });
  map.on('idle', renderLegends);
  map.once('load', () => {
    afterStyle();
    updateScale();
    showCoords(map.getCenter().lng, map.getCenter().lat);
    void editReady.finally(() => readyResolve());
  });
}

(window as unknown as { qala: unknown }).qala = {
  get map() { return map; },
  ready,
  state,
  edit: editing.editState,
  print: printing.printState,
};
void start();
