// Printing in the web map: a dialog for a map to scale as a GeoPDF (POST /api/print) with its
// frame drawn on the map, and the "Passport (PDF)" action of an object card. The server says what
// may be printed (GET /api/print/options: papers, scales, CRS, languages, the layers the caller
// may read); its answers and errors come in the caller's language.
import type * as maplibregl from 'maplibre-gl';
import type { GeoJSONSource, PaddingOptions } from 'maplibre-gl';
import { type Lang, type Key, LANG_NAMES, t, pick, serverLang } from './i18n';
import { api, errorOf, type ApiError } from './edit';
import { printFrame, printScales, scaleDenominator } from './format';

export interface PrintHost {
  map(): maplibregl.Map;
  lang(): Lang;
  /** Whether a layer is shown on the map now (its print checkbox starts checked then). */
  visible(layer: string): boolean;
}
type Orientation = 'portrait' | 'landscape';
interface Paper { id: string; width_mm: number; height_mm: number; frame_mm: Record<Orientation, [number, number]> }
export interface PrintOptions {
  papers: Paper[];
  scales: number[];
  min_scale: number;
  max_scale: number;
  crs: Array<{ id: string; title: string }>;
  languages: string[];
  layers: Array<{ id: string; title: string }>;
}
interface Choice { scale: number; paper: string; orientation: Orientation; crs: string; lang: string; title: string; layers: Set<string> }

const SRC = 'print-frame';
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const el = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T | null;

let host: PrintHost;
const pr = {
  open: false,
  options: null as PrintOptions | null,
  /** The scales offered: the server's plus the view's when opened. */
  scales: [] as number[],
  choice: null as Choice | null,
  titleTouched: false,
  busy: false,
  /** The frame's centre: the map's centre (the frame follows the map while the dialog is open). */
  center: [0, 0] as [number, number],
  /** Each opening (and language change) numbers its options request; a late answer is dropped. */
  seq: 0,
};
const L = () => host.lang();
const tr = (k: Key) => t(k, L());
/** A server text in the caller's language; Kazakh Latin is transliterated from the Kazakh one. */
const serverText = (s: string) => (L() === 'kk-Latn' ? pick({ kk: s }, L()) : s);
const langName = (code: string) => code.split('+').map((c) => (c in LANG_NAMES ? LANG_NAMES[c as Lang] : c)).join(' + ');
const scaleLabel = (n: number) => `1:${n.toLocaleString('ru-RU')}`;

export function init(h: PrintHost) {
  host = h;
  const tools = el('#print-tools')!;
  tools.addEventListener('click', (ev) => {
    if ((ev.target as HTMLElement).closest('[data-testid=print-open]')) { if (pr.open) close(); else void open(); }
  });
  const dlg = el('#print-dialog')!;
  dlg.addEventListener('change', onChange);
  dlg.addEventListener('input', onChange);
  dlg.addEventListener('submit', (ev) => { ev.preventDefault(); void submit(); });
  dlg.addEventListener('click', (ev) => { if ((ev.target as HTMLElement).closest('[data-act=print-close]')) close(); });
  // Esc closes the dialog when the focus is in it (or nowhere, e.g. after a click on the map).
  document.addEventListener('keydown', (ev) => {
    const active = document.activeElement;
    if (ev.key !== 'Escape' || !pr.open || !(active === document.body || dlg.contains(active))) return;
    const inside = dlg.contains(active);
    close();
    if (inside) el<HTMLButtonElement>('[data-testid=print-open]')?.focus();
  });
  render();
}

/** Redraws the button and an open dialog in the interface language (the options are asked again:
 *  their titles come in the caller's language). */
export function render() {
  const tools = el('#print-tools');
  if (tools) tools.innerHTML = `<button type="button" data-testid="print-open" aria-controls="print-dialog" aria-expanded="${pr.open}">${esc(tr('print'))}</button>`;
  if (pr.open) void loadOptions();
}

