// Editing in the web map: login, drawing, attribute forms, vertex moving, delete, history and
// restore, attachments. Everything goes through the server's HTTP API (OGC API Features Part 4
// writes with ETag/If-Match, the session cookie and its CSRF token); the server checks the rights,
// the client only offers what the server says the user may do (OPTIONS → Allow).
import type * as maplibregl from 'maplibre-gl';
import type { MapMouseEvent, VectorTileSource, GeoJSONSource } from 'maplibre-gl';
import { type Lang, type Key, t, pick, serverLang } from './i18n';
import { mountSignIn } from './signin/signin';

type Texts = { kk?: string; ru?: string; en?: string };
export interface EditLayer { id: string; titles: Texts; geometry: string }
export interface EditAttribute {
  name: string; type: string; label: Texts; required?: boolean;
  values?: Array<{ value: string; label: Texts } | string>; min?: number; max?: number; max_length?: number;
}
export interface EditHost {
  map(): maplibregl.Map;
  lang(): Lang;
  layers(): EditLayer[];
  attributes(id: string): Promise<EditAttribute[]>;
  notice(text: string): void;
  /** Called after a login or logout: the layers the user may read can change. */
  authChanged(): Promise<void>;
}
interface User { login: string; full_name?: string | null; roles: string[]; csrf: string }
type Pos = [number, number];
type Tool = 'point' | 'line' | 'polygon' | 'rectangle';
type Props = Record<string, unknown>;
type Fid = string | number;
interface FormState { layer: string; fid: Fid | null; etag: string | null; props: Props; geom: GeoJSON.Geometry; geomChanged: boolean }
export interface ApiError { status: number; code: string; message: string; details?: Array<{ field: string; reason: string }> }

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const SRC = 'qala-edit';
const VERTEX = 'qala-edit-vertex';
const TOOLS: Record<string, Tool[]> = { point: ['point'], line: ['line'], polygon: ['polygon', 'rectangle'] };
const TOOL_KEY: Record<Tool, Key> = { point: 'drawPoint', line: 'drawLine', polygon: 'drawPolygon', rectangle: 'drawRectangle' };

let host: EditHost;
const ed = {
  user: null as User | null,
  writable: [] as string[],
  target: '',
  tool: null as Tool | null,
  pts: [] as Pos[],
  hover: null as Pos | null,
  form: null as FormState | null,
  vertexEdit: false,
  dragging: null as number[] | null,
  /** The card's feature the editor panel shows (history, attachments, delete). */
  view: null as null | { kind: 'form' | 'history' | 'attachments' | 'delete'; layer: string; fid: Fid | null; popup?: maplibregl.Popup },
  rev: 0,
};

const L = () => host.lang();
const tr = (k: Key) => t(k, L());
const el = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T | null;
const itemUrl = (layer: string, fid?: Fid | null) =>
  `/ogc/collections/${encodeURIComponent(layer)}/items${fid === undefined || fid === null ? '' : `/${encodeURIComponent(String(fid))}`}`;

// ---------------------------------------------------------------- HTTP

/** A call to the server as the web map makes them: the interface language, `X-Requested-With`, and
 *  on writes the session's CSRF token when logged in (print.ts sends its POST through it too). */
export async function api(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const h: Record<string, string> = { 'Accept-Language': serverLang(L()), 'X-Requested-With': 'XMLHttpRequest', ...headers };
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && ed.user) h['X-CSRF-Token'] = ed.user.csrf;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] ??= 'application/json';
  }
  return fetch(url, { method, headers: h, body: payload, credentials: 'same-origin' });
}

/** The server's JSON error (message in the caller's language); a 401 ends the session here. */
export async function errorOf(r: Response): Promise<ApiError> {
  let code = String(r.status), message = r.statusText || `HTTP ${r.status}`;
  let details: ApiError['details'];
  try {
    const j = (await r.json()) as { error?: { code?: string; message?: string; details?: ApiError['details'] } };
    if (j.error) { code = j.error.code ?? code; message = j.error.message ?? message; details = j.error.details; }
  } catch { /* not JSON */ }
  if (r.status === 401 && !r.url.includes('/api/auth/login')) { ed.user = null; renderAuth(); renderTools(); }
  return { status: r.status, code, message: r.status === 401 ? tr('sessionExpired') : message, details };
}

async function getFeature(layer: string, fid: Fid): Promise<{ feature: GeoJSON.Feature; etag: string | null }> {
  const r = await api('GET', itemUrl(layer, fid));
  if (!r.ok) throw await errorOf(r);
  return { feature: (await r.json()) as GeoJSON.Feature, etag: r.headers.get('ETag') };
}

