// The actions on an opened application: the card's `actions` (what the engine would take now,
// and why not) as buttons per stage, each confirmed in its dialog (approve with the output
// document, refuse with a reason, return with flagged fields, forward to a chosen stage, assign
// with each executor's load, ...). The server decides again; its refusal is shown as it says it.
import * as api from '../api';
import { esc } from '../words';
import { textOf } from '../lang';
import { tr, type Card, type Offer, type Service, actionText, dialog } from './common';
import { act, assignDialog } from './queues';

/** What the card view lends the actions. */
export interface Host {
  card: Card;
  etag: string;
  service: Service;
  /** The values of the provider's fields as the executor typed them (not yet sent). */
  providerValues(): Record<string, unknown>;
  /** Shows the card after an action. */
  show(next: { card: Card; etag: string }, done: string): void;
  /** Reloads the card after a 412 and says why. */
  changed(message: string): Promise<void>;
}

/** Actions shown as buttons (comments have their own form). */
const BUTTONS = ['claim', 'release', 'assign', 'save', 'return_for_corrections', 'return_to_previous', 'forward', 'approve', 'refuse', 'not_competent'];
const DANGER = new Set(['refuse', 'not_competent', 'return_for_corrections']);

/** The offers of the card, or (while the server lacks them) the workflow's declared ones at the
 *  current stages, all marked allowed: the server decides when acted on. */
export function offersOf(card: Card, svc: Service): { offers: Offer[]; fallback: boolean } {
  if (Array.isArray(card.actions)) return { offers: card.actions, fallback: false };
  const me = api.currentUser()?.login;
  const out: Offer[] = [];
  if (card.status !== 'in_progress') return { offers: out, fallback: true };
  for (const t of card.stages) {
    const def = svc.workflow.stages.find((s) => s.id === t.stage);
    if (!def || (def.kind && def.kind !== 'task')) continue;
    const mine = t.executor === me;
    const add = (action: string, extra: Partial<Offer> = {}) => out.push({ action, stage: t.stage, allowed: true, ...extra });
    if (!t.executor) add('claim');
    if (mine) {
      add('release');
      add('save');
      add('return_for_corrections');
      add('return_to_previous');
      const fw = (def.next ?? []).filter((n) => n.action === 'forward').map((n) => n.to);
      if (fw.length) add('forward', { to: fw });
      if ((def.next ?? []).some((n) => n.action === 'approve')) add('approve');
      if ((def.next ?? []).some((n) => n.action === 'refuse')) add('refuse');
    }
    if (api.hasRole('org_admin')) add('assign');
    add('comment');
  }
  return { offers: out, fallback: true };
}

function stageTitle(h: Host, stage: string | null | undefined): string {
  if (!stage) return '';
  return textOf(h.card.stages.find((s) => s.stage === stage)?.title, api.currentLang()) || textOf(h.service.workflow.stages.find((s) => s.id === stage)?.title, api.currentLang()) || stage;
}

/** The buttons of the offers, grouped by stage; disallowed ones listed with the engine's reason. */
export function actionsHtml(h: Host): string {
  const { offers, fallback } = offersOf(h.card, h.service);
  const shown = offers.filter((o) => BUTTONS.includes(o.action));
  if (!shown.length) return '';
  const stages = [...new Set(shown.map((o) => o.stage ?? ''))];
  const groups = stages.map((s) => {
    const mine = shown.filter((o) => (o.stage ?? '') === s);
    const allowed = mine.filter((o) => o.allowed);
    const refused = mine.filter((o) => !o.allowed);
    return `<div class="action-group" data-stage="${esc(s)}" data-testid="action-group">
      ${stages.length > 1 || s ? `<h3>${esc(stageTitle(h, s))}</h3>` : ''}
      <div class="action-buttons">${allowed.map((o) => `<button type="button" class="${o.action === 'approve' ? 'primary' : DANGER.has(o.action) ? 'danger' : ''}" data-action="${esc(o.action)}" data-stage="${esc(o.stage ?? '')}" data-testid="action-${esc(o.action)}">${esc(actionText(o.action))}</button>`).join('')}</div>
      ${refused.length ? `<details class="refused-actions" data-testid="refused-actions"><summary>${esc(tr('notAllowedHint'))} (${refused.length})</summary><ul>
        ${refused.map((o) => `<li data-testid="refused-${esc(o.action)}"><b>${esc(actionText(o.action))}</b>: <span class="reason">${esc(textOf(o.reason ?? '', api.currentLang()))}</span></li>`).join('')}</ul></details>` : ''}
    </div>`;
  }).join('');
  return `${groups}${fallback ? `<p class="hint" data-testid="actions-fallback">${esc(tr('actionsFallback'))}</p>` : ''}`;
}

