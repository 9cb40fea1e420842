// The web map's legend (pure, no DOM): the rules of the printed legend (src/print/legend.rs) for
// the layers on screen. Only style layers drawn at the current zoom; a colour chosen by `match`,
// `step` or `case` on an attribute gives one entry per class, labelled from the layer's enum
// values; with the features rendered in the view, only the classes among them. Lines keep their
// width, dash and casing; labels and heat maps have entries of their own.

export type Props = Record<string, unknown>;

export interface StyleLayerLike {
  id: string;
  type: string;
  minzoom?: number;
  maxzoom?: number;
  filter?: unknown;
  paint?: Record<string, unknown>;
  layout?: Record<string, unknown>;
}

export type Swatch =
  | { kind: 'fill'; color: string; opacity: number; outline: string | null }
  | { kind: 'line'; color: string; width: number; dash: number[]; casing: { color: string; width: number } | null }
  | { kind: 'circle'; color: string; radius: number; stroke: string | null }
  | { kind: 'label'; color: string; halo: string | null }
  | { kind: 'ramp'; colors: string[] };

export interface Entry { label: string; swatch: Swatch }

/** What the legend needs to know of a layer and the page's language. */
export interface LegendWords {
  title: string;
  other: string;
  labels: string;
  /** The label of an enum value, if the layer declares one. */
  valueLabel(attr: string, value: string): string | null;
  /** The declared values of an enum attribute. */
  values(attr: string): string[];
  attrLabel(attr: string): string;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !isNaN(+v) ? +v : null);
const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v));

/** Evaluates the MapLibre expressions a legend meets (get, has, match, case, step, interpolate on
 *  the zoom, coalesce, comparisons, !, all, any, to-string, literal) for a feature at a zoom. */
export function evaluate(e: unknown, p: Props, zoom: number): unknown {
  if (!Array.isArray(e) || typeof e[0] !== 'string') return e;
  const a = e as unknown[];
  const ev = (i: number) => evaluate(a[i], p, zoom);
  switch (a[0]) {
    case 'literal': return a[1];
    case 'get': return p[text(ev(1))] ?? null;
    case 'has': return text(ev(1)) in p;
    case 'zoom': return zoom;
    case 'to-string': return text(ev(1));
    case 'coalesce': for (let i = 1; i < a.length; i++) { const v = ev(i); if (v !== null && v !== undefined) return v; } return null;
    case '!': return !ev(1);
    case 'all': return a.slice(1).every((_, i) => !!ev(i + 1));
    case 'any': return a.slice(1).some((_, i) => !!ev(i + 1));
    case '==': return text(ev(1)) === text(ev(2));
    case '!=': return text(ev(1)) !== text(ev(2));
    case '<': case '<=': case '>': case '>=': {
      const x = num(ev(1)), y = num(ev(2));
      if (x === null || y === null) return false;
      return a[0] === '<' ? x < y : a[0] === '<=' ? x <= y : a[0] === '>' ? x > y : x >= y;
    }
    case 'match': {
      const input = text(ev(1));
      for (let i = 2; i + 1 < a.length; i += 2) {
        const labels = Array.isArray(a[i]) ? (a[i] as unknown[]) : [a[i]];
        if (labels.some((l) => text(l) === input)) return ev(i + 1);
      }
      return ev(a.length - 1);
    }
    case 'case':
      for (let i = 1; i + 1 < a.length; i += 2) if (ev(i)) return ev(i + 1);
      return ev(a.length - 1);
    case 'step': {
      const x = num(ev(1)) ?? 0;
      let out = ev(2);
      for (let i = 3; i + 1 < a.length; i += 2) if (x >= (num(a[i]) ?? Infinity)) out = ev(i + 1);
      return out;
    }
    case 'interpolate': {
      const x = num(ev(2)) ?? 0;
      const stops: Array<[number, unknown]> = [];
      for (let i = 3; i + 1 < a.length; i += 2) stops.push([num(a[i]) ?? 0, ev(i + 1)]);
      if (!stops.length) return null;
      if (x <= stops[0][0]) return stops[0][1];
      for (let i = 1; i < stops.length; i++) {
        const [x1, v1] = stops[i];
        const [x0, v0] = stops[i - 1];
        if (x <= x1) {
          const n0 = num(v0), n1 = num(v1);
          if (n0 === null || n1 === null) return x - x0 < x1 - x ? v0 : v1;
          const kind = Array.isArray(a[1]) ? (a[1] as unknown[]) : [];
          const base = kind[0] === 'exponential' ? num(kind[1]) ?? 1 : 1;
          const t = base === 1 ? (x - x0) / (x1 - x0) : (base ** (x - x0) - 1) / (base ** (x1 - x0) - 1);
          return n0 + (n1 - n0) * t;
        }
      }
      return stops[stops.length - 1][1];
    }
    default: return null;
  }
}

