// An application opened at the workstation: the map with its site and overlay report beside the
// card (stages and terms, the actions, the overlay listed with distances and shares, the
// applicant's values and files previewed, the provider's fields, comments and the history).
import * as api from '../api';
import { esc } from '../words';
import { textOf, type Lang } from '../lang';
import type { Ctx } from '../shell';
import {
  tr, W, type WordKey, type Card, type Service, type FileRef, type Overlay, type HistoryEntry,
  service as serviceOf, termBadge, statusText, dateTime, actionText, failureText,
} from './common';
import { cardOf } from './queues';
import { actionsHtml, run, comment, offersOf, valueText, type Host } from './actions';
import type { WorkMap, Basemap } from './workmap';
import { objectsPanel } from './objects';
import { signBox } from '../../signin/apps-sign';

interface LayerInfo { title?: string; titles?: Record<string, string>; attributes?: Array<{ name: string; label?: unknown; values?: Array<{ value: string; label: unknown }> }> }
const layers = new Map<string, Promise<LayerInfo | null>>();
function layerInfo(id: string): Promise<LayerInfo | null> {
  let p = layers.get(id);
  if (!p) { p = api.get<LayerInfo>(`/api/layers/${encodeURIComponent(id)}`).catch(() => null); layers.set(id, p); }
  return p;
}

/** An overlay line: what it is, its layer and feature, distance or share, and its geometry. */
interface Item { key: string; kind: 'zone' | 'network' | 'nearby'; layer: string; fid: number | string; label: string; measure: string; geometry?: GeoJSON.Geometry; href?: string; number?: string | null }

const fmtM = (m: number) => `${m < 10 ? m.toFixed(1) : Math.round(m)} ${tr('m')}`;