/** Runs one action: its dialog, then the call. */
export async function run(h: Host, action: string, stage: string | null): Promise<void> {
  const card = h.card;
  const title = `${actionText(action)}: ${card.number ?? card.id}`;
  const st = stageTitle(h, stage);
  const at = st ? `<p>${esc(tr('stage'))}: <b>${esc(st)}</b></p>` : '';
  const send = async (body: Record<string, unknown>) => {
    try {
      const next = await act(card.id, h.etag, body);
      h.show(next, `${actionText(action)} — ${tr('done')}`);
    } catch (e) {
      const f = e as api.ApiFailure;
      if (f.status === 412) {
        // Someone changed it: the card is read again, the dialog closes, the message stays.
        await h.changed(f.message);
        throw Object.assign(new Error(`${f.message}. ${tr('changed')}`), { status: 412, closed: true });
      }
      throw e;
    }
  };
  const guard = async (f: () => Promise<void>) => {
    try { await f(); } catch (e) {
      if ((e as { closed?: boolean }).closed) return; // the 412 is shown on the card
      throw e;
    }
  };
  const values = () => {
    const v = h.providerValues();
    return Object.keys(v).length ? { values: v } : {};
  };
  const valuesSummary = (all = false) => {
    const v: Record<string, unknown> = { ...(all ? Object.fromEntries(h.service.form.filter((f) => f.filled_by === 'provider' && h.card.form[f.name] != null && h.card.form[f.name] !== '').map((f) => [f.name, h.card.form[f.name]])) : {}), ...h.providerValues() };
    const keys = Object.keys(v);
    if (!keys.length) return '';
    return `<dl class="values" data-testid="values-summary">${keys.map((k) => {
      const f = h.service.form.find((x) => x.name === k);
      return `<div><dt>${esc(textOf(f?.label, api.currentLang()) || k)}</dt><dd>${esc(valueText(v[k], f, api.currentLang()))}</dd></div>`;
    }).join('')}</dl>`;
  };

  switch (action) {
    case 'assign': {
      const next = await assignDialog(card, h.etag, stage!, st);
      if (next) h.show(next, `${actionText(action)} — ${tr('done')}`);
      return;
    }
    case 'return_for_corrections': {
      const lang = api.currentLang();
      const fields = h.service.form.filter((f) => (f.filled_by ?? 'applicant') === 'applicant');
      const docs = (h.service.passport?.documents ?? []).filter((d) => (d.provided_by ?? 'applicant') === 'applicant');
      const box = (name: string, label: string, value: string) => `<label class="flag" data-testid="flag-${esc(name)}"><input type="checkbox" name="flag" value="${esc(name)}">
        <span><b>${esc(label)}</b>${value ? `<br><span class="hint">${esc(value)}</span>` : ''}</span></label>`;
      const body = `${at}<p class="hint">${esc(tr('flagHint'))}</p>
        <fieldset class="flags"><legend>${esc(tr('flagged'))}</legend>
          ${fields.map((f) => box(f.name, textOf(f.label, lang) || f.name, valueText(card.form[f.name], f, lang))).join('')}
          ${docs.map((d) => box(d.id, textOf(d.title, lang) || d.id, (card.documents?.[d.id] ?? []).map((x) => x.name).join(', '))).join('')}
        </fieldset>
        <label>${esc(tr('commentText'))}<textarea name="comment" rows="3" maxlength="4000" data-testid="return-comment"></textarea></label>`;
      await dialog({
        title, body, testid: 'dialog-return_for_corrections', danger: true, wide: true,
        onConfirm: (d) => guard(async () => {
          const flagged = [...d.querySelectorAll<HTMLInputElement>('input[name=flag]:checked')].map((x) => x.value);
          if (!flagged.length) throw new Error(tr('flagOne'));
          const comment = d.querySelector<HTMLTextAreaElement>('[name=comment]')!.value.trim();
          await send({ action, stage, fields: flagged, ...(comment ? { comment } : {}) });
        }),
      });
      return;
    }
    case 'refuse': {
      const lang = api.currentLang();
      const reasons = h.service.refusal_reasons ?? [];
      const body = `${at}<label>${esc(tr('reason'))}<select name="code" required data-testid="refuse-code">
          ${reasons.map((r) => `<option value="${esc(r.code)}">${esc(textOf(r.title, lang) || r.code)}</option>`).join('')}</select></label>
        <label>${esc(tr('reasonText'))}<textarea name="text" rows="4" required maxlength="4000" data-testid="refuse-text"></textarea></label>`;
      await dialog({
        title, body, testid: 'dialog-refuse', danger: true, confirm: tr('a_refuse'),
        onConfirm: (d) => guard(async () => {
          const code = d.querySelector<HTMLSelectElement>('[name=code]')!.value;
          const text = d.querySelector<HTMLTextAreaElement>('[name=text]')!.value.trim();
          await send({ action, stage, code, text });
        }),
      });
      return;
    }
    case 'forward': {
      const lang = api.currentLang();
      const offer = (h.card.actions ?? []).find((o) => o.action === 'forward' && o.stage === stage);
      const decl = h.service.workflow.stages.find((s) => s.id === stage)?.next?.filter((n) => n.action === 'forward').map((n) => n.to) ?? [];
      const to = (offer?.to?.length ? offer.to : decl).map((t) => (typeof t === 'string' ? { stage: t, title: undefined } : t));
      const titleOf = (t: { stage: string; title?: unknown }) => textOf(t.title, lang) || textOf(h.service.workflow.stages.find((s) => s.id === t.stage)?.title, lang) || t.stage;
      const body = `${at}${to.length > 1 ? `<fieldset><legend>${esc(tr('forwardTo'))}</legend>${to.map((t, i) => `<label class="choice" data-testid="forward-to-${esc(t.stage)}"><input type="radio" name="to" value="${esc(t.stage)}"${i === 0 ? ' checked' : ''}> ${esc(titleOf(t))}</label>`).join('')}</fieldset>`
        : to.length === 1 ? `<p>${esc(tr('forwardTo'))}: <b data-testid="forward-to">${esc(titleOf(to[0]))}</b></p>` : ''}${valuesSummary()}`;
      await dialog({
        title, body, testid: 'dialog-forward',
        onConfirm: (d) => guard(async () => {
          const chosen = d.querySelector<HTMLInputElement>('input[name=to]:checked')?.value ?? to[0]?.stage;
          await send({ action, stage, ...(chosen && to.length > 1 ? { to: chosen } : {}), ...values() });
        }),
      });
      return;
    }
    case 'approve': {
      // The output document before deciding: the server's preview when it offers one.
      const body = `${at}<h3>${esc(tr('approveDoc'))}</h3><div class="doc-preview" data-testid="approve-preview"><p class="loading">…</p></div>${valuesSummary(true)}`;
      let url: string | null = null;
      await dialog({
        title, body, testid: 'dialog-approve', wide: true, confirm: tr('a_approve'),
        onOpen: (d) => {
          const box = d.querySelector<HTMLElement>('.doc-preview')!;
          void previewDocument(card.id).then((u) => {
            url = u;
            box.innerHTML = u
              ? `<iframe title="${esc(tr('approvePreviewTitle'))}" src="${u}" data-testid="approve-preview-pdf"></iframe>`
              : `<p class="hint" data-testid="approve-no-preview">${esc(tr('approveNoPreview'))}</p>`;
          });
        },
        onConfirm: () => guard(async () => { await send({ action, stage, ...values() }); }),
      });
      if (url) URL.revokeObjectURL(url);
      return;
    }
    case 'save': {
      const body = `${at}${valuesSummary() || `<p class="hint">—</p>`}`;
      await dialog({ title, body, testid: 'dialog-save', onConfirm: () => guard(() => send({ action, stage, ...values() })) });
      return;
    }
    default: {
      await dialog({
        title, body: `<p>${esc(tr('sure'))}</p>${at}`, testid: `dialog-${action}`, danger: DANGER.has(action),
        onConfirm: () => guard(() => send({ action, ...(stage ? { stage } : {}) })),
      });
    }
  }
}

