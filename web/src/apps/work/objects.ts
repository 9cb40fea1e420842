// Vector objects on an application (`/api/applications/{id}/objects`): what the staff draw on the
// workstation's map or upload from a file (a detailed plan from CAD, a network), each with who may
// see it. The workstation's "Objects" panel lists them (kind, title, access, who, when; the
// features of one upload as one line), highlights them on the map through the card's overlay
// lines (`.overlay-item` with a key `obj:<id>`), changes their access, deletes them, draws a line or
// a polygon on the map and uploads files with their CRS. The map layers (a style per kind) are
// shared with the applicant's card, which shows what it may see, read-only.
// No MapLibre at run time here: the maps are given.
import type * as ML from 'maplibre-gl';
import * as api from '../api';
import { esc } from '../words';
import { tr, type WordKey, dateTime, failureText, dialog } from './common';
import type { WorkMap } from './workmap';

export type Kind = 'plan' | 'network' | 'other';
export type Access = 'staff' | 'applicant' | 'public';
export const KINDS: Kind[] = ['plan', 'network', 'other'];
export const ACCESSES: Access[] = ['staff', 'applicant', 'public'];
/** The CRSs offered for files that name none (CAD drawings): EPSG code and name. */
const CRSES: Array<[string, string]> = [
  ['4326', 'WGS 84 (EPSG:4326)'],
  ['32643', 'WGS 84 / UTM 43N (EPSG:32643)'],
  ['32644', 'WGS 84 / UTM 44N (EPSG:32644)'],
  ['28413', 'СК-42 / Гаусс-Крюгер, зона 13 (EPSG:28413)'],
  ['28414', 'СК-42 / Гаусс-Крюгер, зона 14 (EPSG:28414)'],
];
/** File types the server reads (by extension). */
const FILE_TYPES = ['dxf', 'kml', 'gpkg', 'geojson', 'json', 'zip', 'gml'];

export interface ObjectProps { kind: Kind; title: string; access: Access; props?: Record<string, unknown>; created_by?: string | null; created_at: string }
export interface ObjectFeature { type: 'Feature'; id: number; geometry: GeoJSON.Geometry; properties: ObjectProps }
export interface Objects { type: 'FeatureCollection'; features: ObjectFeature[] }

/** The objects of application `id` the caller may see. */
export const fetchObjects = (id: number) => api.get<Objects>(`/api/applications/${id}/objects`);

const kindText = (k: string) => ((KINDS as string[]).includes(k) ? tr(`kind_${k}` as WordKey) : k);
const accessText = (a: string) => (['staff', 'applicant', 'public'].includes(a) ? tr(`acc_${a}` as WordKey) : a);

// ---- Map layers ------------------------------------------------------------------------------

export const COLOURS: Record<Kind, string> = { plan: '#102a83', network: '#0b8f6a', other: '#8e5a2b' };
/** The legend's mark of each kind (a CSS border), as the map draws it. */
const MARKS: Record<Kind, string> = { plan: `3px dashed ${COLOURS.plan}`, network: `4px solid ${COLOURS.network}`, other: `3px solid ${COLOURS.other}` };
const POLY = ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]];
const LINEAR = ['in', ['geometry-type'], ['literal', ['LineString', 'MultiLineString']]];
const POINTS = ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]];
const ofKind = (k: Kind) => ['==', ['get', 'kind'], k];

/** The font of the style's first labels (the glyphs the server has), for the objects' titles. */
export function styleFont(map: ML.Map): string[] | null {
  for (const l of map.getStyle().layers ?? []) {
    const f = l.type === 'symbol' ? (l.layout as Record<string, unknown> | undefined)?.['text-font'] : undefined;
    if (Array.isArray(f) && f.every((x) => typeof x === 'string')) return f as string[];
  }
  return null;
}

/** The layers that draw source `source` (features of `mapFeatures`): a plan as a dashed outline
 *  with a faint fill, a network as coloured lines on a white casing, the rest as thin lines;
 *  titles when the style has a font. Ids start with `prefix`. */