async function open() {
  const map = host.map();
  pr.open = true;
  const c = map.getCenter();
  pr.center = [c.lng, c.lat];
  pr.choice = null;
  pr.titleTouched = false;
  map.on('move', follow);
  el('[data-testid=print-open]')?.setAttribute('aria-expanded', 'true');
  const dlg = el('#print-dialog')!;
  dlg.innerHTML = shell(`<p class="hint">${esc(tr('printLoading'))}</p>`);
  dlg.hidden = false;
  await loadOptions();
  if (pr.open) uncover(dlg);
  if (pr.open) (el<HTMLElement>('[data-testid=print-scale]') ?? el<HTMLElement>('[data-testid=print-close]'))?.focus();
}

/** Padding the map had before the dialog opened. */
let savedPadding: PaddingOptions | null = null;

/**
 * Keeps the frame out from under the dialog: the map's padding on the dialog's side (left on a
 * desktop, bottom on a phone), so that its centre, where the frame is, lies in the visible part.
 */
function uncover(dlg: HTMLElement) {
  const map = host.map();
  const m = map.getContainer().getBoundingClientRect();
  const d = dlg.getBoundingClientRect();
  savedPadding = map.getPadding();
  const padding = { ...savedPadding };
  if (d.top - m.top > m.height / 2 || d.width > m.width * 0.6) padding.bottom = Math.max(0, m.bottom - d.top + 8);
  else padding.left = Math.max(0, d.right - m.left + 8);
  map.setPadding(padding);
  follow();
}

function close() {
  if (!pr.open) return;
  pr.open = false;
  pr.seq += 1;
  host.map().off('move', follow);
  if (savedPadding) host.map().setPadding(savedPadding);
  savedPadding = null;
  const dlg = el('#print-dialog');
  if (dlg) { dlg.hidden = true; dlg.innerHTML = ''; }
  el('[data-testid=print-open]')?.setAttribute('aria-expanded', 'false');
  removeFrame();
}

async function loadOptions() {
  const seq = ++pr.seq;
  const dlg = el('#print-dialog')!;
  const r = await api('GET', `/api/print/options?lang=${serverLang(L())}`).catch(() => null);
  if (seq !== pr.seq || !pr.open) return;
  if (!r || !r.ok) {
    const message = r ? (await errorOf(r)).message : tr('unavailable');
    if (seq !== pr.seq || !pr.open) return;
    dlg.innerHTML = shell('');
    setStatus(message, true);
    return;
  }
  const o = (await r.json()) as PrintOptions;
  if (seq !== pr.seq || !pr.open) return;
  pr.options = o;
  const map = host.map();
  const view = scaleDenominator(map.getZoom(), map.getCenter().lat);
  const { scales, selected } = printScales(o.scales, view, o.min_scale, o.max_scale);
  const prev = pr.choice;
  if (!prev) pr.scales = scales;
  const has = (list: string[], v: string | undefined) => v !== undefined && list.includes(v);
  const defaultTitle = tr('printDefaultTitle');
  pr.choice = {
    scale: prev?.scale ?? selected,
    paper: has(o.papers.map((p) => p.id), prev?.paper) ? prev!.paper : (o.papers.find((p) => p.id === 'A4') ?? o.papers[0])?.id ?? 'A4',
    orientation: prev?.orientation ?? 'landscape',
    crs: has(o.crs.map((c) => c.id), prev?.crs) ? prev!.crs : o.crs[0]?.id ?? 'EPSG:3857',
    lang: has(o.languages, prev?.lang) ? prev!.lang : o.languages.includes(serverLang(L())) ? serverLang(L()) : o.languages[0] ?? serverLang(L()),
    title: pr.titleTouched && prev ? prev.title : defaultTitle,
    layers: prev ? new Set([...prev.layers].filter((id) => o.layers.some((l) => l.id === id))) : new Set(o.layers.filter((l) => host.visible(l.id)).map((l) => l.id)),
  };
  renderDialog();
  drawFrame();
}

function shell(body: string): string {
  return `<button type="button" class="close" data-act="print-close" data-testid="print-close" aria-label="${esc(tr('close'))}">×</button>
    <h3 id="print-heading">${esc(tr('printHeading'))}</h3>${body}
    <div class="print-status" data-testid="print-status" role="status" aria-live="polite"></div>`;
}