/** The server renews the tiles after a write; the map asks for them again past the browser cache. */
export function refreshTiles() {
  ed.rev = Date.now();
  applyTileRevision();
}

export function applyTileRevision() {
  if (!ed.rev) return;
  const map = host.map();
  const sources = map.getStyle()?.sources ?? {};
  for (const [id, s] of Object.entries(sources)) {
    if (s.type !== 'vector' || !('tiles' in s) || !s.tiles) continue;
    const tiles = s.tiles.map((u) => {
      const [path, query = ''] = u.split('?');
      const q = new URLSearchParams(query);
      q.set('rev', String(ed.rev));
      return `${path}?${q}`;
    });
    (map.getSource(id) as VectorTileSource | undefined)?.setTiles(tiles);
  }
}

// ---------------------------------------------------------------- login

export async function init(h: EditHost) {
  host = h;
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && ed.tool) { cancelDrawing(); ev.stopPropagation(); }
  });
  el('#auth')!.addEventListener('click', (ev) => void onAuthClick(ev));
  el('#edit-tools')!.addEventListener('click', onToolsClick);
  el('#edit-tools')!.addEventListener('change', (ev) => {
    const s = ev.target as HTMLSelectElement;
    if (s.id === 'edit-layer') { ed.target = s.value; cancelDrawing(); renderTools(); }
  });
  el('#editor')!.addEventListener('click', (ev) => void onEditorClick(ev));
  el('#editor')!.addEventListener('submit', (ev) => { ev.preventDefault(); void saveForm(); });
  el('#editor')!.addEventListener('change', (ev) => void onEditorChange(ev));
  // The server sends its 401s to the web map (`X-Requested-With`) without a Basic challenge, so
  // asking who we are never brings up the browser's own password box.
  const r = await fetch('/api/auth/me', { credentials: 'same-origin', headers: { 'X-Requested-With': 'XMLHttpRequest' } }).catch(() => null);
  if (r && r.ok) {
    ed.user = (await r.json()) as User;
    await loadWritable();
  }
  render();
}

async function loadWritable() {
  const layers = host.layers();
  const allowed = await Promise.all(layers.map(async (l) => {
    const r = await fetch(itemUrl(l.id), { method: 'OPTIONS', credentials: 'same-origin' }).catch(() => null);
    const allow = (r?.headers.get('Allow') ?? '').toUpperCase().split(/\s*,\s*/);
    return allow.includes('POST') ? l.id : null;
  }));
  ed.writable = allowed.filter((x): x is string => x !== null);
  if (!ed.writable.includes(ed.target)) ed.target = ed.writable[0] ?? '';
}

/** The password sign-in of the sign-in dialog (signin/signin.ts): the user, or an Error whose
 *  message the dialog shows. */
async function passwordLogin(user: string, password: string): Promise<User> {
  if (!user || !password) throw new Error(tr('loginFailed'));
  const r = await api('POST', '/api/auth/login', { login: user, password }).catch(() => null);
  if (!r) throw new Error(tr('unavailable'));
  if (!r.ok) {
    const e = await errorOf(r);
    if (r.status === 401) throw new Error(tr('loginFailed'));
    if (r.status === 429) {
      const s = Number(r.headers.get('Retry-After') ?? 0);
      throw new Error(`${tr('loginLocked')}${s > 0 ? ` (${Math.ceil(s / 60)} ${tr('minutes')})` : ''}`);
    }
    throw new Error(e.message);
  }
  return (await r.json()) as User;
}

/** Signed in by any of the dialog's ways. */
async function signedIn(u: User) {
  ed.user = u;
  await host.authChanged();
  await loadWritable();
  render();
}

async function logout() {
  await api('POST', '/api/auth/logout').catch(() => null);
  ed.user = null;
  ed.writable = [];
  cancelDrawing();
  closeEditor();
  await host.authChanged();
  render();
}

async function onAuthClick(ev: Event) {
  const b = (ev.target as HTMLElement).closest('button');
  if (!b) return;
  if (b.dataset.testid === 'login') {
    const f = el<HTMLElement>('#login-form')!;
    f.hidden = !f.hidden;
    if (!f.hidden) el<HTMLInputElement>('[data-testid=login-user]')!.focus();
  } else if (b.dataset.testid === 'logout') await logout();
}