export function objectLayers(source: string, prefix: string, font: string[] | null): ML.LayerSpecification[] {
  const colour = ['match', ['get', 'kind'], 'plan', COLOURS.plan, 'network', COLOURS.network, COLOURS.other];
  const layers = [
    { id: `${prefix}-fill`, type: 'fill', source, filter: POLY, paint: { 'fill-color': colour, 'fill-opacity': ['match', ['get', 'kind'], 'plan', 0.1, 0.06] } },
    // A white casing under plans and networks keeps them readable over any site, zone or base map.
    { id: `${prefix}-casing`, type: 'line', source, filter: ['all', ['!', POINTS], ['in', ['get', 'kind'], ['literal', ['plan', 'network']]]], layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-width': ['match', ['get', 'kind'], 'plan', 5, 6], 'line-opacity': 0.85 } },
    { id: `${prefix}-plan`, type: 'line', source, filter: ['all', ['!', POINTS], ofKind('plan')], paint: { 'line-color': COLOURS.plan, 'line-width': 2.5, 'line-dasharray': [3, 2] } },
    { id: `${prefix}-network`, type: 'line', source, filter: ['all', ['!', POINTS], ofKind('network')], layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': COLOURS.network, 'line-width': 3.5 } },
    { id: `${prefix}-other`, type: 'line', source, filter: ['all', ['!', POINTS], ofKind('other')], paint: { 'line-color': COLOURS.other, 'line-width': 2 } },
    { id: `${prefix}-points`, type: 'circle', source, filter: POINTS, paint: { 'circle-radius': 5, 'circle-color': colour, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } },
  ];
  if (font) {
    const text = { 'text-field': ['get', 'title'], 'text-font': font, 'text-size': 12, 'text-max-width': 10, 'text-optional': true };
    const paint = { 'text-color': colour, 'text-halo-color': '#ffffff', 'text-halo-width': 1.6 };
    layers.push(
      { id: `${prefix}-title`, type: 'symbol', source, filter: ['all', ['!', LINEAR], ['!=', ['get', 'title'], '']], layout: { ...text, 'symbol-placement': 'point' }, paint } as never,
      { id: `${prefix}-title-line`, type: 'symbol', source, filter: ['all', LINEAR, ['!=', ['get', 'title'], '']], layout: { ...text, 'symbol-placement': 'line' }, paint } as never,
    );
  }
  return layers as unknown as ML.LayerSpecification[];
}

/** The ids of the layers `objectLayers` makes (for `queryRenderedFeatures`). */
export const objectLayerIds = (prefix: string) => ['fill', 'casing', 'plan', 'network', 'other', 'points'].map((x) => `${prefix}-${x}`);

/** The objects as map features: kind, title, id and the key of their list line. */
export function mapFeatures(fc: Objects, keyOf: (f: ObjectFeature) => string = (f) => `obj:${f.id}`): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: fc.features.map((f) => ({ type: 'Feature', id: f.id, geometry: f.geometry, properties: { kind: f.properties.kind, title: f.properties.title ?? '', oid: f.id, key: keyOf(f) } })),
  };
}

// ---- Groups: the features one request added are one line ---------------------------------------

interface Group { key: string; ids: number[]; kind: Kind; title: string; access: Access; by: string | null; at: string; geometries: GeoJSON.Geometry[] }

function groupsOf(fc: Objects): Group[] {
  const out: Group[] = [];
  const byKey = new Map<string, Group>();
  for (const f of fc.features) {
    const p = f.properties;
    const batch = [p.kind, p.title, p.access, p.created_by ?? '', p.created_at].join('\u0000');
    let g = byKey.get(batch);
    if (!g) {
      g = { key: `obj:${f.id}`, ids: [], kind: p.kind, title: p.title ?? '', access: p.access, by: p.created_by ?? null, at: p.created_at, geometries: [] };
      byKey.set(batch, g);
      out.push(g);
    }
    g.ids.push(f.id);
    g.geometries.push(f.geometry);
  }
  return out;
}

/** One geometry of several (a multi-geometry when they are of one kind). */
function combined(gs: GeoJSON.Geometry[]): GeoJSON.Geometry | null {
  if (!gs.length) return null;
  if (gs.length === 1) return gs[0];
  const parts = <T>(t: string, mt: string) => gs.flatMap((g) => (g.type === t ? [(g as unknown as { coordinates: T }).coordinates] : g.type === mt ? (g as unknown as { coordinates: T[] }).coordinates : []));
  if (gs.every((g) => /Polygon$/.test(g.type))) return { type: 'MultiPolygon', coordinates: parts<GeoJSON.Position[][]>('Polygon', 'MultiPolygon') };
  if (gs.every((g) => /LineString$/.test(g.type))) return { type: 'MultiLineString', coordinates: parts<GeoJSON.Position[]>('LineString', 'MultiLineString') };
  return { type: 'GeometryCollection', geometries: gs };
}

