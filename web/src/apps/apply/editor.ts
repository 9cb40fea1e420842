// The application form, generated from the service's schema: typed inputs, required marks,
// fields shown when another field has a value, tables of rows, the documents with upload progress
// and the site on the map. A draft is saved as one types (debounced PATCH with If-Match, "saved"
// shown), the server's messages are shown at their fields (422 `details`), then submitted. An
// application returned for corrections opens with only the flagged fields, documents and site
// editable, and is sent again.
import type { Ctx } from '../shell';
import * as api from '../api';
import { esc } from '../words';
import { textOf } from '../lang';
import { type Card, type FieldDef, type DocDef, type ServiceDef, type When, type FileRef, etagOf, fmtSize } from './model';
import { tr, statusName } from './words';
import type { SiteMap, SiteValue } from './sitemap';

type Values = Record<string, unknown>;
const isEmpty = (v: unknown) => v == null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0)
  || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

/** Whether a `when` condition holds over `values` (as the server's `holds`). */
export function holds(w: When, values: Values): boolean {
  const v = values[w.field];
  const present = !isEmpty(v);
  if (w.filled !== undefined) return present === w.filled;
  if (!present) return false;
  const items = Array.isArray(v) ? v : [v];
  const same = (a: unknown, b: unknown) => (typeof a === 'number' || typeof b === 'number' ? Number(a) === Number(b) : a === b);
  if (w.equals !== undefined) return items.some((x) => same(x, w.equals));
  return items.some((x) => typeof x === 'string' && (w.one_of ?? []).includes(x));
}

/** `new`: no draft on the server yet (`card.id` 0): the values are kept on this device until the
 *  draft can be created, which for a service whose site is required takes the site. */
export interface EditorOpts { mode: 'new' | 'draft' | 'returned'; onDone: (card: Card) => void }