async function overlayItems(o: Overlay, lang: Lang): Promise<Item[]> {
  const ids = [...new Set([...(o.zones ?? []).map((z) => z.layer), ...(o.networks ?? []).map((n) => n.layer)])];
  const infos = new Map(await Promise.all(ids.map(async (id) => [id, await layerInfo(id)] as const)));
  const valueLabel = (layer: string, attr: string, v: string | null) => {
    const a = infos.get(layer)?.attributes?.find((x) => x.name === attr);
    return (v != null && textOf(a?.values?.find((x) => x.value === v)?.label, lang)) || v || '—';
  };
  const layerTitle = (layer: string) => textOf(infos.get(layer)?.titles, lang) || infos.get(layer)?.title || layer;
  const items: Item[] = [];
  for (const z of o.zones ?? []) {
    items.push({ key: `zone:${z.layer}:${z.feature}`, kind: 'zone', layer: z.layer, fid: z.feature, geometry: z.geometry,
      label: `${layerTitle(z.layer)}: ${valueLabel(z.layer, z.attribute, z.value)}`, measure: `${Math.round(z.share * 1000) / 10}% ${tr('share')}` });
  }
  for (const n of o.networks ?? []) {
    const attr = infos.get(n.layer)?.attributes?.find((a) => a.values?.some((v) => v.value === n.value))?.name ?? 'kind';
    items.push({ key: `net:${n.layer}:${n.feature}`, kind: 'network', layer: n.layer, fid: n.feature, geometry: n.geometry,
      label: `${valueLabel(n.layer, attr, n.value)} · ${layerTitle(n.layer)} #${n.feature}`, measure: n.distance_m <= 0 ? tr('inside') : `${tr('distance')} ${fmtM(n.distance_m)}` });
  }
  for (const a of o.nearby ?? []) {
    items.push({ key: `app:${a.id}`, kind: 'nearby', layer: 'applications', fid: a.id, geometry: a.geometry, href: `/app/work/${a.id}`, number: a.number,
      label: `${a.number ?? `#${a.id}`} · ${statusText(a.status)}`, measure: a.distance_m <= 0 ? tr('inside') : `${tr('distance')} ${fmtM(a.distance_m)}` });
  }
  return items;
}

/** The geometry of an overlay line: the report's own, else the feature's (OGC API); an
 *  application nearby by its number in the applications layer (not its card: opening a card of
 *  personal data is journalled, and merely drawing a neighbour is not a reading of it). */
async function itemGeometry(it: Item, featureGeometry: (l: string, f: number | string) => Promise<GeoJSON.Geometry | null>): Promise<GeoJSON.Geometry | null> {
  if (it.geometry) return it.geometry;
  if (it.kind === 'nearby') {
    if (!it.number) return null;
    return api.get<{ features?: Array<{ geometry?: GeoJSON.Geometry }> }>(`/ogc/collections/applications/items?number=${encodeURIComponent(it.number)}&limit=1`)
      .then((d) => d.features?.[0]?.geometry ?? null)
      .catch(() => null);
  }
  return featureGeometry(it.layer, it.fid);
}

function fileKind(f: FileRef): 'pdf' | 'image' | 'other' {
  const t = f.media_type ?? '';
  if (t === 'application/pdf' || /\.pdf$/i.test(f.name)) return 'pdf';
  if (/^image\/(png|jpeg|gif|webp|svg\+xml)$/.test(t) || /\.(png|jpe?g|gif|webp)$/i.test(f.name)) return 'image';
  return 'other';
}

const size = (n: number) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(0)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`);

function eventText(e: Record<string, unknown> & { event: string }, svc: Service, lang: Lang): string {
  const k = `ev_${e.event}` as WordKey;
  const base = k in W ? tr(k) : e.event;
  const st = (id: unknown) => (typeof id === 'string' ? textOf(svc.workflow.stages.find((s) => s.id === id)?.title, lang) || (id === 'approved' || id === 'refused' ? statusText(id) : id) : '');
  const label = (name: string) => textOf(svc.form.find((f) => f.name === name)?.label, lang) || textOf(svc.passport?.documents?.find((d) => d.id === name)?.title, lang) || name;
  switch (e.event) {
    case 'stage_entered': return `${base}: ${st(e.stage)}`;
    case 'claimed': case 'released': case 'assigned': return `${base}: ${st(e.stage)} — ${e.user}`;
    case 'returned_for_corrections': return `${base} (${st(e.stage)}): ${(e.fields as string[]).map(label).join(', ')}`;
    case 'resubmitted': return `${base}; ${tr('changedFields')}: ${((e.changed as string[]) ?? []).map(label).join(', ') || '—'}`;
    case 'returned_to_previous': return `${base}: ${st(e.from)} → ${st(e.to)}`;
    case 'moved': return `${base}: ${st(e.from)} → ${st(e.to)}`;
    case 'rerouted': return `${base}: ${e.from} → ${e.to}`;
    case 'refused': return `${base}: ${textOf(svc.refusal_reasons?.find((r) => r.code === e.code)?.title, lang) || e.code}. ${e.text ?? ''}`;
    default: return base;
  }
}

/** Mounts application `id` in `root`. */
export async function mountApplication(root: HTMLElement, ctx: Ctx, id: number): Promise<() => void> {
  const lang = api.currentLang();
  const queue = ctx.route.query.get('queue') ?? '';
  let { card, etag } = await cardOf(id);
  const svc = await serviceOf(card.service.id);
  const workmap = await import('./workmap');
  const cfg = await workmap.webConfig().catch(() => ({ basemaps: [] as Basemap[] }));
  const rasters = (cfg.basemaps ?? []).filter((b) => b.tiles?.length);
  let wm: WorkMap | null = null;
  let items: Item[] = [];
  let pinned: string | null = null;
  let alive = true;
  const providerDraft: Record<string, unknown> = {};

  root.innerHTML = `<div class="work-app" data-testid="work-app" data-id="${card.id}">
      <div class="work-head">
        <a href="/app/work${queue ? `?queue=${esc(queue)}` : ''}" class="back" data-testid="back">← ${esc(tr('back'))}</a>
        <h1><span data-testid="card-number">${esc(card.number ?? `#${card.id}`)}</span> <span class="svc">${esc(textOf(card.service.title, lang))}</span></h1>
        <div class="head-badges" data-testid="card-head"></div>
      </div>
      <p class="error card-error" role="alert" data-testid="card-error" hidden></p>
      <div class="work-split">
        <section class="work-mapcol" aria-label="${esc(tr('map'))}">
          <div class="work-map" data-testid="work-map"></div>
          ${rasters.length ? `<label class="basemap">${esc(tr('basemap'))} <select data-testid="work-basemap"><option value="">${esc(tr('basemapQala'))}</option>
            ${rasters.map((b) => `<option value="${esc(b.id)}">${esc(workmap.basemapTitle(b, lang))}</option>`).join('')}</select></label>` : ''}
          ${card.geometry ? '' : `<p class="hint" data-testid="no-site">${esc(tr('noSite'))}</p>`}
        </section>
        <section class="work-side" data-testid="work-side"></section>
      </div>
    </div>`;
  const side = root.querySelector<HTMLElement>('.work-side')!;
  const head = root.querySelector<HTMLElement>('[data-testid=card-head]')!;
  const cardError = root.querySelector<HTMLElement>('[data-testid=card-error]')!;
  // The vector objects drawn or uploaded on the application: a panel kept across redraws, its
  // lines highlighted like the overlay's (keys `obj:<id>`), its drawing bar above the map.
  const objects = objectsPanel({
    id: card.id,
    pinned: () => pinned,
    gone: (key) => { if (pinned === key) { pinned = null; void highlight(null, false); } },
    notify: (text, kind) => ctx.notify(text, kind),
  });
  root.querySelector('.work-map')!.before(objects.bar);

  const host: Host = {
    get card() { return card; },
    get etag() { return etag; },
    service: svc,
    providerValues: () => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(providerDraft)) if (v !== '' && v != null && card.form[k] !== v) out[k] = v;
      return out;
    },
    show(next, done) {
      card = next.card; etag = next.etag;
      for (const k of Object.keys(providerDraft)) delete providerDraft[k];
      cardError.hidden = true;
      ctx.notify(`${card.number ?? card.id}: ${done}`, 'ok');
      render();
    },
    async changed(message) {
      ({ card, etag } = await cardOf(id));
      render();
      cardError.textContent = `${message}. ${tr('changed')}`;
      cardError.dataset.status = '412';
      cardError.hidden = false;
    },
  };

  const headHtml = () => {
    const returned = card.status === 'returned';
    return `<span class="badge st-${esc(card.status)}" data-testid="card-status" data-status="${esc(card.status)}">${esc(statusText(card.status))}</span>
      ${card.status === 'in_progress' ? termBadge(card.term?.due ?? card.due_at, card.term?.left ?? null, card.term?.overdue ?? null, 'card-term') : ''}
      ${card.submitted_at ? `<span class="hint">${esc(tr('submitted'))}: ${esc(dateTime(card.submitted_at))}</span>` : ''}
      ${returned ? `<span class="hint" data-testid="returned-info">${esc(tr('returnedInfo'))}</span>` : ''}`;
  };

  const stagesHtml = () => card.stages.length ? `<section class="panel" data-testid="stages"><h2>${esc(tr('stagesNow'))}</h2><ul class="stages">
      ${card.stages.map((t) => `<li data-stage="${esc(t.stage)}" data-testid="stage-now"><b>${esc(textOf(t.title, lang) || t.stage)}</b>
        <span class="hint">${esc(t.org ?? '')}${t.dept ? ` / ${esc(t.dept)}` : ''}</span>
        <span>${esc(tr('executor'))}: <span data-testid="stage-executor">${esc(t.executor || tr('nobody'))}</span></span>
        ${t.term ? termBadge(t.term.due, t.term.left ?? null, t.term.overdue ?? null, 'stage-term') : ''}</li>`).join('')}
    </ul></section>` : '';

  const decisionHtml = () => {
    if (card.status !== 'approved' && card.status !== 'refused') return '';
    const url = `/api/applications/${card.id}/document.pdf`;
    return `<section class="panel decision" data-testid="decision"><h2>${esc(tr('decision'))}</h2>
      ${card.refusal ? `<p data-testid="refusal">${esc(tr('refusal'))}: <b>${esc(card.refusal.reason ?? card.refusal.code)}</b>. ${esc(card.refusal.text ?? '')}</p>` : ''}
      <p><a href="${url}" target="_blank" rel="noopener" data-testid="decision-open">${esc(tr('openPdf'))}</a> ·
      <a href="${url}" download data-testid="decision-download">${esc(tr('download'))}</a></p><div data-sign-slot></div></section>`;
  };

  const overlayHtml = () => {
    const o = card.overlay;
    if (!o) return `<section class="panel" data-testid="overlay"><h2>${esc(tr('overlay'))}</h2><p class="hint">${esc(tr('overlayEmpty'))}</p></section>`;
    const group = (kind: Item['kind'], title: string) => {
      const its = items.filter((i) => i.kind === kind);
      if (!its.length) return '';
      return `<h3>${esc(title)} <span class="hint">(${its.length})</span></h3><ul class="overlay-list" data-kind="${kind}">
        ${its.map((i) => `<li><button type="button" class="overlay-item${pinned === i.key ? ' pinned' : ''}" data-key="${esc(i.key)}" data-testid="overlay-item" data-kind="${kind}" aria-pressed="${pinned === i.key}">
          <span class="what">${esc(i.label)}</span><span class="measure" data-testid="overlay-measure">${esc(i.measure)}</span></button>
          ${i.href ? `<a href="${i.href}" class="hint">${esc(tr('open'))}</a>` : ''}</li>`).join('')}</ul>`;
    };
    const r = o.routing;
    return `<section class="panel" data-testid="overlay"><h2>${esc(tr('overlay'))}</h2>
      ${o.district ? `<p data-testid="overlay-district">${esc(tr('district'))}: <b>${esc(textOf(o.district.name, lang))}</b> <span class="hint">${esc(o.district.code)}</span></p>` : ''}
      ${group('zone', tr('zones'))}${group('network', tr('networks'))}${group('nearby', tr('nearby'))}
      ${r ? `<p class="hint" data-testid="overlay-routing">${esc(tr('routing'))}: ${esc(r.decision)}${r.org ? ` → ${esc(r.org)}` : ''} (${r.candidates.length})</p>` : ''}
      ${o.missing_layers?.length ? `<p class="hint">${esc(tr('missingLayers'))}: ${esc(o.missing_layers.join(', '))}</p>` : ''}
      ${o.elapsed_ms ? `<p class="hint">${esc(tr('computedIn'))} ${o.elapsed_ms} ${esc(tr('ms'))}</p>` : ''}
    </section>`;
  };

  const formHtml = () => {
    const flagged = new Set(card.returned?.fields ?? []);
    const rows = svc.form.filter((f) => (f.filled_by ?? 'applicant') === 'applicant' && card.form[f.name] !== undefined && card.form[f.name] !== null);
    return `<section class="panel" data-testid="form-values"><h2>${esc(tr('form'))}</h2><dl class="values">
      ${rows.map((f) => `<div class="${flagged.has(f.name) ? 'flagged' : ''}" data-field="${esc(f.name)}"><dt>${esc(textOf(f.label, lang) || f.name)}</dt><dd>${esc(valueText(card.form[f.name], f, lang))}</dd></div>`).join('')}
      </dl>${card.applicant ? `<p class="hint">${esc(tr('applicant'))}: ${esc(card.applicant)}</p>` : ''}</section>`;
  };

  /** What the caller fills as the executor: the fields and documents the transitions of the
   *  stages it holds name (all the provider's when they name none); the rest is shown read-only. */
  const editable = () => {
    const me = api.currentUser()?.login;
    const held = card.stages.filter((t) => t.executor && t.executor === me).map((t) => svc.workflow.stages.find((s) => s.id === t.stage)).filter(Boolean);
    const fields = new Set(held.flatMap((d) => (d!.next ?? []).flatMap((n) => n.fields ?? [])));
    const docs = new Set(held.flatMap((d) => (d!.next ?? []).flatMap((n) => n.documents ?? [])));
    const anyHeld = held.length > 0;
    return {
      field: (name: string) => anyHeld && (fields.size === 0 || fields.has(name)),
      doc: (id: string) => anyHeld && (docs.size === 0 || docs.has(id)),
    };
  };
  const providerHtml = () => {
    const ed = editable();
    const has = (v: unknown) => v !== undefined && v !== null && v !== '';
    const fields = svc.form.filter((f) => f.filled_by === 'provider' && (ed.field(f.name) || has(card.form[f.name])));
    const docs = (svc.passport?.documents ?? []).filter((d) => d.provided_by === 'provider' && (ed.doc(d.id) || (card.documents?.[d.id] ?? []).length));
    if (!fields.length && !docs.length) return '';
    const input = (f: Service['form'][number]) => {
      const v = providerDraft[f.name] ?? card.form[f.name] ?? '';
      if (!ed.field(f.name)) return `<span class="value">${esc(valueText(card.form[f.name], f, lang))}</span>`;
      if (f.values) return `<select name="${esc(f.name)}"><option value=""></option>${f.values.map((o) => `<option value="${esc(o.value)}"${o.value === v ? ' selected' : ''}>${esc(textOf(o.label, lang))}</option>`).join('')}</select>`;
      const type = f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text';
      return `<input name="${esc(f.name)}" type="${type}" value="${esc(v)}"${type === 'number' ? ' step="any"' : ''}>`;
    };
    return `<section class="panel" data-testid="provider-fields"><h2>${esc(tr('providerFields'))}</h2>
      <div class="provider-grid">${fields.map((f) => `<label data-testid="provider-${esc(f.name)}">${esc(textOf(f.label, lang) || f.name)}${f.unit ? ` <span class="hint">${esc(f.unit)}</span>` : ''}${input(f)}</label>`).join('')}</div>
      ${docs.map((d) => `<div class="provider-doc" data-doc="${esc(d.id)}"><b>${esc(textOf(d.title, lang) || d.id)}</b>
        ${filesList(d.id, card.documents?.[d.id] ?? [])}
        ${ed.doc(d.id) ? `<label class="upload">${esc(tr('upload'))}<input type="file" data-upload="${esc(d.id)}" data-testid="upload-${esc(d.id)}"${d.formats?.length ? ` accept="${d.formats.map((x) => `.${esc(x)}`).join(',')}"` : ''}></label><progress hidden max="1" value="0"></progress>` : ''}
      </div>`).join('')}</section>`;
  };

  const filesList = (doc: string, files: FileRef[]) => files.length ? `<ul class="files">${files.map((f) => {
    const url = `/api/applications/${card.id}/files/${f.id}`;
    const k = fileKind(f);
    return `<li data-testid="file" data-doc="${esc(doc)}" data-kind="${k}"><span class="name">${esc(f.name)}</span> <span class="hint">${esc(size(f.size))}</span>
      ${k !== 'other' ? `<button type="button" data-preview="${esc(f.id)}" data-kind="${k}" data-name="${esc(f.name)}" data-testid="file-preview">${esc(tr('preview'))}</button>` : ''}
      <a href="${url}" download="${esc(f.name)}" data-testid="file-download">${esc(tr('download'))}</a></li>`;
  }).join('')}</ul>` : `<p class="hint">${esc(tr('noFiles'))}</p>`;

  const filesHtml = () => {
    const flagged = new Set(card.returned?.fields ?? []);
    const docs = (svc.passport?.documents ?? []).filter((d) => (d.provided_by ?? 'applicant') === 'applicant');
    const known = new Set(docs.map((d) => d.id));
    const extra = Object.keys(card.documents ?? {}).filter((k) => !known.has(k) && !(svc.passport?.documents ?? []).some((d) => d.id === k));
    return `<section class="panel" data-testid="files"><h2>${esc(tr('files'))}</h2>
      ${docs.map((d) => `<div class="doc${flagged.has(d.id) ? ' flagged' : ''}"><b>${esc(textOf(d.title, lang) || d.id)}</b>${filesList(d.id, card.documents?.[d.id] ?? [])}</div>`).join('')}
      ${extra.map((k) => `<div class="doc"><b>${esc(k)}</b>${filesList(k, card.documents?.[k] ?? [])}</div>`).join('')}
      <div class="file-viewer" data-testid="file-viewer" hidden></div></section>`;
  };

  const historyHtml = () => {
    const h = [...(card.history ?? [])].reverse();
    const { offers } = offersOf(card, svc);
    const c = offers.find((o) => o.action === 'comment' && o.allowed);
    const canComment = !!c || (!card.actions && card.status === 'in_progress');
    const entry = (e: HistoryEntry) => {
      const comments = e.events.filter((x) => x.event === 'commented');
      const rest = e.events.filter((x) => x.event !== 'commented');
      return `<li data-testid="history-entry" data-action="${esc(e.action)}"><time>${esc(dateTime(e.at))}</time> <b>${esc(e.actor)}</b> · ${esc(actionText(e.action))}
        ${rest.length ? `<ul>${rest.map((x) => `<li>${esc(eventText(x, svc, lang))}</li>`).join('')}</ul>` : ''}
        ${comments.map((x) => `<blockquote class="comment ${x.to_applicant ? 'public' : 'internal'}" data-testid="comment"><span class="badge">${esc(x.to_applicant ? tr('toApplicantMark') : tr('internalMark'))}</span> ${esc(x.text)}</blockquote>`).join('')}</li>`;
    };
    return `<section class="panel" data-testid="history"><h2>${esc(tr('comments'))}</h2>
      ${canComment ? `<form class="comment-form" data-testid="comment-form">
        <label>${esc(tr('commentText'))}<textarea name="text" rows="3" required maxlength="4000" data-testid="comment-text"></textarea></label>
        <div class="comment-to"><label><input type="radio" name="to" value="internal" checked> ${esc(tr('internal'))}</label>
        <label><input type="radio" name="to" value="applicant" data-testid="comment-to-applicant"> ${esc(tr('toApplicant'))}</label></div>
        <p class="error" role="alert" hidden data-testid="comment-error"></p>
        <button type="submit" data-testid="comment-send" data-stage="${esc(c?.stage ?? '')}">${esc(tr('send'))}</button></form>` : ''}
      <ol class="history">${h.map(entry).join('')}</ol></section>`;
  };

  // The output document's signatures and the Sign button (signin/), in the decision's panel.
  const signs = signBox(card.id);
  const render = () => {
    head.innerHTML = headHtml();
    const acts = actionsHtml(host);
    side.innerHTML = `${acts ? `<section class="panel actions" data-testid="actions"><h2>${esc(tr('actions'))}</h2>${acts}</section>` : ''}
      ${decisionHtml()}${stagesHtml()}${overlayHtml()}<div data-objects-slot></div>${formHtml()}${providerHtml()}${filesHtml()}${historyHtml()}`;
    side.querySelector('[data-objects-slot]')!.replaceWith(objects.el);
    const signSlot = side.querySelector('[data-sign-slot]');
    if (signSlot) { signSlot.replaceWith(signs.el); void signs.load(); }
    root.querySelector('.work-app')!.setAttribute('data-status', card.status);
  };

  const highlight = async (key: string | null, fit: boolean) => {
    if (!wm) return;
    if (key?.startsWith('obj:')) {
      const g = objects.geometry(key);
      wm.highlight(g, fit);
      root.querySelector('.work-map')!.setAttribute('data-highlight', g ? key : '');
      return;
    }
    const it = key ? items.find((i) => i.key === key) : null;
    if (!it) { wm.highlight(null); return; }
    const g = await itemGeometry(it, workmap.featureGeometry);
    if (!alive) return;
    // A later hover may have replaced this one.
    if (key === (hovered ?? pinned)) wm.highlight(g, fit);
    root.querySelector('.work-map')!.setAttribute('data-highlight', g ? key! : '');
  };
  let hovered: string | null = null;

  side.addEventListener('mouseover', (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLElement>('.overlay-item');
    const k = b?.dataset.key ?? null;
    if (k === hovered) return;
    hovered = k;
    void highlight(k ?? pinned, false);
  });
  side.addEventListener('mouseleave', () => { hovered = null; void highlight(pinned, false); });

  side.addEventListener('click', async (ev) => {
    const t = ev.target as HTMLElement;
    const item = t.closest<HTMLElement>('.overlay-item');
    if (item) {
      const k = item.dataset.key!;
      pinned = pinned === k ? null : k;
      side.querySelectorAll<HTMLElement>('.overlay-item').forEach((x) => { x.classList.toggle('pinned', x.dataset.key === pinned); x.setAttribute('aria-pressed', String(x.dataset.key === pinned)); });
      hovered = null;
      await highlight(pinned, true);
      return;
    }
    const a = t.closest<HTMLButtonElement>('button[data-action]');
    if (a) {
      a.disabled = true;
      try { await run(host, a.dataset.action!, a.dataset.stage || null); } catch (e) { ctx.notify(failureText(e), 'error'); } finally { a.disabled = false; }
      return;
    }
    const p = t.closest<HTMLButtonElement>('button[data-preview]');
    if (p) {
      const viewer = side.querySelector<HTMLElement>('[data-testid=file-viewer]')!;
      const prev = viewer.dataset.url;
      if (prev) URL.revokeObjectURL(prev);
      viewer.hidden = false;
      viewer.innerHTML = `<p class="loading">…</p>`;
      try {
        const r = await api.call('GET', `/api/applications/${card.id}/files/${p.dataset.preview}`);
        const blob = await r.blob();
        const kind = p.dataset.kind;
        const typed = new Blob([blob], { type: kind === 'pdf' ? 'application/pdf' : blob.type });
        const url = URL.createObjectURL(typed);
        viewer.dataset.url = url;
        viewer.innerHTML = `<div class="viewer-head"><b data-testid="viewer-name">${esc(p.dataset.name)}</b><button type="button" data-testid="viewer-close" data-close>${esc(tr('close'))}</button></div>
          ${kind === 'pdf' ? `<iframe src="${url}" title="${esc(p.dataset.name)}" data-testid="viewer-pdf"></iframe>` : `<img src="${url}" alt="${esc(p.dataset.name)}" data-testid="viewer-image">`}`;
        viewer.scrollIntoView({ block: 'nearest' });
      } catch (e) {
        viewer.innerHTML = `<p class="error" role="alert">${esc(failureText(e))}</p>`;
      }
      return;
    }
    if (t.closest('[data-close]')) {
      const viewer = side.querySelector<HTMLElement>('[data-testid=file-viewer]')!;
      if (viewer.dataset.url) URL.revokeObjectURL(viewer.dataset.url);
      viewer.hidden = true;
      viewer.innerHTML = '';
    }
  });

  side.addEventListener('input', (ev) => {
    const el = ev.target as HTMLInputElement | HTMLSelectElement;
    if (!el.closest('[data-testid=provider-fields]') || !el.name) return;
    const f = svc.form.find((x) => x.name === el.name);
    providerDraft[el.name] = f?.type === 'number' && el.value !== '' ? Number(el.value) : el.value;
  });

  side.addEventListener('change', async (ev) => {
    const el = ev.target as HTMLInputElement;
    const doc = el.dataset.upload;
    if (!doc || !el.files?.[0]) return;
    const file = el.files[0];
    const bar = el.closest('.provider-doc')?.querySelector('progress');
    if (bar) bar.hidden = false;
    try {
      await api.upload('PUT', `/api/applications/${card.id}/documents/${encodeURIComponent(doc)}?name=${encodeURIComponent(file.name)}`, file, (s) => { if (bar) bar.value = s; }, { 'If-Match': etag });
      ({ card, etag } = await cardOf(id));
      ctx.notify(tr('uploaded'), 'ok');
      render();
    } catch (e) {
      if ((e as api.ApiFailure).status === 412) await host.changed((e as api.ApiFailure).message);
      else ctx.notify(failureText(e), 'error');
    }
  });

  side.addEventListener('submit', async (ev) => {
    const f = (ev.target as HTMLElement).closest<HTMLFormElement>('[data-testid=comment-form]');
    if (!f) return;
    ev.preventDefault();
    const text = f.querySelector<HTMLTextAreaElement>('[name=text]')!.value.trim();
    const to = f.querySelector<HTMLInputElement>('input[name=to]:checked')?.value === 'applicant';
    const err = f.querySelector<HTMLElement>('.error')!;
    if (!text) return;
    const btn = f.querySelector<HTMLButtonElement>('button[type=submit]')!;
    btn.disabled = true;
    try {
      await comment(host, btn.dataset.stage || card.stages.find((s) => s.executor === api.currentUser()?.login)?.stage || null, text, to);
    } catch (e) {
      err.textContent = failureText(e);
      err.hidden = false;
    } finally { btn.disabled = false; }
  });

  root.querySelector<HTMLSelectElement>('[data-testid=work-basemap]')?.addEventListener('change', (ev) => {
    wm?.setBasemap((ev.target as HTMLSelectElement).value);
  });

  render();
  // The map starts loading at once; the overlay's lines meanwhile, then their features drawn
  // faintly on the map.
  const mapEl = root.querySelector<HTMLElement>('.work-map')!;
  const opening = workmap.openMap(mapEl, card.geometry ?? null, lang, rasters);
  opening.catch(() => { /* shown below */ });
  void objects.load();
  if (card.overlay) {
    items = await overlayItems(card.overlay, lang);
    if (!alive) { void opening.then((m) => m.destroy(), () => {}); return () => {}; }
    render();
  }
  try {
    wm = await opening;
    if (!alive) { wm.destroy(); return () => {}; }
    objects.attach(wm);
    mapEl.dataset.ready = 'true';
    void Promise.all(items.map(async (it) => {
      const g = await itemGeometry(it, workmap.featureGeometry);
      return g ? ({ type: 'Feature', geometry: g, properties: { key: it.key, kind: it.kind } } as GeoJSON.Feature) : null;
    })).then((fs) => { if (alive && wm) { wm.context(fs.filter(Boolean) as GeoJSON.Feature[]); mapEl.dataset.context = String(fs.filter(Boolean).length); } });
  } catch (e) {
    mapEl.innerHTML = `<p class="error" role="alert">${esc(failureText(e))}</p>`;
  }
  return () => {
    alive = false;
    objects.destroy();
    wm?.destroy();
    const v = side.querySelector<HTMLElement>('[data-testid=file-viewer]');
    if (v?.dataset.url) URL.revokeObjectURL(v.dataset.url);
  };
}