/** Whether a style layer is drawn at `zoom` (its zoom range; a hidden layer is not). */
export function visibleAt(sl: StyleLayerLike, zoom: number): boolean {
  return zoom >= (sl.minzoom ?? 0) && zoom < (sl.maxzoom ?? 24) && sl.layout?.visibility !== 'none';
}

type Classes =
  | { kind: 'match'; attr: string; values: string[] }
  | { kind: 'step'; attr: string; stops: number[] }
  | { kind: 'case'; conds: unknown[] };

const getAttr = (v: unknown): string | null => (Array.isArray(v) && v[0] === 'get' && typeof v[1] === 'string' ? v[1] : null);

function classExpr(e: unknown): unknown[] | null {
  if (!Array.isArray(e)) return null;
  if ((e[0] === 'match' || e[0] === 'step') && getAttr(e[1])) return e;
  if (e[0] === 'case' && e.length >= 4) return e;
  if (e[0] === 'interpolate') { for (let i = 4; i < e.length; i += 2) { const c = classExpr(e[i]); if (c) return c; } }
  if (e[0] === 'step') { for (let i = 2; i < e.length; i += 2) { const c = classExpr(e[i]); if (c) return c; } }
  return null;
}

function matchValues(e: unknown, attr: string, out: string[]) {
  if (!Array.isArray(e)) return;
  if (e[0] === 'match' && getAttr(e[1]) === attr) {
    for (let i = 2; i + 1 < e.length; i += 2) for (const l of Array.isArray(e[i]) ? e[i] : [e[i]]) if (!out.includes(text(l))) out.push(text(l));
    return;
  }
  for (const x of e.slice(1)) matchValues(x, attr, out);
}

const PROPS: Record<string, string[]> = {
  fill: ['fill-color', 'fill-outline-color', 'fill-opacity'],
  line: ['line-color', 'line-width', 'line-dasharray', 'line-opacity'],
  circle: ['circle-color', 'circle-radius', 'circle-stroke-color'],
};

export function classesOf(sl: StyleLayerLike, words: Pick<LegendWords, 'values'>): Classes | null {
  const exprs = (PROPS[sl.type] ?? []).map((p) => sl.paint?.[p]).filter((e) => e !== undefined);
  const first = exprs.map(classExpr).find((c) => c);
  if (!first) return null;
  if (first[0] === 'match') {
    const attr = getAttr(first[1])!;
    const values: string[] = [];
    for (const e of exprs) matchValues(e, attr, values);
    for (const v of words.values(attr)) if (!values.includes(v)) values.push(v);
    return { kind: 'match', attr, values };
  }
  if (first[0] === 'step') {
    const stops: number[] = [];
    for (let i = 3; i < first.length; i += 2) { const n = num(first[i]); if (n !== null) stops.push(n); }
    return { kind: 'step', attr: getAttr(first[1])!, stops };
  }
  const conds: unknown[] = [];
  for (let i = 1; i + 1 < first.length; i += 2) conds.push(first[i]);
  return { kind: 'case', conds };
}