/** A comment on the application (to the applicant or internal). */
export async function comment(h: Host, stage: string | null, text: string, toApplicant: boolean): Promise<void> {
  try {
    const next = await act(h.card.id, h.etag, { action: 'comment', ...(stage ? { stage } : {}), text, to_applicant: toApplicant });
    h.show(next, `${tr('a_comment')} — ${tr('done')}`);
  } catch (e) {
    if ((e as api.ApiFailure).status === 412) { await h.changed((e as api.ApiFailure).message); return; }
    throw e;
  }
}

/** The server's preview of the output document as an object URL, or null when it has none.
 *  (`document.pdf?preview=true`: the approval as it would be issued, for the executor holding the
 *  stage; shown only when the answer is a PDF.) */
async function previewDocument(id: number): Promise<string | null> {
  try {
    const r = await api.call('GET', `/api/applications/${id}/document.pdf?preview=true`);
    if (!(r.headers.get('Content-Type') ?? '').includes('application/pdf')) return null;
    return URL.createObjectURL(await r.blob());
  } catch {
    return null;
  }
}

/** A form value as text. */
export function valueText(v: unknown, f: { type?: string; values?: Array<{ value: string; label: unknown }>; unit?: string } | undefined, lang: ReturnType<typeof api.currentLang>): string {
  if (v == null || v === '') return '';
  const label = (x: unknown) => textOf(f?.values?.find((o) => o.value === x)?.label, lang) || String(x);
  if (Array.isArray(v)) {
    if (v.length && typeof v[0] === 'object') return v.map((row) => Object.values(row as object).map(String).join(' · ')).join('; ');
    return v.map(label).join(', ');
  }
  if (typeof v === 'boolean') return v ? tr('yes') : tr('no');
  if (typeof v === 'object') return JSON.stringify(v);
  return `${f?.values ? label(v) : String(v)}${f?.unit ? ` ${f.unit}` : ''}`;
}