// ---- The workstation's panel -------------------------------------------------------------------

export interface PanelOptions {
  /** The application. */
  id: number;
  /** The card's pinned line (its key), to mark it again after the list is redrawn. */
  pinned(): string | null;
  /** A line that disappeared (deleted, or changed): unpin it when it was pinned. */
  gone(key: string): void;
  notify(text: string, kind?: 'ok' | 'error'): void;
}

export interface Panel {
  /** The panel (kept across the card's redraws: the card puts it back in place). */
  el: HTMLElement;
  /** The bar above the map with Finish / Undo / Cancel while drawing. */
  bar: HTMLElement;
  /** The geometry of line `key` (`obj:<id>`), for the highlight. */
  geometry(key: string): GeoJSON.Geometry | null;
  /** The map is there: draws the objects on it, lets them be drawn. */
  attach(wm: WorkMap): void;
  load(): Promise<void>;
  destroy(): void;
}

const options = (values: string[], text: (v: string) => string, selected?: string) =>
  values.map((v) => `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(text(v))}</option>`).join('');

/** The fields every new object has: kind, title, access (`p` prefixes their test ids). */
const commonFields = (p: string, kind: Kind) => `
  <label>${esc(tr('obj_kind'))}<select name="kind" data-testid="${p}-kind">${options(KINDS, kindText, kind)}</select></label>
  <label>${esc(tr('obj_name'))}<input name="title" maxlength="200" autocomplete="off" data-testid="${p}-title"></label>
  <label>${esc(tr('obj_access'))}<select name="access" data-testid="${p}-access">${options(ACCESSES, accessText, 'staff')}</select></label>`;