function classOf(c: Classes, p: Props, zoom: number): number {
  if (c.kind === 'match') { const i = c.values.indexOf(text(p[c.attr])); return i < 0 ? c.values.length : i; }
  if (c.kind === 'step') { const x = num(p[c.attr]); return x === null ? 0 : c.stops.filter((s) => x >= s).length; }
  const i = c.conds.findIndex((cond) => !!evaluate(cond, p, zoom));
  return i < 0 ? c.conds.length : i;
}

function sample(c: Classes, i: number): Props {
  if (c.kind === 'match') return { [c.attr]: c.values[i] ?? '\u0000' };
  if (c.kind === 'step') return { [c.attr]: i === 0 ? (c.stops[0] ?? 0) - 1 : c.stops[i - 1] };
  const cond = c.conds[i];
  if (Array.isArray(cond) && getAttr(cond[1])) {
    const v = cond[2];
    return { [getAttr(cond[1])!]: cond[0] === '>' && typeof v === 'number' ? v + 1 : cond[0] === '<' && typeof v === 'number' ? v - 1 : v };
  }
  return {};
}

function labelsOf(c: Classes, w: LegendWords): string[] {
  if (c.kind === 'match') return [...c.values.map((v) => w.valueLabel(c.attr, v) ?? v), w.other];
  if (c.kind === 'step') {
    const name = w.attrLabel(c.attr);
    if (!c.stops.length) return [name];
    return [`${name} < ${c.stops[0]}`, ...c.stops.slice(1).map((s, i) => `${name} ${c.stops[i]} – ${s}`), `${name} ≥ ${c.stops[c.stops.length - 1]}`];
  }
  return [...c.conds.map((cond) => {
    if (Array.isArray(cond) && getAttr(cond[1])) {
      const attr = getAttr(cond[1])!;
      return cond[0] === '==' ? w.valueLabel(attr, text(cond[2])) ?? text(cond[2]) : `${w.attrLabel(attr)} ${cond[0]} ${text(cond[2])}`;
    }
    return JSON.stringify(cond);
  }), w.other];
}

const str = (v: unknown, d: string) => (typeof v === 'string' ? v : d);

function swatchOf(sl: StyleLayerLike, casing: StyleLayerLike | null, p: Props, zoom: number): Swatch {
  const paint = (k: string) => evaluate(sl.paint?.[k], p, zoom);
  if (sl.type === 'fill') {
    return { kind: 'fill', color: str(paint('fill-color'), '#000'), opacity: num(paint('fill-opacity')) ?? 1, outline: typeof paint('fill-outline-color') === 'string' ? (paint('fill-outline-color') as string) : null };
  }
  if (sl.type === 'line') {
    const dash = paint('line-dasharray');
    const cw = casing ? num(evaluate(casing.paint?.['line-width'], p, zoom)) ?? 1 : 0;
    return {
      kind: 'line', color: str(paint('line-color'), '#000'), width: Math.min(num(paint('line-width')) ?? 1, 8),
      dash: Array.isArray(dash) ? dash.map((d) => num(d) ?? 0) : [],
      casing: casing ? { color: str(evaluate(casing.paint?.['line-color'], p, zoom), '#000'), width: Math.min(cw, 11) } : null,
    };
  }
  if (sl.type === 'heatmap') return { kind: 'ramp', colors: [0.2, 0.4, 0.6, 0.8, 1].map((t) => str(evaluate(sl.paint?.['heatmap-color'], { ...p, 'heatmap-density': t }, zoom), '#f00')) };
  return {
    kind: 'circle', color: str(paint('circle-color'), '#000'), radius: Math.min(num(paint('circle-radius')) ?? 4, 6),
    stroke: (num(paint('circle-stroke-width')) ?? 0) > 0 ? str(paint('circle-stroke-color'), '#000') : null,
  };
}

/** The entries of one data layer drawn by `sls` (its style layers in drawing order) at `zoom`.
 *  `present`, when given, holds the properties of the features each style layer (by id) renders in
 *  the view: only those style layers and classes are listed. */