export async function mountEditor(root: HTMLElement, ctx: Ctx, card0: Card, svc: ServiceDef, opts: EditorOpts): Promise<() => void> {
  const lang = api.currentLang();
  let card = card0;
  let id = card.id;
  const localKey = `qala.apply.new.${svc.id}`;
  const flagged = new Set(opts.mode === 'returned' ? card.returned?.fields ?? [] : []);
  const canEdit = (name: string) => opts.mode !== 'returned' || flagged.has(name);
  const fields = svc.form.filter((f) => (f.filled_by ?? 'applicant') === 'applicant');
  const docs = svc.passport.documents.filter((d) => (d.provided_by ?? 'applicant') === 'applicant');
  const values: Values = {};
  for (const f of fields) if (card.form[f.name] !== undefined) values[f.name] = card.form[f.name];
  if (opts.mode === 'new') {
    try { Object.assign(values, JSON.parse(localStorage.getItem(localKey) ?? '{}')); } catch { /* storage may be off */ }
  }
  const rule = svc.geometry;
  const hasSite = rule.kind !== 'none';
  let site: SiteMap | null = null;
  let siteDirty = false;
  let errors: Record<string, string> = {};

  const mark = (f: FieldDef | DocDef, req: boolean | undefined) => (req ? `<abbr class="req" title="${esc(tr('requiredMark'))}" data-testid="required-mark">*</abbr>` : '')
    + (flagged.has('name' in f ? f.name : f.id) ? ` <span class="badge flag" data-testid="flag">${esc(tr('flagged'))}</span>` : '');

  const input = (f: FieldDef, path: string, v: unknown, disabled: boolean): string => {
    const dis = disabled ? ' disabled' : '';
    const common = `name="${esc(path)}" id="f-${esc(path)}" data-field="${esc(path)}" data-testid="field-${esc(path)}"${dis}${f.required ? ' aria-required="true"' : ''} aria-describedby="e-${esc(path)}"`;
    const s = v == null ? '' : String(v);
    switch (f.type) {
      case 'number':
        return `<span class="num"><input type="text" inputmode="decimal" ${common} value="${esc(s)}"${f.min !== undefined ? ` data-min="${f.min}"` : ''}>${f.unit ? `<span class="unit">${esc(f.unit)}</span>` : ''}</span>`;
      case 'date': return `<input type="date" ${common} value="${esc(s)}">`;
      case 'iin': case 'bin': return `<input type="text" inputmode="numeric" maxlength="12" autocomplete="off" ${common} value="${esc(s)}" placeholder="000000000000">`;
      case 'phone': return `<input type="tel" autocomplete="tel" ${common} value="${esc(s)}" placeholder="+7 7__ ___ __ __">`;
      case 'email': return `<input type="email" autocomplete="email" ${common} value="${esc(s)}">`;
      case 'boolean':
        return `<span class="choices" role="radiogroup">${[true, false].map((b) => `<label class="choice"><input type="radio" ${common.replace(/id="[^"]*"/, '')} value="${b}"${v === b ? ' checked' : ''}> ${esc(tr(b ? 'yes' : 'no'))}</label>`).join('')}</span>`;
      case 'enum':
        if ((f.values ?? []).length <= 4) {
          return `<span class="choices" role="radiogroup">${(f.values ?? []).map((c) => `<label class="choice"><input type="radio" ${common.replace(/id="[^"]*"/, '')} value="${esc(c.value)}"${v === c.value ? ' checked' : ''}> ${esc(textOf(c.label, lang))}</label>`).join('')}</span>`;
        }
        return `<select ${common}><option value="">${esc(tr('choose'))}</option>${(f.values ?? []).map((c) => `<option value="${esc(c.value)}"${v === c.value ? ' selected' : ''}>${esc(textOf(c.label, lang))}</option>`).join('')}</select>`;
      case 'multi_enum': {
        const set = new Set(Array.isArray(v) ? (v as string[]) : []);
        return `<span class="choices">${(f.values ?? []).map((c) => `<label class="choice"><input type="checkbox" ${common.replace(/id="[^"]*"/, '')} value="${esc(c.value)}"${set.has(c.value) ? ' checked' : ''}> ${esc(textOf(c.label, lang))}</label>`).join('')}</span>`;
      }
      case 'file': return `<p class="hint" data-testid="file-field-gap">${esc(tr('fileFieldGap'))}</p>`;
      default:
        return (f.max_length ?? 0) > 300 && !f.pattern
          ? `<textarea rows="3" maxlength="${f.max_length ?? 1000}" ${common}>${esc(s)}</textarea>`
          : `<input type="text" maxlength="${f.max_length ?? 1000}" ${common} value="${esc(s)}">`;
    }
  };

  const tableHtml = (f: FieldDef, disabled: boolean): string => {
    const rows = Array.isArray(values[f.name]) ? (values[f.name] as Values[]) : [];
    const cols = f.columns ?? [];
    return `<div class="rows" data-table="${esc(f.name)}">
      ${rows.map((r, i) => `<fieldset class="row" data-row="${i}"><legend>${esc(tr('row'))} ${i + 1}</legend>
        ${cols.map((c) => `<div class="field" data-wrap="${esc(`${f.name}[${i}].${c.name}`)}"><label for="f-${esc(`${f.name}[${i}].${c.name}`)}">${esc(textOf(c.label, lang))}${c.required ? ' <abbr class="req">*</abbr>' : ''}</label>
          ${input(c, `${f.name}[${i}].${c.name}`, r[c.name], disabled)}<p class="err" id="e-${esc(`${f.name}[${i}].${c.name}`)}" role="alert"></p></div>`).join('')}
        ${disabled ? '' : `<button type="button" class="danger" data-remove-row="${esc(f.name)}" data-index="${i}">${esc(tr('removeRow'))}</button>`}</fieldset>`).join('')}
      ${disabled || rows.length >= (f.max_rows ?? 100) ? '' : `<button type="button" data-add-row="${esc(f.name)}" data-testid="add-row-${esc(f.name)}">+ ${esc(tr('addRow'))}</button>`}
    </div>`;
  };

  const fieldHtml = (f: FieldDef): string => {
    const disabled = !canEdit(f.name);
    const body = f.type === 'table' ? tableHtml(f, disabled) : input(f, f.name, values[f.name], disabled);
    const group = ['boolean', 'enum', 'multi_enum', 'table'].includes(f.type) && !(f.type === 'enum' && (f.values ?? []).length > 4);
    const label = `${esc(textOf(f.label, lang))}${mark(f, f.required)}`;
    return `<div class="field${flagged.has(f.name) ? ' flagged' : ''}" data-wrap="${esc(f.name)}" data-testid="wrap-${esc(f.name)}" data-type="${f.type}">
      ${group ? `<fieldset><legend>${label}</legend>${body}</fieldset>` : `<label for="f-${esc(f.name)}">${label}</label>${body}`}
      ${f.hint ? `<p class="hint">${esc(textOf(f.hint, lang))}</p>` : ''}
      <p class="err" id="e-${esc(f.name)}" data-err-for="${esc(f.name)}" data-testid="err-${esc(f.name)}" role="alert"></p></div>`;
  };

  const docHtml = (d: DocDef): string => {
    const files = card.documents?.[d.id] ?? [];
    const editable = canEdit(d.id);
    // A flagged document keeps its upload (the server says whether a further file is taken).
    const full = files.length >= (d.max_files ?? 1) && !flagged.has(d.id);
    return `<div class="doc field${flagged.has(d.id) ? ' flagged' : ''}" data-doc="${esc(d.id)}" data-testid="doc-${esc(d.id)}">
      <div class="doc-title">${esc(textOf(d.title, lang))}${mark(d, d.required)}</div>
      <p class="hint">${esc(tr('formats'))}: ${esc(d.formats.join(', '))} · ${esc(tr('upTo'))} ${d.max_mb} MB${(d.max_files ?? 1) > 1 ? ` · ≤ ${d.max_files}` : ''}</p>
      <ul class="files" data-testid="doc-files-${esc(d.id)}">${files.map((f) => `<li><a href="/api/applications/${id}/files/${esc(f.id)}" download="${esc(f.name)}">${esc(f.name)}</a> <span class="hint">${fmtSize(f.size)}</span> ✓</li>`).join('')}</ul>
      ${editable && !full ? `<label class="upload-btn"><input type="file" accept="${esc(d.formats.map((x) => `.${x}`).join(','))}" data-upload="${esc(d.id)}" data-testid="upload-${esc(d.id)}"><span>+ ${esc(tr('upload'))}</span></label>` : ''}
      <div class="progress" data-testid="progress-${esc(d.id)}" hidden><progress max="100" value="0"></progress> <span class="pct">0%</span></div>
      <p class="err" data-err-for="documents.${esc(d.id)}" data-testid="err-documents.${esc(d.id)}" role="alert"></p></div>`;
  };

  const siteRequiredFirst = rule.required ?? rule.kind !== 'none';
  const submitLabel = opts.mode === 'returned' ? tr('resubmit') : tr('submit');
  root.innerHTML = `<form class="app-form" data-testid="app-form" novalidate>
    ${opts.mode === 'returned' ? `<div class="panel notice-returned" data-testid="returned-banner"><strong>${esc(tr('returnedTitle'))}</strong><p>${esc(tr('returnedHint'))}</p>
      <p>${esc(tr('flagged'))}: ${[...flagged].map((n) => `<span class="badge flag">${esc(labelOf(svc, n, lang))}</span>`).join(' ')}</p></div>` : ''}
    <p class="hint">${esc(tr('requiredNote'))}</p>
    ${opts.mode === 'new' && siteRequiredFirst ? `<p class="panel hint" data-needs-draft data-testid="site-first">${esc(tr('siteFirst'))}</p>` : ''}
    ${hasSite ? `<section class="panel field${flagged.has('geometry') ? ' flagged' : ''}" data-testid="site"><h2>${esc(tr('location'))}${mark({ id: 'geometry' } as DocDef, rule.required ?? true)}</h2>
      <div data-testid="site-host" class="site-host"></div><p class="err" data-err-for="geometry" data-testid="err-geometry" role="alert"></p></section>` : ''}
    <section class="panel" data-testid="form-fields"><h2>${esc(tr('form'))}</h2>${fields.map(fieldHtml).join('')}</section>
    ${docs.length ? `<section class="panel" data-testid="documents"><h2>${esc(tr('documents'))}</h2>${docs.map(docHtml).join('')}</section>` : ''}
    <div class="error-summary panel" data-testid="error-summary" role="alert" hidden></div>
    <div class="form-actions">
      <span class="save-state" data-testid="save-state" aria-live="polite"></span>
      <button type="submit" class="primary" data-testid="submit">${esc(submitLabel)}</button>
    </div>
  </form>`;
  const form = root.querySelector<HTMLFormElement>('form')!;
  const saveState = root.querySelector<HTMLElement>('[data-testid=save-state]')!;
  const summary = root.querySelector<HTMLElement>('[data-testid=error-summary]')!;

  const setState = (key: 'saving' | 'saved' | 'savedPartly' | 'savedLocally' | 'notSaved' | '', extra = '') => {
    saveState.dataset.state = key;
    saveState.textContent = key ? `${key === 'saved' ? '✓ ' : ''}${tr(key)}${extra ? `: ${extra}` : ''}` : '';
  };

  // -------- visibility of conditional fields
  const shown = (f: FieldDef) => !f.when || holds(f.when, values);
  const applyWhen = () => {
    for (const f of fields) {
      const w = root.querySelector<HTMLElement>(`[data-wrap="${CSS.escape(f.name)}"]`);
      if (w) w.hidden = !shown(f);
    }
  };

  // -------- errors at their fields
  const placeOf = (path: string): HTMLElement | null => {
    let p = path;
    for (;;) {
      const e = root.querySelector<HTMLElement>(`[data-err-for="${CSS.escape(p)}"]`) ?? root.querySelector<HTMLElement>(`#e-${CSS.escape(p)}`);
      if (e) return e;
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) return null;
      p = p.slice(0, cut);
    }
  };
  const showErrors = (list: Record<string, string>, summarise: boolean) => {
    errors = list;
    root.querySelectorAll<HTMLElement>('.err').forEach((e) => (e.textContent = ''));
    root.querySelectorAll('.has-error').forEach((e) => e.classList.remove('has-error'));
    root.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
    const orphans: string[] = [];
    for (const [path, raw] of Object.entries(list)) {
      const msg = textOf(raw, lang);
      const at = placeOf(path);
      if (at) {
        at.textContent = at.textContent ? `${at.textContent}; ${msg}` : msg;
        at.closest('.field, [data-testid=site]')?.classList.add('has-error');
        root.querySelector(`[data-field="${CSS.escape(path)}"]`)?.setAttribute('aria-invalid', 'true');
      } else orphans.push(msg);
    }
    const n = Object.keys(list).length;
    summary.hidden = !(summarise && n) && !orphans.length;
    summary.innerHTML = `<strong>${esc(tr('checkErrors'))}</strong>${orphans.length ? `<ul>${orphans.map((o) => `<li>${esc(o)}</li>`).join('')}</ul>` : ''}`;
  };
  const clearErrorAt = (path: string) => {
    if (!(path in errors)) return;
    const next = { ...errors };
    delete next[path];
    showErrors(next, false);
  };

  // -------- reading inputs into values
  const readField = (path: string): unknown => {
    const els = [...root.querySelectorAll<HTMLInputElement>(`[data-field="${CSS.escape(path)}"]`)];
    if (!els.length) return undefined;
    const el = els[0];
    if (el.type === 'checkbox') return els.filter((e) => e.checked).map((e) => e.value);
    if (el.type === 'radio') {
      const c = els.find((e) => e.checked);
      if (!c) return null;
      return c.value === 'true' ? true : c.value === 'false' ? false : c.value;
    }
    return el.value;
  };
  const setValue = (path: string, v: unknown) => {
    const m = /^([a-z][a-z0-9_]*)\[(\d+)\]\.([a-z][a-z0-9_]*)$/.exec(path);
    if (m) {
      const rows = Array.isArray(values[m[1]]) ? [...(values[m[1]] as Values[])] : [];
      rows[Number(m[2])] = { ...(rows[Number(m[2])] ?? {}), [m[3]]: v };
      values[m[1]] = rows;
    } else values[path] = v;
  };

  /** The form as sent: shown applicant fields with a value, numbers as numbers where they are. */
  const payload = (): Values => {
    const out: Values = {};
    for (const f of fields) {
      if (!shown(f) || f.type === 'file') continue;
      let v = values[f.name];
      if (isEmpty(v)) continue;
      if (f.type === 'table') v = (v as Values[]).map((r) => Object.fromEntries(Object.entries(r ?? {}).filter(([, x]) => !isEmpty(x))));
      if (f.type === 'number' && typeof v === 'string') {
        const n = Number(v.trim().replace(',', '.'));
        v = Number.isFinite(n) && v.trim() !== '' ? n : v;
      }
      out[f.name] = v;
    }
    return out;
  };

  // -------- saving: one write at a time, each at the card's version
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = chain.then(f, f);
    chain = p.catch(() => undefined);
    return p;
  };
  const write = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      const fail = e as api.ApiFailure;
      if (fail.status !== 412) throw e;
      card = await api.get<Card>(`/api/applications/${id}`);
      ctx.notify(tr('changedElsewhere'));
      return f();
    }
  };
  let timer: number | undefined;
  let pending = false;
  const siteRequired = rule.required ?? rule.kind !== 'none';
  const created = (c: Card) => {
    if (id) return;
    id = c.id;
    history.replaceState(null, '', `/app/my/${id}`);
    try { localStorage.removeItem(localKey); } catch { /* storage may be off */ }
    root.querySelectorAll<HTMLElement>('[data-needs-draft]').forEach((e) => (e.hidden = true));
  };
  const save = async (): Promise<boolean> => {
    pending = false;
    const body: Record<string, unknown> = { form: payload() };
    let siteNow = (siteDirty || !id) && site ? site.value() : null;
    // The site is checked before it is sent: one that breaks the rule stays on the map only.
    const siteProblems = siteNow?.geometry && site ? (await site.check()).filter((m) => m !== tr('siteFewPoints')) : [];
    if (siteProblems.length) {
      showErrors({ ...errors, geometry: siteProblems.join('; ') }, false);
      siteNow = null;
    }
    if (siteNow?.feature) body.site_feature = siteNow.feature;
    else if (siteNow?.geometry) body.geometry = siteNow.geometry;
    else if (siteNow && id) body.geometry = null;
    if (!id) {
      // Nothing on the server yet: kept on this device until the draft can be created.
      try { localStorage.setItem(localKey, JSON.stringify(values)); } catch { /* storage may be off */ }
      if (siteRequired && !body.geometry && !body.site_feature) { setState('savedLocally'); return false; }
    }
    setState('saving');
    const send = async (b: Record<string, unknown>) => {
      if (id) return write(() => api.json<Card>('PATCH', `/api/applications/${id}`, b, { 'If-Match': etagOf(card.version) }));
      const c = await api.json<Card>('POST', '/api/applications', { service: svc.id, ...b });
      created(c);
      return c;
    };
    try {
      card = await send(body);
      if (siteNow) siteDirty = false;
      const keep = Object.fromEntries(Object.entries(errors).filter(([p]) => p.startsWith('documents.') || (p === 'geometry' && siteProblems.length)));
      showErrors(keep, false);
      setState('saved');
      return true;
    } catch (e) {
      const fail = e as api.ApiFailure;
      if (fail.status !== 422) { setState('notSaved', textOf(fail.message, lang)); return false; }
      // Show each message at its field, and keep the rest: the fields at fault (and a refused
      // site) are left out of a second try.
      const msgs = fail.fieldMessages();
      showErrors(msgs, false);
      const bad = new Set(Object.keys(msgs).map((p) => p.split(/[.[]/)[0]));
      if (!id && bad.has('geometry') && siteRequired) { setState('savedLocally'); return false; }
      const rest = { form: Object.fromEntries(Object.entries(body.form as Values).filter(([k]) => !bad.has(k))) } as Record<string, unknown>;
      if (!bad.has('geometry')) { if ('geometry' in body) rest.geometry = body.geometry; if ('site_feature' in body) rest.site_feature = body.site_feature; }
      try {
        card = await send(rest);
        if (siteNow && !bad.has('geometry')) siteDirty = false;
        setState('savedPartly', Object.keys(msgs).map((p) => labelOf(svc, p, lang)).join(', '));
      } catch (e2) {
        setState('notSaved', textOf((e2 as api.ApiFailure).message, lang));
      }
      return false;
    }
  };
  const schedule = () => {
    pending = true;
    setState('');
    saveState.textContent = '…';
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void serial(save), 700);
  };
  const flush = () => {
    window.clearTimeout(timer);
    return pending ? serial(save) : serial(async () => true);
  };

  // -------- events
  const onEdit = (ev: Event) => {
    const el = ev.target as HTMLInputElement;
    const path = el.dataset.field;
    if (!path) return;
    setValue(path, readField(path));
    clearErrorAt(path);
    applyWhen();
    schedule();
  };
  form.addEventListener('input', onEdit);
  form.addEventListener('change', (ev) => {
    const el = ev.target as HTMLInputElement;
    if (el.dataset.upload) { void uploadFile(el); return; }
    if (el.type === 'radio' || el.type === 'checkbox' || el.tagName === 'SELECT' || el.type === 'date') onEdit(ev);
  });
  form.addEventListener('click', (ev) => {
    const t = ev.target as HTMLElement;
    const add = t.closest<HTMLElement>('[data-add-row]')?.dataset.addRow;
    const del = t.closest<HTMLElement>('[data-remove-row]');
    const name = add ?? del?.dataset.removeRow;
    if (!name) return;
    const f = fields.find((x) => x.name === name)!;
    const rows = Array.isArray(values[name]) ? [...(values[name] as Values[])] : [];
    if (add) rows.push({}); else rows.splice(Number(del!.dataset.index), 1);
    values[name] = rows;
    root.querySelector<HTMLElement>(`[data-table="${CSS.escape(name)}"]`)!.outerHTML = tableHtml(f, false);
    schedule();
  });

  // -------- uploads, one document file at a time, with progress
  const uploadFile = async (el: HTMLInputElement) => {
    const doc = docs.find((d) => d.id === el.dataset.upload)!;
    const file = el.files?.[0];
    if (!file) return;
    const box = root.querySelector<HTMLElement>(`[data-doc="${CSS.escape(doc.id)}"]`)!;
    const ext = file.name.includes('.') ? file.name.split('.').pop()!.toLowerCase() : '';
    const path = `documents.${doc.id}`;
    const local = !doc.formats.includes(ext) ? `${tr('wrongFormat')} (${doc.formats.join(', ')})`
      : file.size > doc.max_mb * 1e6 ? `${tr('tooLarge')} (${tr('upTo')} ${doc.max_mb} MB)` : '';
    if (local) { showErrors({ ...errors, [path]: local }, false); el.value = ''; return; }
    const prog = box.querySelector<HTMLElement>('.progress')!;
    const bar = prog.querySelector('progress')!;
    const pct = prog.querySelector<HTMLElement>('.pct')!;
    prog.hidden = false;
    bar.value = 0; pct.textContent = `${tr('uploading')} 0%`;
    clearErrorAt(path);
    await flush();
    if (!id) { prog.hidden = true; showErrors({ ...errors, [path]: tr('siteFirst') }, false); el.value = ''; return; }
    try {
      card = await serial(() => write(() => api.upload('PUT', `/api/applications/${id}/documents/${encodeURIComponent(doc.id)}?name=${encodeURIComponent(file.name)}`, file,
        (share) => { bar.value = Math.round(share * 100); pct.textContent = `${tr('uploading')} ${Math.round(share * 100)}%`; },
        { 'If-Match': etagOf(card.version) }) as Promise<Card>));
      bar.value = 100;
      pct.textContent = `${tr('uploaded')} 100%`;
      prog.dataset.done = 'true';
      const files = (card.documents?.[doc.id] ?? []) as FileRef[];
      box.querySelector('.files')!.innerHTML = files.map((f) => `<li><a href="/api/applications/${id}/files/${esc(f.id)}" download="${esc(f.name)}">${esc(f.name)}</a> <span class="hint">${fmtSize(f.size)}</span> ✓</li>`).join('');
      if (files.length >= (doc.max_files ?? 1) && !flagged.has(doc.id)) box.querySelector('.upload-btn')?.remove();
      setState('saved');
    } catch (e) {
      const fail = e as api.ApiFailure;
      const m = fail.fieldMessages();
      showErrors({ ...errors, ...(Object.keys(m).length ? m : { [path]: textOf(fail.message, lang) }) }, false);
      prog.hidden = true;
    }
    el.value = '';
  };

  // -------- submit / resubmit
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = form.querySelector<HTMLButtonElement>('[data-testid=submit]')!;
    btn.disabled = true;
    try {
      if (site) {
        const problems = await site.check();
        if (problems.length) { showErrors({ ...errors, geometry: problems.join('; ') }, true); root.querySelector('[data-testid=site]')?.scrollIntoView({ block: 'center' }); return; }
      }
      await flush();
      if (!id) { showErrors({ ...errors, geometry: tr('siteFirst') }, true); return; }
      const action = opts.mode === 'returned' ? 'resubmit' : 'submit';
      try {
        card = await serial(() => write(() => api.json<Card>('POST', `/api/applications/${id}/actions`, { action }, { 'If-Match': etagOf(card.version) })));
      } catch (e) {
        const fail = e as api.ApiFailure;
        const m = fail.fieldMessages();
        if (Object.keys(m).length) {
          showErrors(m, true);
          root.querySelector('.has-error')?.scrollIntoView({ block: 'center' });
        } else {
          summary.hidden = false;
          summary.innerHTML = `<strong>${esc(textOf(fail.message, lang))}</strong>`;
        }
        return;
      }
      ctx.notify(`${tr(opts.mode !== 'returned' ? 'submitted' : 'resubmitted')}${card.number ? ` № ${card.number}` : ''} · ${statusName(card.status)}`);
      opts.onDone(card);
    } finally {
      btn.disabled = false;
    }
  });

  // -------- the site (last: every handler is in place while the map loads)
  if (hasSite) {
    const { siteMap } = await import('./sitemap');
    site = await siteMap(root.querySelector<HTMLElement>('[data-testid=site-host]')!, rule, card.geometry ?? null, {
      editable: canEdit('geometry'),
      onChange: (_v: SiteValue) => { siteDirty = true; clearErrorAt('geometry'); schedule(); },
    });
  }

  applyWhen();
  const onLeave = () => { if (pending) void flush(); };
  window.addEventListener('pagehide', onLeave);
  return () => {
    window.removeEventListener('pagehide', onLeave);
    onLeave();
    site?.destroy();
  };
}

/** The label of a field, document or the site, for messages and the returned list. */
export function labelOf(svc: ServiceDef, name: string, lang: api.User['lang'] | ReturnType<typeof api.currentLang>): string {
  const l = (lang ?? 'ru') as ReturnType<typeof api.currentLang>;
  if (name === 'geometry') return tr('location');
  const base = name.replace(/^documents\./, '').split(/[.[]/)[0];
  const f = svc.form.find((x) => x.name === base);
  if (f) return textOf(f.label, l);
  const d = svc.passport.documents.find((x) => x.id === base);
  if (d) return textOf(d.title, l);
  return name;
}