function renderAuth() {
  const box = el('#auth');
  if (!box) return;
  if (ed.user) {
    box.innerHTML = `<span class="user" data-testid="user-name" title="${esc(ed.user.login)}">${esc(ed.user.full_name || ed.user.login)}</span>
      <button type="button" data-testid="logout">${esc(tr('logout'))}</button>`;
  } else {
    const wasOpen = el<HTMLElement>('#login-form') && !el<HTMLElement>('#login-form')!.hidden;
    const u = el<HTMLInputElement>('[data-testid=login-user]')?.value ?? '';
    box.innerHTML = `<button type="button" data-testid="login" aria-controls="login-form">${esc(tr('login'))}</button>
      <div id="login-form" class="login-form" data-testid="login-box"${wasOpen ? '' : ' hidden'}></div>`;
    mountSignIn<User>(el('#login-form')!, { lang: L, login: u, password: passwordLogin, done: signedIn });
  }
}

// ---------------------------------------------------------------- toolbar and drawing

function renderTools() {
  const box = el('#edit-tools');
  if (!box) return;
  const layers = host.layers().filter((l) => ed.writable.includes(l.id));
  box.hidden = !ed.user || layers.length === 0;
  if (box.hidden) { box.innerHTML = ''; return; }
  const layer = layers.find((l) => l.id === ed.target) ?? layers[0];
  ed.target = layer.id;
  const tools = TOOLS[layer.geometry] ?? [];
  const drawing = ed.tool === 'line' || ed.tool === 'polygon';
  const hint = ed.tool ? tr(ed.tool === 'point' ? 'pointHint' : ed.tool === 'rectangle' ? 'rectHint' : 'drawHint') : '';
  box.innerHTML = `<label>${esc(tr('editLayer'))}
      <select id="edit-layer" data-testid="edit-layer">${layers.map((l) => `<option value="${esc(l.id)}"${l.id === layer.id ? ' selected' : ''}>${esc(pick(l.titles, L()))}</option>`).join('')}</select></label>
    ${tools.map((tl) => `<button type="button" data-testid="draw-${tl}" data-tool="${tl}" aria-pressed="${ed.tool === tl}">${esc(tr(TOOL_KEY[tl]))}</button>`).join('')}
    ${drawing ? `<button type="button" data-testid="draw-finish" data-act="finish">${esc(tr('drawFinish'))}</button>` : ''}
    <span class="hint" data-testid="draw-hint">${esc(hint)}</span>`;
}

function onToolsClick(ev: Event) {
  const b = (ev.target as HTMLElement).closest('button');
  if (!b) return;
  if (b.dataset.act === 'finish') { finishDrawing(); return; }
  const tool = b.dataset.tool as Tool | undefined;
  if (!tool) return;
  if (ed.tool === tool) { cancelDrawing(); return; }
  closeEditor();
  ed.tool = tool;
  ed.pts = [];
  ed.hover = null;
  const map = host.map();
  map.getCanvas().style.cursor = 'crosshair';
  map.doubleClickZoom.disable();
  renderTools();
  renderDraw();
}

function cancelDrawing() {
  if (!ed.tool) return;
  ed.tool = null;
  ed.pts = [];
  ed.hover = null;
  const map = host.map();
  map.getCanvas().style.cursor = '';
  map.doubleClickZoom.enable();
  renderTools();
  renderDraw();
}

/** True while a drawing tool takes the map's clicks (no object cards then). */
export function busy(): boolean {
  return ed.tool !== null || ed.dragging !== null;
}

/** A map click: a vertex for the drawing tool. Returns true when the click was used. */
export function onMapClick(e: MapMouseEvent): boolean {
  if (!ed.tool) return false;
  const p: Pos = [e.lngLat.lng, e.lngLat.lat];
  ed.pts.push(p);
  if (ed.tool === 'point' || (ed.tool === 'rectangle' && ed.pts.length === 2)) finishDrawing();
  else renderDraw();
  return true;
}

function rectangle(a: Pos, b: Pos): Pos[] {
  return [a, [b[0], a[1]], b, [a[0], b[1]], a];
}

/** Drops vertices closer than 3 px to the previous one (the clicks of a double-click). */
function dedupe(pts: Pos[]): Pos[] {
  const map = host.map();
  const out: Pos[] = [];
  for (const p of pts) {
    const last = out[out.length - 1];
    if (last) {
      const a = map.project(last), b = map.project(p);
      if (Math.hypot(a.x - b.x, a.y - b.y) < 3) continue;
    }
    out.push(p);
  }
  return out;
}