export function layerLegend(sls: StyleLayerLike[], zoom: number, words: LegendWords, present?: Map<string, Props[]>): Entry[] {
  const drawn = sls.filter((sl) => visibleAt(sl, zoom) && ['fill', 'line', 'circle', 'symbol', 'heatmap'].includes(sl.type));
  const out: Entry[] = [];
  const push = (label: string, swatch: Swatch) => {
    const key = JSON.stringify([label, swatch]);
    if (!out.some((e) => JSON.stringify([e.label, e.swatch]) === key)) out.push({ label, swatch });
  };
  drawn.forEach((sl, i) => {
    // A line drawn right under another line of the same layer is that line's casing.
    if (sl.type === 'line' && drawn[i + 1]?.type === 'line') return;
    const casing = sl.type === 'line' && drawn[i - 1]?.type === 'line' ? drawn[i - 1] : null;
    const feats = present ? present.get(sl.id) ?? [] : null;
    if (feats && !feats.length) return;
    if (sl.type === 'symbol') {
      const halo = (num(sl.paint?.['text-halo-width']) ?? 0) > 0 ? str(sl.paint?.['text-halo-color'], '#fff') : null;
      push(words.labels, { kind: 'label', color: str(evaluate(sl.paint?.['text-color'], {}, zoom), '#000'), halo });
      return;
    }
    const c = sl.type === 'heatmap' ? null : classesOf(sl, words);
    if (!c) { push(words.title, swatchOf(sl, casing, feats?.[0] ?? {}, zoom)); return; }
    labelsOf(c, words).forEach((label, ci) => {
      let props: Props;
      if (feats) {
        const f = feats.find((p) => classOf(c, p, zoom) === ci);
        if (!f) return;
        props = f;
      } else {
        if (c.kind === 'match' && ci === c.values.length && words.values(c.attr).length) return;
        props = sample(c, ci);
      }
      push(label, swatchOf(sl, casing, props, zoom));
    });
  });
  return out;
}

const escAttr = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A swatch as HTML (an inline SVG of 24 × 12 CSS pixels). */
export function swatchHtml(s: Swatch): string {
  const c = (v: string) => escAttr(v);
  let body = '';
  if (s.kind === 'fill') body = `<rect x="0.5" y="0.5" width="23" height="11" fill="${c(s.color)}" fill-opacity="${s.opacity}" stroke="${c(s.outline ?? s.color)}"/>`;
  else if (s.kind === 'line') {
    const cas = s.casing ? `<line x1="0" y1="6" x2="24" y2="6" stroke="${c(s.casing.color)}" stroke-width="${Math.max(s.casing.width, s.width + 1)}"/>` : '';
    const dash = s.dash.length ? ` stroke-dasharray="${s.dash.map((d) => d * Math.max(s.width, 1)).join(' ')}"` : '';
    body = `${cas}<line x1="0" y1="6" x2="24" y2="6" stroke="${c(s.color)}" stroke-width="${Math.max(s.width, 0.5)}"${dash}/>`;
  } else if (s.kind === 'circle') body = `<circle cx="12" cy="6" r="${Math.max(s.radius, 2)}" fill="${c(s.color)}"${s.stroke ? ` stroke="${c(s.stroke === '#ffffff' ? '#888' : s.stroke)}"` : ''}/>`;
  else if (s.kind === 'label') body = `<text x="2" y="10" font-size="10" fill="${c(s.color)}"${s.halo ? ` stroke="${c(s.halo)}" stroke-width="0.6" paint-order="stroke"` : ''}>Aa</text>`;
  else body = s.colors.map((col, i) => `<rect x="${(i * 24) / s.colors.length}" y="0" width="${24 / s.colors.length + 0.2}" height="12" fill="${c(col)}"/>`).join('');
  return `<svg class="swatch" data-kind="${s.kind}" width="24" height="12" viewBox="0 0 24 12" aria-hidden="true">${body}</svg>`;
}

/** The legend's own words. */
export const LEGEND_WORDS = {
  other: { kk: 'басқалары', ru: 'прочие', en: 'other' },
  labels: { kk: 'Жазулар', ru: 'Подписи', en: 'Labels' },
  clustered: { kk: 'Топтағы нысандар', ru: 'Объектов в кластере', en: 'Objects in a cluster' },
};