function renderDialog() {
  const o = pr.options!, c = pr.choice!;
  const option = (value: string, label: string, selected: boolean) => `<option value="${esc(value)}"${selected ? ' selected' : ''}>${esc(label)}</option>`;
  const viewScale = !o.scales.includes(c.scale) && pr.scales.includes(c.scale) ? c.scale : null;
  const status = el('[data-testid=print-status]')?.innerHTML ?? '';
  const mm = tr('mm');
  el('#print-dialog')!.innerHTML = shell(`<form class="print-form" data-testid="print-form" novalidate>
    <label>${esc(tr('scale'))}<select data-testid="print-scale" data-field="scale">${pr.scales.map((s) =>
      option(String(s), s === viewScale ? `${scaleLabel(s)} (${tr('currentView')})` : scaleLabel(s), s === c.scale)).join('')}</select></label>
    <label>${esc(tr('paper'))}<select data-testid="print-paper" data-field="paper">${o.papers.map((p) =>
      option(p.id, `${p.id} (${p.width_mm}×${p.height_mm} ${mm})`, p.id === c.paper)).join('')}</select></label>
    <label>${esc(tr('orientation'))}<select data-testid="print-orientation" data-field="orientation">${(['portrait', 'landscape'] as const).map((v) =>
      option(v, tr(v), v === c.orientation)).join('')}</select></label>
    <label>${esc(tr('crs'))}<select data-testid="print-crs" data-field="crs">${o.crs.map((x) =>
      option(x.id, x.title ? `${serverText(x.title)}` : x.id, x.id === c.crs)).join('')}</select></label>
    <label>${esc(tr('printLang'))}<select data-testid="print-lang" data-field="lang">${o.languages.map((l) =>
      option(l, langName(l), l === c.lang)).join('')}</select></label>
    <label>${esc(tr('printTitle'))}<input type="text" data-testid="print-title" data-field="title" maxlength="200" value="${esc(c.title)}"></label>
    <fieldset><legend>${esc(tr('layers'))}</legend>${o.layers.map((l) => `<label class="check"><input type="checkbox" data-testid="print-layer-${esc(l.id)}" data-layer="${esc(l.id)}"${c.layers.has(l.id) ? ' checked' : ''}> ${esc(serverText(l.title) || l.id)}</label>`).join('')}</fieldset>
    <p class="hint">${esc(tr('printFrameHint'))}</p>
    <div class="tools">
      <button type="submit" data-testid="print-submit"${pr.busy ? ' disabled' : ''}>${esc(tr('printSubmit'))}</button>
      <button type="button" data-act="print-close">${esc(tr('cancel'))}</button>
    </div></form>`);
  el('[data-testid=print-status]')!.innerHTML = status;
}

function onChange(ev: Event) {
  const i = ev.target as HTMLInputElement;
  const c = pr.choice;
  if (!c) return;
  if (i.dataset.layer) { if (i.checked) c.layers.add(i.dataset.layer); else c.layers.delete(i.dataset.layer); return; }
  switch (i.dataset.field) {
    case 'scale': c.scale = Number(i.value); break;
    case 'paper': c.paper = i.value; break;
    case 'orientation': c.orientation = i.value as Orientation; break;
    case 'crs': c.crs = i.value; break;
    case 'lang': c.lang = i.value; break;
    case 'title': c.title = i.value; pr.titleTouched = true; break;
    default: return;
  }
  drawFrame();
}

// ---------------------------------------------------------------- the frame on the map

/** The frame follows the map's centre while the dialog is open: the user moves the map under it. */
function follow() {
  const c = host.map().getCenter();
  pr.center = [c.lng, c.lat];
  drawFrame();
}

/** The frame of the current choice as [west, south, east, north]. */
export function frameBounds(): [number, number, number, number] | null {
  const o = pr.options, c = pr.choice;
  const paper = o?.papers.find((p) => p.id === c?.paper);
  if (!c || !paper) return null;
  return printFrame(pr.center, c.scale, paper.frame_mm[c.orientation]);
}

/** Adds the frame's source and layers (again after a style change) while the dialog is open. */
export function addFrameLayers() {
  if (pr.open) drawFrame();
}