function finishDrawing() {
  if (!ed.tool) return;
  const pts = dedupe(ed.pts);
  let geom: GeoJSON.Geometry | null = null;
  if (ed.tool === 'point' && pts.length) geom = { type: 'Point', coordinates: pts[0] };
  else if (ed.tool === 'line' && pts.length >= 2) geom = { type: 'LineString', coordinates: pts };
  else if (ed.tool === 'polygon' && pts.length >= 3) geom = { type: 'Polygon', coordinates: [[...pts, pts[0]]] };
  else if (ed.tool === 'rectangle' && pts.length >= 2) geom = { type: 'Polygon', coordinates: [rectangle(pts[0], pts[1])] };
  if (!geom) { host.notice(tr('tooFewVertices')); return; }
  const layer = ed.target;
  cancelDrawing();
  void openForm({ layer, fid: null, etag: null, props: {}, geom, geomChanged: true }, true);
}

export function onMouseMove(e: MapMouseEvent) {
  if (ed.dragging && ed.form) {
    setPosition(ed.form.geom, ed.dragging, [e.lngLat.lng, e.lngLat.lat]);
    ed.form.geomChanged = true;
    renderDraw();
    return;
  }
  if (ed.tool && ed.tool !== 'point' && ed.pts.length) {
    ed.hover = [e.lngLat.lng, e.lngLat.lat];
    renderDraw();
  }
}

export function onDblClick(e: MapMouseEvent) {
  if (!ed.tool) return;
  e.preventDefault();
  finishDrawing();
}

export function onMouseDown(e: MapMouseEvent) {
  if (!ed.form || !ed.vertexEdit || ed.tool) return;
  const map = host.map();
  if (!map.getLayer(VERTEX)) return;
  const box: [[number, number], [number, number]] = [[e.point.x - 6, e.point.y - 6], [e.point.x + 6, e.point.y + 6]];
  const hit = map.queryRenderedFeatures(box, { layers: [VERTEX] })[0];
  if (!hit) return;
  e.preventDefault(); // no map panning while a vertex moves
  ed.dragging = JSON.parse(String(hit.properties?.path ?? '[]')) as number[];
  map.getCanvas().style.cursor = 'grabbing';
  const up = () => {
    ed.dragging = null;
    map.getCanvas().style.cursor = '';
    document.removeEventListener('mouseup', up);
  };
  document.addEventListener('mouseup', up);
}

// Vertices of any GeoJSON geometry, addressed by their path into `coordinates`; a ring's closing
// position is left out (it follows the first one).
function vertices(g: GeoJSON.Geometry): Array<{ path: number[]; pos: Pos }> {
  const out: Array<{ path: number[]; pos: Pos }> = [];
  const walk = (c: unknown, path: number[], ring: boolean) => {
    if (typeof (c as unknown[])[0] === 'number') { out.push({ path, pos: c as Pos }); return; }
    const arr = c as unknown[];
    const n = ring && arr.length > 1 ? arr.length - 1 : arr.length;
    for (let i = 0; i < n; i++) walk(arr[i], [...path, i], false);
  };
  const rings = (c: unknown[], path: number[]) => c.forEach((r, i) => walk(r, [...path, i], true));
  switch (g.type) {
    case 'Point': out.push({ path: [], pos: g.coordinates as Pos }); break;
    case 'MultiPoint': case 'LineString': walk(g.coordinates, [], false); break;
    case 'MultiLineString': g.coordinates.forEach((l, i) => walk(l, [i], false)); break;
    case 'Polygon': rings(g.coordinates, []); break;
    case 'MultiPolygon': g.coordinates.forEach((p, i) => rings(p, [i])); break;
    default: break;
  }
  return out;
}

function setPosition(g: GeoJSON.Geometry, path: number[], pos: Pos) {
  if (g.type === 'Point') { g.coordinates = pos; return; }
  if (g.type === 'GeometryCollection') return;
  let arr = g.coordinates as unknown[];
  for (const i of path.slice(0, -1)) arr = arr[i] as unknown[];
  const last = path[path.length - 1];
  arr[last] = pos;
  const isRing = g.type === 'Polygon' || g.type === 'MultiPolygon';
  if (isRing && last === 0 && arr.length > 1) arr[arr.length - 1] = pos;
}