/** The "Objects" panel of application `o.id`. */
export function objectsPanel(o: PanelOptions): Panel {
  let fc: Objects = { type: 'FeatureCollection', features: [] };
  let groups: Group[] = [];
  let wm: WorkMap | null = null;
  let loaded = false;
  let drawing: { shape: 'line' | 'polygon'; pts: [number, number][]; kind: Kind; title: string; access: Access } | null = null;
  const base = `/api/applications/${o.id}/objects`;

  const el = document.createElement('section');
  el.className = 'panel objects';
  el.dataset.testid = 'objects-panel';
  el.innerHTML = `<h2>${esc(tr('obj_panel'))} <span class="hint" data-testid="objects-count"></span></h2>
    <div class="objects-tools">
      <button type="button" data-obj="draw" data-testid="objects-draw" aria-expanded="false">✎ ${esc(tr('obj_draw'))}</button>
      <button type="button" data-obj="upload" data-testid="objects-upload" aria-expanded="false">⇪ ${esc(tr('obj_upload'))}</button>
    </div>
    <form class="objects-form" data-form="draw" data-testid="objects-draw-form" hidden>
      <label>${esc(tr('obj_shape'))}<select name="shape" data-testid="objects-draw-shape">
        <option value="polygon">${esc(tr('shape_polygon'))}</option><option value="line">${esc(tr('shape_line'))}</option></select></label>
      ${commonFields('objects-draw', 'plan')}
      <div class="form-buttons"><button type="submit" class="primary" data-testid="objects-draw-start">${esc(tr('obj_start'))}</button>
        <button type="button" data-obj="close">${esc(tr('cancel'))}</button></div>
    </form>
    <form class="objects-form" data-form="upload" data-testid="objects-upload-form" hidden>
      <label>${esc(tr('obj_file'))}<input type="file" name="file" accept="${FILE_TYPES.map((x) => `.${x}`).join(',')}" data-testid="objects-file"></label>
      <label>${esc(tr('obj_crs'))}<select name="crs" data-testid="objects-crs"><option value="">${esc(tr('crs_file'))}</option>
        ${CRSES.map(([v, t]) => `<option value="${v}">${esc(t)}</option>`).join('')}</select></label>
      <p class="hint">${esc(tr('crs_hint'))}</p>
      ${commonFields('objects', 'plan')}
      <progress max="1" value="0" data-testid="objects-progress" hidden></progress>
      <div class="form-buttons"><button type="submit" class="primary" data-testid="objects-send">${esc(tr('obj_send'))}</button>
        <button type="button" data-obj="close">${esc(tr('cancel'))}</button></div>
    </form>
    <p class="error" role="alert" data-testid="objects-error" hidden></p>
    <p class="hint" data-testid="objects-error-hint" hidden>${esc(tr('crs_retry'))}</p>
    <ul class="objects-list" data-testid="objects-list"></ul>`;
  const list = el.querySelector<HTMLElement>('.objects-list')!;
  const err = el.querySelector<HTMLElement>('[data-testid=objects-error]')!;
  const forms = { draw: el.querySelector<HTMLFormElement>('[data-form=draw]')!, upload: el.querySelector<HTMLFormElement>('[data-form=upload]')! };
  const progress = el.querySelector<HTMLProgressElement>('[data-testid=objects-progress]')!;

  const bar = document.createElement('div');
  bar.className = 'draw-bar';
  bar.dataset.testid = 'draw-bar';
  bar.hidden = true;
  bar.innerHTML = `<span class="draw-hint" data-testid="draw-hint"></span>
    <span class="draw-count">${esc(tr('draw_points'))}: <b data-testid="draw-count" data-count="0">0</b></span>
    <span class="draw-buttons"><button type="button" class="primary" data-draw="finish" data-testid="draw-finish">${esc(tr('draw_finish'))}</button>
    <button type="button" data-draw="undo" data-testid="draw-undo">${esc(tr('draw_undo'))}</button>
    <button type="button" data-draw="cancel" data-testid="draw-cancel">${esc(tr('cancel'))}</button></span>
    <span class="error" role="alert" data-testid="draw-error" hidden></span>`;
  const barErr = bar.querySelector<HTMLElement>('[data-testid=draw-error]')!;

  const showError = (e: unknown, where: HTMLElement = err) => {
    where.textContent = failureText(e);
    where.dataset.status = String((e as api.ApiFailure)?.status ?? '');
    where.hidden = false;
  };
  const errHint = el.querySelector<HTMLElement>('[data-testid=objects-error-hint]')!;
  const clearErrors = () => { err.hidden = true; barErr.hidden = true; errHint.hidden = true; err.textContent = ''; };

  const render = () => {
    const pinned = o.pinned();
    el.dataset.count = String(groups.length);
    el.querySelector('[data-testid=objects-count]')!.textContent = groups.length ? `(${groups.length})` : '';
    list.innerHTML = groups.length ? groups.map((g) => `<li class="object-row" data-testid="object-row" data-key="${esc(g.key)}" data-kind="${esc(g.kind)}" data-access="${esc(g.access)}" data-ids="${g.ids.join(',')}">
        <button type="button" class="overlay-item object-item${pinned === g.key ? ' pinned' : ''}" data-key="${esc(g.key)}" data-testid="object-item" aria-pressed="${pinned === g.key}">
          <span class="what"><span class="kind-mark kind-${esc(g.kind)}" aria-hidden="true"></span><b>${esc(kindText(g.kind))}</b> · <span data-testid="object-title">${esc(g.title || tr('obj_untitled'))}</span>${g.ids.length > 1 ? ` <span class="hint" data-testid="object-parts" data-parts="${g.ids.length}">(${esc(tr('obj_parts'))}: ${g.ids.length})</span>` : ''}</span>
          <span class="measure">${g.by ? `${esc(g.by)} · ` : ''}<time datetime="${esc(g.at)}">${esc(dateTime(g.at, 'short'))}</time></span></button>
        <div class="object-edit">
          <select data-obj-access="${esc(g.key)}" data-testid="object-access" aria-label="${esc(tr('obj_access'))}">${options(ACCESSES, accessText, g.access)}</select>
          <button type="button" class="danger" data-obj="delete" data-key="${esc(g.key)}" data-testid="object-delete">${esc(tr('obj_delete'))}</button>
        </div></li>`).join('')
      : `<li class="hint" data-testid="objects-empty">${esc(tr('obj_none'))}</li>`;
  };

  const draw = () => {
    if (wm) wm.objects(mapFeatures(fc, (f) => groups.find((g) => g.ids.includes(f.id))?.key ?? `obj:${f.id}`));
  };

  const load = async () => {
    try {
      fc = await fetchObjects(o.id);
    } catch (e) {
      showError(e);
      return;
    }
    const before = new Set(groups.map((g) => g.key));
    groups = groupsOf(fc);
    for (const k of before) if (!groups.some((g) => g.key === k)) o.gone(k);
    loaded = true;
    el.dataset.loaded = 'true';
    render();
    draw();
  };

  const toggleForm = (which: 'draw' | 'upload' | null) => {
    for (const [k, f] of Object.entries(forms)) {
      f.hidden = k !== which || !f.hidden;
      el.querySelector(`[data-obj=${k}]`)!.setAttribute('aria-expanded', String(!f.hidden));
    }
    clearErrors();
    const open = which && !forms[which].hidden ? forms[which] : null;
    open?.querySelector<HTMLElement>('select, input')?.focus();
  };

  const values = (f: HTMLFormElement) => {
    const d = new FormData(f);
    return { kind: String(d.get('kind') ?? 'plan') as Kind, title: String(d.get('title') ?? '').trim(), access: String(d.get('access') ?? 'staff') as Access };
  };
  const query = (v: { kind: Kind; title: string; access: Access }) => `kind=${v.kind}&access=${v.access}&title=${encodeURIComponent(v.title)}`;

  // -- Drawing on the map
  const need = () => (drawing?.shape === 'polygon' ? 3 : 2);
  const showDraft = () => {
    if (!wm || !drawing) return;
    const pts = drawing.pts;
    const fs: GeoJSON.Feature[] = [];
    if (pts.length > 1) fs.push({ type: 'Feature', properties: { role: 'draft' }, geometry: { type: 'LineString', coordinates: drawing.shape === 'polygon' && pts.length > 2 ? [...pts, pts[0]] : pts } });
    if (drawing.shape === 'polygon' && pts.length > 2) fs.push({ type: 'Feature', properties: { role: 'draft' }, geometry: { type: 'Polygon', coordinates: [[...pts, pts[0]]] } });
    for (const p of pts) fs.push({ type: 'Feature', properties: { role: 'vertex' }, geometry: { type: 'Point', coordinates: p } });
    wm.draft(fs);
    const c = bar.querySelector<HTMLElement>('[data-testid=draw-count]')!;
    c.textContent = String(pts.length);
    c.dataset.count = String(pts.length);
    bar.querySelector<HTMLButtonElement>('[data-draw=finish]')!.disabled = pts.length < need();
    bar.querySelector<HTMLButtonElement>('[data-draw=undo]')!.disabled = pts.length === 0;
  };
  const onMapClick = (e: ML.MapMouseEvent) => {
    if (!drawing || !wm) {
      // Not drawing: a click on an object picks its line.
      if (!wm) return;
      const hit = wm.map.queryRenderedFeatures([[e.point.x - 4, e.point.y - 4], [e.point.x + 4, e.point.y + 4]], { layers: objectLayerIds('work-obj').filter((l) => wm!.map.getLayer(l)) })[0];
      const key = hit?.properties?.key as string | undefined;
      const btn = key ? list.querySelector<HTMLButtonElement>(`.object-item[data-key="${CSS.escape(key)}"]`) : null;
      if (btn && !btn.classList.contains('pinned')) { btn.click(); btn.scrollIntoView({ block: 'nearest' }); }
      return;
    }
    const last = drawing.pts[drawing.pts.length - 1];
    // The second click of a double click lands on the same spot: not a new vertex.
    if (last) {
      const p = wm.map.project(last as [number, number]);
      if (Math.hypot(p.x - e.point.x, p.y - e.point.y) < 3) return;
    }
    drawing.pts.push([Math.round(e.lngLat.lng * 1e7) / 1e7, Math.round(e.lngLat.lat * 1e7) / 1e7]);
    barErr.hidden = true;
    showDraft();
  };
  const onDblClick = (e: ML.MapMouseEvent) => {
    if (!drawing) return;
    e.preventDefault();
    if (drawing.pts.length >= need()) void finish();
  };
  const onKey = (ev: KeyboardEvent) => { if (ev.key === 'Escape' && drawing) stopDrawing(); };
  const stopDrawing = () => {
    drawing = null;
    document.removeEventListener('keydown', onKey);
    bar.hidden = true;
    if (wm) {
      wm.draft([]);
      wm.map.getCanvas().style.cursor = '';
      wm.map.doubleClickZoom.enable();
    }
    el.querySelector<HTMLButtonElement>('[data-obj=draw]')!.disabled = false;
    el.querySelector<HTMLButtonElement>('[data-obj=upload]')!.disabled = false;
  };
  const startDrawing = () => {
    if (!wm) { showError(new Error(tr('obj_mapNotReady'))); return; }
    const v = values(forms.draw);
    const shape = (new FormData(forms.draw).get('shape') === 'line' ? 'line' : 'polygon') as 'line' | 'polygon';
    drawing = { shape, pts: [], ...v };
    forms.draw.hidden = true;
    el.querySelector('[data-obj=draw]')!.setAttribute('aria-expanded', 'false');
    el.querySelector<HTMLButtonElement>('[data-obj=draw]')!.disabled = true;
    el.querySelector<HTMLButtonElement>('[data-obj=upload]')!.disabled = true;
    bar.querySelector('[data-testid=draw-hint]')!.textContent = tr(shape === 'polygon' ? 'draw_hint_polygon' : 'draw_hint_line');
    bar.dataset.shape = shape;
    bar.hidden = false;
    barErr.hidden = true;
    document.addEventListener('keydown', onKey);
    wm.map.getCanvas().style.cursor = 'crosshair';
    wm.map.doubleClickZoom.disable();
    showDraft();
    bar.scrollIntoView({ block: 'start' });
  };
  const finish = async () => {
    if (!drawing) return;
    const d = drawing;
    if (d.pts.length < need()) { showError(new Error(tr('draw_few')), barErr); return; }
    const geometry: GeoJSON.Geometry = d.shape === 'polygon' ? { type: 'Polygon', coordinates: [[...d.pts, d.pts[0]]] } : { type: 'LineString', coordinates: d.pts };
    const btn = bar.querySelector<HTMLButtonElement>('[data-draw=finish]')!;
    btn.disabled = true;
    try {
      await api.json('POST', `${base}?${query(d)}`, { type: 'Feature', properties: {}, geometry });
      stopDrawing();
      forms.draw.reset();
      o.notify(tr('obj_added'), 'ok');
      await load();
    } catch (e) {
      showError(e, barErr);
      btn.disabled = false;
    }
  };
  bar.addEventListener('click', (ev) => {
    const a = (ev.target as HTMLElement).closest<HTMLElement>('[data-draw]')?.dataset.draw;
    if (a === 'finish') void finish();
    if (a === 'undo' && drawing) { drawing.pts.pop(); showDraft(); }
    if (a === 'cancel') stopDrawing();
  });

  // -- Uploading a file
  const send = async () => {
    const f = forms.upload;
    const file = f.querySelector<HTMLInputElement>('[name=file]')!.files?.[0];
    if (!file) { showError(new Error(tr('obj_chooseFile'))); return; }
    const v = values(f);
    if (!v.title) v.title = file.name.replace(/\.[^.]+$/, '');
    const crs = String(new FormData(f).get('crs') ?? '');
    const btn = f.querySelector<HTMLButtonElement>('[type=submit]')!;
    btn.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    progress.dataset.done = 'false';
    try {
      // Sent as bytes (the file's own type would make a .geojson read as JSON, not by GDAL).
      await api.upload('POST', `${base}?${query(v)}&filename=${encodeURIComponent(file.name)}${crs ? `&crs=${crs}` : ''}`,
        file.slice(0, file.size, ''), (s) => { progress.value = s; }, { 'Content-Type': 'application/octet-stream' });
      progress.dataset.done = 'true';
      f.reset();
      f.hidden = true;
      el.querySelector('[data-obj=upload]')!.setAttribute('aria-expanded', 'false');
      o.notify(tr('obj_added'), 'ok');
      await load();
    } catch (e) {
      progress.hidden = true;
      showError(e);
      // Geometries far from the site: most often a drawing read in the wrong CRS.
      errHint.hidden = (e as api.ApiFailure).code !== 'objects_off_site';
    } finally {
      btn.disabled = false;
    }
  };

  // -- Access and deletion
  const changeAccess = async (sel: HTMLSelectElement) => {
    const g = groups.find((x) => x.key === sel.dataset.objAccess);
    if (!g) return;
    const access = sel.value as Access;
    sel.disabled = true;
    clearErrors();
    try {
      for (const id of g.ids) await api.call('PATCH', `${base}/${id}`, { access });
      o.notify(`${g.title || kindText(g.kind)}: ${tr('obj_accessChanged')} — ${accessText(access)}`, 'ok');
    } catch (e) {
      showError(e);
    }
    await load();
  };
  const remove = async (key: string) => {
    const g = groups.find((x) => x.key === key);
    if (!g) return;
    const done = await dialog({
      title: tr('obj_deleteTitle'),
      body: `<p><b>${esc(kindText(g.kind))}</b> · ${esc(g.title || tr('obj_untitled'))}${g.ids.length > 1 ? ` (${esc(tr('obj_parts'))}: ${g.ids.length})` : ''}</p><p class="hint">${esc(tr('obj_deleteBody'))}</p>`,
      confirm: tr('obj_delete'),
      danger: true,
      testid: 'confirm-object-delete',
      onConfirm: async () => {
        for (const id of g.ids) {
          try { await api.call('DELETE', `${base}/${id}`); } catch (e) { if ((e as api.ApiFailure).status !== 404) throw e; }
        }
      },
    });
    if (done) { o.notify(tr('obj_deleted'), 'ok'); await load(); }
  };

  el.addEventListener('click', (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLElement>('[data-obj]');
    if (!b) return;
    const a = b.dataset.obj;
    if (a === 'draw' || a === 'upload') toggleForm(a);
    if (a === 'close') toggleForm(null);
    if (a === 'delete') void remove(b.dataset.key!);
  });
  el.addEventListener('change', (ev) => {
    const s = ev.target as HTMLSelectElement;
    if (s.dataset.objAccess) void changeAccess(s);
  });
  el.addEventListener('submit', (ev) => {
    const f = (ev.target as HTMLElement).closest<HTMLFormElement>('form[data-form]');
    if (!f) return;
    ev.preventDefault();
    clearErrors();
    if (f.dataset.form === 'draw') startDrawing();
    else void send();
  });
  render();

  return {
    el,
    bar,
    geometry: (key) => combined(groups.find((g) => g.key === key)?.geometries ?? []),
    attach(m) {
      wm = m;
      m.map.on('click', onMapClick);
      m.map.on('dblclick', onDblClick);
      if (loaded) draw();
    },
    load,
    destroy() {
      if (wm) { wm.map.off('click', onMapClick); wm.map.off('dblclick', onDblClick); }
      drawing = null;
      document.removeEventListener('keydown', onKey);
    },
  };
}