function drawFrame() {
  const map = host.map();
  const b = frameBounds();
  if (!pr.open || !b) return;
  const [w, s, e, n] = b;
  // A world with the frame as a hole (clockwise, against the outer ring) greys what is not printed.
  const data: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [
    { type: 'Feature', properties: { kind: 'mask' }, geometry: { type: 'Polygon', coordinates: [
      [[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]],
      [[w, s], [w, n], [e, n], [e, s], [w, s]],
    ] } },
    { type: 'Feature', properties: { kind: 'frame' }, geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } },
  ] };
  const src = map.getSource(SRC) as GeoJSONSource | undefined;
  if (src) { src.setData(data); return; }
  try {
    map.addSource(SRC, { type: 'geojson', data });
    map.addLayer({ id: 'print-frame-mask', type: 'fill', source: SRC, filter: ['==', ['get', 'kind'], 'mask'], paint: { 'fill-color': '#000', 'fill-opacity': 0.2 } });
    map.addLayer({ id: 'print-frame-line', type: 'line', source: SRC, filter: ['==', ['get', 'kind'], 'frame'], paint: { 'line-color': '#1f6feb', 'line-width': 2 } });
  } catch {
    // A new style is loading (language change): afterStyle() adds the frame again.
  }
}

function removeFrame() {
  const map = host.map();
  for (const id of ['print-frame-line', 'print-frame-mask']) if (map.getLayer(id)) map.removeLayer(id);
  if (map.getSource(SRC)) map.removeSource(SRC);
}

// ---------------------------------------------------------------- printing

function setStatus(text: string, error = false) {
  const s = el('[data-testid=print-status]');
  if (!s) return;
  s.textContent = text;
  s.classList.toggle('error', error);
}

function filenameOf(disposition: string | null): string | null {
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition ?? '');
  if (!m) return null;
  try { return decodeURIComponent(m[1]); } catch { return m[1]; }
}

async function submit() {
  const c = pr.choice;
  if (!c || pr.busy) return;
  const body = {
    center: [Number(pr.center[0].toFixed(7)), Number(pr.center[1].toFixed(7))],
    scale: c.scale,
    paper: c.paper,
    orientation: c.orientation,
    layers: pr.options!.layers.map((l) => l.id).filter((id) => c.layers.has(id)),
    ...(c.title.trim() ? { title: c.title.trim() } : {}),
    lang: c.lang,
    crs: c.crs,
  };
  pr.busy = true;
  const button = el<HTMLButtonElement>('[data-testid=print-submit]');
  if (button) button.disabled = true;
  setStatus(tr('printPreparing'));
  try {
    const r = await api('POST', '/api/print', body, { Accept: 'application/pdf, application/json' });
    if (!r.ok) {
      const e: ApiError = await errorOf(r);
      setStatus([e.message, ...(e.details ?? []).map((d) => `${d.field}: ${d.reason}`)].join(' · '), true);
      return;
    }
    const code = r.headers.get('Qala-Document') ?? '';
    const blob = await r.blob();
    const url = URL.createObjectURL(blob.type === 'application/pdf' ? blob : new Blob([blob], { type: 'application/pdf' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = filenameOf(r.headers.get('Content-Disposition')) ?? `qala-${code || 'map'}.pdf`;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    if (pr.open) setStatus(code ? `${tr('printDone')}: ${code}` : tr('printDone'));
  } catch {
    setStatus(tr('unavailable'), true);
  } finally {
    pr.busy = false;
    const b = el<HTMLButtonElement>('[data-testid=print-submit]');
    if (b) b.disabled = false;
  }
}

// ---------------------------------------------------------------- passports

export function passportUrl(layer: string, fid: string | number, lang: Lang): string {
  return `/api/layers/${encodeURIComponent(layer)}/items/${encodeURIComponent(String(fid))}/passport.pdf?lang=${serverLang(lang)}`;
}

/** Adds "Passport (PDF)" to an object card: the server's PDF of the object in a new tab. */
export function decorateCard(card: HTMLElement, layer: string, fid: string | number | undefined) {
  if (fid === undefined) return;
  let tools = card.querySelector<HTMLElement>('.card-tools');
  if (!tools) {
    tools = document.createElement('div');
    tools.className = 'tools card-tools';
    card.appendChild(tools);
  }
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.testid = 'feature-passport';
  b.textContent = tr('passport');
  b.addEventListener('click', () => window.open(passportUrl(layer, fid, L()), '_blank', 'noopener'));
  tools.appendChild(b);
}

export const printState = pr;