export function addDrawLayers() {
  const map = host.map();
  if (map.getSource(SRC)) return;
  map.addSource(SRC, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: 'qala-edit-fill', type: 'fill', source: SRC, filter: ['==', '$type', 'Polygon'], paint: { 'fill-color': '#ff7f00', 'fill-opacity': 0.2 } });
  map.addLayer({ id: 'qala-edit-line', type: 'line', source: SRC, filter: ['!=', '$type', 'Point'], paint: { 'line-color': '#ff7f00', 'line-width': 2.5 } });
  map.addLayer({ id: 'qala-edit-point', type: 'circle', source: SRC, filter: ['all', ['==', '$type', 'Point'], ['!=', 'kind', 'vertex']], paint: { 'circle-radius': 7, 'circle-color': '#ff7f00', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  map.addLayer({ id: VERTEX, type: 'circle', source: SRC, filter: ['==', 'kind', 'vertex'], paint: { 'circle-radius': 6, 'circle-color': '#fff', 'circle-stroke-color': '#ff7f00', 'circle-stroke-width': 2.5 } });
  renderDraw();
}

function renderDraw() {
  const src = host.map().getSource(SRC) as GeoJSONSource | undefined;
  if (!src) return;
  const features: GeoJSON.Feature[] = [];
  const add = (geometry: GeoJSON.Geometry, kind = 'shape', path?: number[]) =>
    features.push({ type: 'Feature', properties: path ? { kind, path: JSON.stringify(path) } : { kind }, geometry });
  if (ed.tool) {
    const pts = ed.hover ? [...ed.pts, ed.hover] : ed.pts;
    if (ed.tool === 'rectangle' && pts.length >= 2) add({ type: 'Polygon', coordinates: [rectangle(pts[0], pts[pts.length - 1])] });
    else if (ed.tool === 'polygon' && pts.length >= 3) add({ type: 'Polygon', coordinates: [[...pts, pts[0]]] });
    else if (pts.length >= 2) add({ type: 'LineString', coordinates: pts });
    ed.pts.forEach((p) => add({ type: 'Point', coordinates: p }, 'vertex'));
  } else if (ed.form) {
    if (ed.form.geom.type !== 'Point' || !ed.vertexEdit) add(ed.form.geom);
    if (ed.vertexEdit) for (const v of vertices(ed.form.geom)) add({ type: 'Point', coordinates: v.pos }, 'vertex', v.path);
  }
  src.setData({ type: 'FeatureCollection', features });
}

// ---------------------------------------------------------------- editor panel

function showEditor(html: string) {
  const box = el('#editor')!;
  box.innerHTML = `<button type="button" class="close" data-act="close" aria-label="${esc(tr('close'))}">×</button>${html}`;
  box.hidden = false;
}

function closeEditor() {
  const box = el('#editor');
  if (box) { box.hidden = true; box.innerHTML = ''; }
  ed.form = null;
  ed.view = null;
  ed.vertexEdit = false;
  ed.dragging = null;
  renderDraw();
}

function layerOf(id: string) {
  return host.layers().find((l) => l.id === id);
}

function optionLabel(v: { value: string; label: Texts } | string) {
  return typeof v === 'string' ? { value: v, label: v } : { value: v.value, label: pick(v.label, L()) || v.value };
}

function input(a: EditAttribute, value: unknown): string {
  const req = a.required ? ' required aria-required="true"' : '';
  const common = `data-field="${esc(a.name)}" name="${esc(a.name)}" id="field-${esc(a.name)}"${req}`;
  const str = value === null || value === undefined ? '' : String(value);
  if (a.values && a.values.length) {
    const opts = a.values.map(optionLabel);
    return `<select ${common}><option value=""></option>${opts.map((o) => `<option value="${esc(o.value)}"${o.value === str ? ' selected' : ''}>${esc(o.label)}</option>`).join('')}</select>`;
  }
  switch (a.type) {
    case 'boolean': return `<input type="checkbox" ${common}${value === true ? ' checked' : ''}>`;
    case 'integer': case 'number': {
      const lim = `${a.min !== undefined && a.min !== null ? ` min="${a.min}"` : ''}${a.max !== undefined && a.max !== null ? ` max="${a.max}"` : ''}`;
      return `<input type="number" inputmode="${a.type === 'integer' ? 'numeric' : 'decimal'}" step="${a.type === 'integer' ? '1' : 'any'}"${lim} ${common} value="${esc(str)}">`;
    }
    case 'date': return `<input type="date" ${common} value="${esc(str.slice(0, 10))}">`;
    default: return `<input type="text" ${common}${a.max_length ? ` maxlength="${a.max_length}"` : ''} value="${esc(str)}">`;
  }
}

async function openForm(f: FormState, vertexEdit: boolean, popup?: maplibregl.Popup) {
  ed.form = f;
  ed.vertexEdit = vertexEdit;
  ed.view = { kind: 'form', layer: f.layer, fid: f.fid, popup };
  await renderForm();
  renderDraw();
}

async function renderForm(values?: Props) {
  const f = ed.form;
  if (!f) return;
  const attrs = await host.attributes(f.layer);
  const props = values ?? f.props;
  const layer = layerOf(f.layer);
  const title = `${pick(layer?.titles, L())}: ${f.fid === null ? tr('newFeature') : `№ ${f.fid}`}`;
  showEditor(`<form class="feature-form" data-testid="feature-form" novalidate>
    <h3>${esc(title)}</h3>
    ${attrs.map((a) => `<div class="field${a.type === 'boolean' ? ' check' : ''}">
      <label for="field-${esc(a.name)}">${esc(pick(a.label, L()) || a.name)}${a.required ? ` <abbr class="req" title="${esc(tr('required'))}">*</abbr>` : ''}</label>
      ${input(a, props[a.name])}
      <div class="field-error" data-error="${esc(a.name)}" aria-live="polite"></div></div>`).join('')}
    <p class="hint">${esc(ed.vertexEdit ? tr('dragHint') : '')}</p>
    <div class="field-error" data-error="geometry" aria-live="polite"></div>
    <div class="field-error" data-error="_form" role="alert"></div>
    <div class="tools">
      <button type="submit" data-testid="form-save">${esc(tr('save'))}</button>
      ${f.fid !== null ? `<button type="button" data-testid="edit-geometry" data-act="geometry" aria-pressed="${ed.vertexEdit}">${esc(tr('editGeometry'))}</button>` : ''}
      <button type="button" data-testid="form-cancel" data-act="close">${esc(tr('cancel'))}</button>
    </div></form>`);
}

async function collect(): Promise<Props> {
  const f = ed.form!;
  const attrs = await host.attributes(f.layer);
  const out: Props = {};
  for (const a of attrs) {
    const i = el<HTMLInputElement>(`#editor [data-field="${CSS.escape(a.name)}"]`);
    if (!i) continue;
    if (a.type === 'boolean' && !(a.values && a.values.length)) { out[a.name] = i.checked; continue; }
    const raw = i.value.trim();
    if (raw === '') { out[a.name] = null; continue; }
    if ((a.type === 'integer' || a.type === 'number') && !(a.values && a.values.length)) {
      const n = Number(raw.replace(',', '.'));
      out[a.name] = Number.isFinite(n) ? n : raw;
    } else out[a.name] = raw;
  }
  return out;
}

function showErrors(e: ApiError) {
  document.querySelectorAll('#editor [data-error]').forEach((x) => (x.textContent = ''));
  document.querySelectorAll('#editor [aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
  const general: string[] = [];
  for (const d of e.details ?? []) {
    const name = d.field.startsWith('properties.') ? d.field.slice('properties.'.length) : d.field;
    const box = el(`#editor [data-error="${CSS.escape(name)}"]`);
    if (box) {
      box.textContent = box.textContent ? `${box.textContent}; ${d.reason}` : d.reason;
      el(`#editor [data-field="${CSS.escape(name)}"]`)?.setAttribute('aria-invalid', 'true');
    } else general.push(`${d.field}: ${d.reason}`);
  }
  el('#editor [data-error="_form"]')!.textContent = [e.message, ...general].join(' · ');
}

async function saveForm() {
  const f = ed.form;
  if (!f) return;
  const values = await collect();
  const save = el<HTMLButtonElement>('[data-testid=form-save]');
  if (save) save.disabled = true;
  try {
    let r: Response;
    if (f.fid === null) {
      const properties = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
      r = await api('POST', itemUrl(f.layer), { type: 'Feature', geometry: f.geom, properties });
    } else {
      const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(f.props[k] ?? null)));
      const patch: Props = { properties: changed };
      if (f.geomChanged) patch.geometry = f.geom;
      r = await api('PATCH', itemUrl(f.layer, f.fid), patch, { 'If-Match': f.etag ?? '*', 'Content-Type': 'application/merge-patch+json' });
    }
    if (r.status === 412) {
      host.notice(tr('conflict'));
      const { feature, etag } = await getFeature(f.layer, f.fid!);
      ed.form = { ...f, etag, props: (feature.properties ?? {}) as Props, geom: feature.geometry, geomChanged: false };
      await renderForm();
      renderDraw();
      el('#editor [data-error="_form"]')!.textContent = tr('conflict');
      return;
    }
    if (!r.ok) { showErrors(await errorOf(r)); return; }
    const popup = ed.view?.popup;
    closeEditor();
    popup?.remove();
    refreshTiles();
    host.notice(tr('saved'));
  } catch (e) {
    showErrors(e as ApiError);
  } finally {
    if (save) save.disabled = false;
  }
}

async function onEditorChange(ev: Event) {
  const i = ev.target as HTMLInputElement;
  if (i.dataset.testid === 'attachment-input' && i.files && ed.view?.fid !== null && ed.view) {
    const { layer, fid } = ed.view;
    for (const file of Array.from(i.files)) {
      const body = new FormData();
      body.append('file', file, file.name);
      const r = await api('POST', `${itemUrl(layer, fid)}/attachments`, body);
      if (!r.ok) {
        const e = await errorOf(r);
        host.notice(r.status === 413 ? tr('tooLarge') : e.message);
      }
    }
    await showAttachments(layer, fid!, ed.view?.popup);
  }
}

async function onEditorClick(ev: Event) {
  const b = (ev.target as HTMLElement).closest('button');
  if (!b) return;
  const act = b.dataset.act;
  if (act === 'close') { closeEditor(); return; }
  if (act === 'geometry' && ed.form) {
    ed.vertexEdit = !ed.vertexEdit;
    const values = await collect();
    await renderForm(values);
    renderDraw();
    return;
  }
  const v = ed.view;
  if (!v || v.fid === null) return;
  try {
    if (act === 'restore') {
      const r = await api('POST', `${itemUrl(v.layer, v.fid)}/restore`, { version: Number(b.dataset.version) });
      if (!r.ok) throw await errorOf(r);
      refreshTiles();
      host.notice(tr('restored'));
      await showHistory(v.layer, v.fid, v.popup);
    } else if (act === 'delete-confirm') {
      const { etag } = await getFeature(v.layer, v.fid);
      const r = await api('DELETE', itemUrl(v.layer, v.fid), undefined, { 'If-Match': etag ?? '*' });
      if (r.status === 412) { host.notice(tr('conflict')); return; }
      if (!r.ok) throw await errorOf(r);
      v.popup?.remove();
      closeEditor();
      refreshTiles();
      host.notice(tr('deleted'));
    } else if (act === 'attachment-delete') {
      const r = await api('DELETE', `${itemUrl(v.layer, v.fid)}/attachments/${encodeURIComponent(b.dataset.aid ?? '')}`);
      if (!r.ok) throw await errorOf(r);
      await showAttachments(v.layer, v.fid, v.popup);
    }
  } catch (e) {
    const msg = (e as ApiError).message ?? String(e);
    host.notice(msg);
    const out = el('#editor [data-error="_form"]');
    if (out) out.textContent = msg;
  }
}

// ---------------------------------------------------------------- object card

/** Adds the editing buttons to an object card when the user may write its layer. */
export function decorateCard(card: HTMLElement, layer: string, fid: Fid | undefined, popup: maplibregl.Popup) {
  if (!ed.user || fid === undefined || !ed.writable.includes(layer)) return;
  const div = document.createElement('div');
  div.className = 'tools card-tools';
  div.innerHTML = [
    ['feature-edit', 'edit'], ['feature-history', 'history'], ['feature-attachments', 'attachments'], ['feature-delete', 'delete'],
  ].map(([id, key]) => `<button type="button" data-testid="${id}">${esc(tr(key as Key))}</button>`).join('');
  div.addEventListener('click', (ev) => {
    const b = (ev.target as HTMLElement).closest('button');
    if (!b) return;
    cancelDrawing();
    const run = async () => {
      if (b.dataset.testid === 'feature-edit') {
        const { feature, etag } = await getFeature(layer, fid);
        await openForm({ layer, fid, etag, props: (feature.properties ?? {}) as Props, geom: feature.geometry, geomChanged: false }, false, popup);
      } else if (b.dataset.testid === 'feature-history') await showHistory(layer, fid, popup);
      else if (b.dataset.testid === 'feature-attachments') await showAttachments(layer, fid, popup);
      else if (b.dataset.testid === 'feature-delete') {
        closeEditor();
        ed.view = { kind: 'delete', layer, fid, popup };
        showEditor(`<h3>${esc(pick(layerOf(layer)?.titles, L()))}: № ${esc(String(fid))}</h3><p>${esc(tr('confirmDelete'))}</p>
          <div class="tools"><button type="button" class="danger" data-testid="delete-confirm" data-act="delete-confirm">${esc(tr('delete'))}</button>
          <button type="button" data-act="close">${esc(tr('cancel'))}</button></div><div class="field-error" data-error="_form" role="alert"></div>`);
      }
    };
    run().catch((e: unknown) => host.notice((e as ApiError).message ?? String(e)));
  });
  card.appendChild(div);
}

const OPS: Record<string, Key> = { insert: 'opInsert', update: 'opUpdate', delete: 'opDelete', restore: 'opRestore' };

async function showHistory(layer: string, fid: Fid, popup?: maplibregl.Popup) {
  const r = await api('GET', `${itemUrl(layer, fid)}/history`);
  if (!r.ok) throw await errorOf(r);
  const h = (await r.json()) as { versions: Array<{ version: number; op: string; changed_by: string | null; changed_at: string; properties_before: Props | null; properties_after: Props | null; geometry_before: unknown; geometry_after: unknown }> };
  const attrs = await host.attributes(layer);
  const label = (k: string) => pick(attrs.find((a) => a.name === k)?.label, L()) || k;
  const show = (v: unknown) => (v === null || v === undefined ? '—' : String(v));
  const newest = Math.max(...h.versions.map((v) => v.version));
  closeEditor();
  ed.view = { kind: 'history', layer, fid, popup };
  const locale = L() === 'en' ? 'en-GB' : L() === 'ru' ? 'ru-RU' : 'kk-KZ';
  showEditor(`<h3>${esc(tr('history'))}: № ${esc(String(fid))}</h3>
    <ol class="history" data-testid="history-list">${h.versions.map((v) => {
      const before = v.properties_before ?? {}, after = v.properties_after ?? {};
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
      const changes = v.op === 'insert' ? [] : keys.map((k) => `<li>${esc(label(k))}: ${esc(show(before[k]))} → ${esc(show(after[k]))}</li>`);
      if (v.op !== 'insert' && JSON.stringify(v.geometry_before) !== JSON.stringify(v.geometry_after)) changes.push(`<li>${esc(tr('geometry'))}</li>`);
      return `<li data-testid="history-item" data-version="${v.version}">
        <strong>${esc(tr('version'))} ${v.version}</strong> · <span data-testid="history-op">${esc(tr(OPS[v.op] ?? 'opUpdate'))}</span> ·
        <span data-testid="history-author">${esc(v.changed_by ?? '—')}</span> ·
        <time datetime="${esc(v.changed_at)}">${esc(new Date(v.changed_at).toLocaleString(locale))}</time>
        ${changes.length ? `<ul>${changes.join('')}</ul>` : ''}
        ${v.version !== newest ? `<button type="button" data-testid="history-restore" data-act="restore" data-version="${v.version}">${esc(tr('restore'))}</button>` : ''}
      </li>`;
    }).join('')}</ol><div class="field-error" data-error="_form" role="alert"></div>`);
}

async function showAttachments(layer: string, fid: Fid, popup?: maplibregl.Popup) {
  const r = await api('GET', `${itemUrl(layer, fid)}/attachments`);
  if (!r.ok) throw await errorOf(r);
  const d = (await r.json()) as { attachments: Array<{ id: number | string; name: string; media_type: string; size: number; href: string; thumbnail?: string | null }> };
  closeEditor();
  ed.view = { kind: 'attachments', layer, fid, popup };
  const size = (n: number) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`);
  showEditor(`<h3>${esc(tr('attachments'))}: № ${esc(String(fid))}</h3>
    <ul class="attachments" data-testid="attachment-list">${d.attachments.length ? d.attachments.map((a) => `<li data-testid="attachment-item">
      ${a.thumbnail ? `<img src="${esc(a.thumbnail)}" alt="" loading="lazy">` : ''}
      <a href="${esc(a.href)}" download="${esc(a.name)}" data-testid="attachment-link">${esc(a.name)}</a> <small>${esc(size(a.size))}</small>
      <button type="button" data-testid="attachment-delete" data-act="attachment-delete" data-aid="${esc(String(a.id))}" aria-label="${esc(tr('delete'))}: ${esc(a.name)}">×</button>
    </li>`).join('') : `<li>${esc(tr('noAttachments'))}</li>`}</ul>
    <label class="upload">${esc(tr('upload'))} <input type="file" data-testid="attachment-input" multiple></label>
    <div class="field-error" data-error="_form" role="alert"></div>`);
}

/** Redraws the login box, the toolbar and an open form in the interface language. */
export function render() {
  renderAuth();
  renderTools();
  if (ed.form && ed.view?.kind === 'form') void collect().then((v) => renderForm(v));
}

export const editState = ed;