// ---- The applicant's card: the objects it may see, on its map, with their titles ---------------

/** Draws the objects of application `id` the caller may see on `map` and lists them in `host`
 *  (kind and title); nothing when there are none or they cannot be read. */
export async function showObjects(id: number, map: ML.Map | null, host: HTMLElement): Promise<number> {
  let fc: Objects;
  try { fc = await fetchObjects(id); } catch { host.dataset.loaded = 'failed'; return 0; }
  host.dataset.loaded = 'true';
  host.dataset.count = String(fc.features.length);
  if (!fc.features.length) { host.hidden = true; return 0; }
  const groups = groupsOf(fc);
  host.hidden = false;
  host.innerHTML = `<h3>${esc(tr('obj_onMap'))}</h3><ul class="objects-legend" style="padding: 0; margin: 4px 0 0">${groups.map((g) => `<li data-testid="my-object" data-kind="${esc(g.kind)}" style="list-style: none; padding: 2px 0; overflow-wrap: anywhere">
      <span aria-hidden="true" style="display: inline-block; width: 18px; margin-right: 6px; vertical-align: middle; border-top: ${MARKS[g.kind] ?? MARKS.other}"></span><b>${esc(kindText(g.kind))}</b> · <span data-testid="my-object-title">${esc(g.title || tr('obj_untitled'))}</span>${g.ids.length > 1 ? ` <span class="hint">(${esc(tr('obj_parts'))}: ${g.ids.length})</span>` : ''}</li>`).join('')}</ul>`;
  if (map) {
    const add = () => {
      if (map.getSource('objects')) return;
      map.addSource('objects', { type: 'geojson', data: mapFeatures(fc) });
      for (const l of objectLayers('objects', 'objects', styleFont(map))) map.addLayer(l);
      host.dataset.drawn = 'true';
    };
    // Before its style is in, a map refuses new sources: then at its load.
    try { add(); } catch { map.once('load', add); }
  }
  return fc.features.length;
}
