// One of my applications (`/app/my/{id}`): a draft opens as the form; otherwise its lifecycle
// (the stages of its workflow with the current one and the time left from the card's `term`), the
// corrections asked for after a return (only the flagged fields editable) and the resubmission,
// the result to download with its QR check (`/verify/{code}`, the code from the document's
// `Qala-Document` header), the comments sent to me and my own, the timeline, and withdrawal.
import type { Ctx } from '../shell';
import * as api from '../api';
import { esc } from '../words';
import { textOf } from '../lang';
import { type Card, type Term, serviceDef, etagOf, offered, fmtDate, fmtSize, mainLine } from './model';
import { tr, W, statusName, providerName } from './words';
import { mountEditor, labelOf } from './editor';
import { signBox } from '../../signin/apps-sign';

const CLOSED = ['approved', 'refused', 'withdrawn'];

const num1 = (n: number) => new Intl.NumberFormat(api.currentLang() === 'en' ? 'en-GB' : 'ru-RU', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n);

function termText(t: Term | null | undefined, status: string): string {
  if (!t) return '';
  if (CLOSED.includes(status)) return `${tr('took')}: ${num1(t.elapsed / 86400)} ${tr('days')}`;
  if (t.overdue || t.left < 0) return tr('overdue');
  const days = t.left / 86400;
  return days >= 1 ? `${num1(days)} ${tr('daysLeft')}` : `${Math.max(0, Math.round(t.left / 3600))} ${tr('hoursLeft')}`;
}

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void | (() => void)> {
  const lang = api.currentLang();
  const id = ctx.route.parts[1];
  let card: Card;
  try {
    card = await api.get<Card>(`/api/applications/${encodeURIComponent(id)}`);
  } catch (e) {
    if ((e as api.ApiFailure).status === 404) {
      root.innerHTML = `<p><a href="/app/my">← ${esc(tr('my'))}</a></p><h1 data-testid="app-not-found">${esc(tr('notFound'))}</h1>`;
      return;
    }
    throw e;
  }
  const svc = await serviceDef(card.service.id);
  const reload = () => ctx.navigate(`/app/my/${card.id}`, true);
  const head = `<p><a href="/app/my" data-testid="back-my">← ${esc(tr('my'))}</a></p>
    <h1 data-testid="app-title">${esc(textOf(svc.title, lang))}</h1>
    <p class="meta"><span class="app-no" data-testid="app-number">${card.number ? `№ ${esc(card.number)}` : esc(tr('draftOf'))}</span>
      <span class="badge st-${esc(card.status)}" data-testid="app-status" data-status="${esc(card.status)}">${esc(statusName(card.status))}</span>
      <span class="hint">${esc(providerName(svc.provider))}</span> · <a href="/app/services/${esc(svc.id)}">${esc(tr('passport'))}</a></p>`;

  if (card.status === 'draft') {
    root.innerHTML = `<article class="apply application" data-testid="application" data-id="${card.id}">${head}<div data-testid="editor"></div></article>`;
    return mountEditor(root.querySelector<HTMLElement>('[data-testid=editor]')!, ctx, card, svc, { mode: 'draft', onDone: reload });
  }

  /** Why the engine would refuse an applicant's action now (the card's `actions`), if it says. */
  const refusal = (action: string) => textOf(card.actions?.find((a) => a.action === action && !a.allowed)?.reason ?? '', lang);

  // -------- lifecycle
  const current = new Set(card.stages.map((s) => s.stage));
  const visited = new Set(card.timeline.filter((v) => v.left_at).map((v) => v.stage));
  const stateOf = (sid: string) => (current.has(sid) ? 'current' : visited.has(sid) ? 'done' : CLOSED.includes(card.status) ? 'skipped' : 'todo');
  const line = mainLine(svc);
  const stepper = line.map((s) => {
    const st = s.branches ? (s.branches.some((b) => current.has(b)) ? 'current' : s.branches.every((b) => visited.has(b)) ? 'done' : stateOf(s.id)) : stateOf(s.id);
    const branches = s.branches ? `<ul class="branches">${s.branches.map((b) => `<li class="step ${stateOf(b)}">${esc(textOf(svc.workflow.stages.find((x) => x.id === b)?.title, lang))}</li>`).join('')}</ul>` : '';
    return `<li class="step ${st}" data-stage="${esc(s.id)}" data-state="${st}"${st === 'current' ? ' aria-current="step"' : ''}>${esc(s.title)}${branches}</li>`;
  }).join('');
  const finalStep = card.status === 'approved' || card.status === 'refused' || card.status === 'withdrawn'
    ? `<li class="step done final st-${esc(card.status)}">${esc(statusName(card.status))}</li>` : '';
  const currentStages = card.stages.map((s) => `<li data-testid="current-stage"><strong>${esc(textOf(s.title, lang) || s.stage)}</strong>
      <span class="hint">${esc(fmtDate(s.entered_at, true))}</span>
      ${s.term ? `<span class="badge${s.term.overdue ? ' overdue' : ''}" data-testid="stage-left">${esc(termText(s.term, card.status))}</span>` : ''}</li>`).join('');
  const history = card.history ?? [];
  const comments = history.flatMap((h) => h.events.filter((e) => e.event === 'commented').map((e) => ({ at: h.at, mine: h.actor === card.applicant, text: e.text ?? '' })));
  const evName = (a: string) => (`ev_${a}` in W ? tr(`ev_${a}` as keyof typeof W) : tr('ev_other'));
  const stageName = (sid?: string) => (sid ? textOf(svc.workflow.stages.find((s) => s.id === sid)?.title, lang) || sid : '');
  const timeline = history.map((h) => {
    const bits: string[] = [];
    for (const e of h.events) {
      if (e.event === 'stage_entered' && e.stage) bits.push(`→ ${esc(stageName(e.stage))}`);
      if (e.event === 'returned_for_corrections') bits.push(`${esc(tr('flagged'))}: ${(e.fields ?? []).map((f) => esc(labelOf(svc, f, lang))).join(', ')}`);
      if (e.event === 'commented') bits.push(`«${esc(e.text ?? '')}»`);
      if (e.event === 'refused' && card.refusal?.reason) bits.push(esc(textOf(card.refusal.reason, lang)));
    }
    return `<li data-testid="timeline-entry" data-action="${esc(h.action)}"><time>${esc(fmtDate(h.at, true))}</time> <strong>${esc(evName(h.action))}</strong>${bits.length ? ` <span>${bits.join(' · ')}</span>` : ''}</li>`;
  }).reverse().join('');
  const visits = card.timeline.map((v) => `<li><strong>${esc(textOf(v.title, lang) || v.stage)}</strong> <span class="hint">${esc(fmtDate(v.entered_at, true))}${v.left_at ? ` – ${esc(fmtDate(v.left_at, true))}` : ` – ${esc(tr('now'))}`}${v.working_days != null ? ` · ${v.working_days} ${esc(tr('days'))}` : ''}</span></li>`).join('');
  const decided = card.status === 'approved' || card.status === 'refused';
  const values = svc.form.filter((f) => card.form[f.name] !== undefined && f.type !== 'file').map((f) => {
    const v = card.form[f.name];
    const show = (x: unknown): string => {
      if (Array.isArray(x)) return x.map((y) => (typeof y === 'object' ? Object.values(y as object).join(' / ') : show(y))).join('; ');
      if (typeof x === 'boolean') return tr(x ? 'yes' : 'no');
      if (f.type === 'date' && typeof x === 'string') return fmtDate(`${x}T12:00:00+05:00`);
      const c = f.values?.find((ch) => ch.value === x);
      return c ? textOf(c.label, lang) : `${String(x)}${f.unit ? ` ${f.unit}` : ''}`;
    };
    return `<dt>${esc(textOf(f.label, lang))}</dt><dd>${esc(show(v))}</dd>`;
  }).join('');
  const files = Object.entries(card.documents ?? {}).flatMap(([doc, list]) => list.map((f) => `<li>${esc(labelOf(svc, doc, lang))}: <a href="/api/applications/${card.id}/files/${esc(f.id)}" download="${esc(f.name)}">${esc(f.name)}</a> <span class="hint">${fmtSize(f.size)}</span></li>`)).join('');

  root.innerHTML = `<article class="apply application" data-testid="application" data-id="${card.id}">${head}
    <section class="panel" data-testid="lifecycle"><h2>${esc(tr('lifecycle'))}</h2>
      <ol class="stepper" data-testid="stepper">${stepper}${finalStep}</ol>
      ${currentStages ? `<p>${esc(tr('currentStage'))}:</p><ul class="current">${currentStages}</ul>` : ''}
      <p class="term">${card.submitted_at ? `${esc(tr('submittedAt'))}: ${esc(fmtDate(card.submitted_at, true))}` : ''}
        ${card.term ? ` · ${esc(tr('dueAt'))}: ${esc(fmtDate(card.term.due))} · <span class="badge${card.term.overdue && !CLOSED.includes(card.status) ? ' overdue' : ''}" data-testid="time-left">${esc(termText(card.term, card.status))}</span>` : ''}
        ${card.status === 'returned' ? ` <span class="hint" data-testid="paused">${esc(tr('paused'))}</span>` : ''}</p>
    </section>
    ${card.status === 'returned' ? '<div data-testid="editor"></div>' : ''}
    ${decided ? `<section class="panel" data-testid="results"><h2>${esc(tr('results'))}</h2>
      ${card.refusal ? `<p data-testid="refusal"><strong>${esc(tr('refusal'))}:</strong> ${esc(textOf(card.refusal.reason, lang) || card.refusal.code)}${card.refusal.text ? ` — ${esc(card.refusal.text)}` : ''}</p>` : ''}
      <button type="button" class="primary" data-testid="download">⬇ ${esc(tr('download'))}</button>
      <p class="doc-result" data-testid="doc-result" hidden></p><div data-sign-slot></div></section>` : ''}
    <section class="panel" data-testid="comments"><h2>${esc(tr('comments'))}</h2>
      ${comments.length ? `<ul class="comments">${comments.map((c) => `<li class="${c.mine ? 'mine' : 'theirs'}" data-testid="comment"><time>${esc(fmtDate(c.at, true))}</time> ${esc(c.text)}</li>`).join('')}</ul>` : `<p class="hint">${esc(tr('noComments'))}</p>`}
      ${offered(card, 'comment') ? `<form class="comment-form" data-testid="comment-form"><label><span class="sr">${esc(tr('writeComment'))}</span>
        <textarea name="text" rows="2" maxlength="4000" required placeholder="${esc(tr('writeComment'))}" data-testid="comment-text"></textarea></label>
        <button type="submit" data-testid="comment-send">${esc(tr('send'))}</button></form>` : ''}
    </section>
    ${card.status !== 'returned' ? `<section class="panel" data-testid="app-data"><h2>${esc(tr('yourForm'))}</h2><dl class="facts-list">${values}</dl>
      ${files ? `<h3>${esc(tr('yourFiles'))}</h3><ul>${files}</ul>` : ''}
      ${card.geometry ? '<div data-testid="site-host" class="site-host view"></div>' : ''}
      <div data-testid="my-objects" class="my-objects" hidden></div></section>` : ''}
    <section class="panel" data-testid="timeline"><h2>${esc(tr('timeline'))}</h2>
      <ul class="visits">${visits}</ul><ul class="history">${timeline}</ul></section>
    ${offered(card, 'withdraw') ? `<div class="withdraw" data-testid="withdraw-box"><button type="button" class="danger" data-testid="withdraw">${esc(tr('withdraw'))}</button>
      <div class="panel confirm" data-testid="withdraw-confirm" hidden><p>${esc(tr('withdrawConfirm'))}</p>
        <button type="button" class="danger" data-testid="withdraw-yes">${esc(tr('withdraw'))}</button> <button type="button" data-testid="withdraw-no">${esc(tr('no'))}</button></div></div>`
      : refusal('withdraw') ? `<div class="withdraw"><button type="button" class="danger" disabled>${esc(tr('withdraw'))}</button> <span class="hint" data-testid="withdraw-refused">${esc(refusal('withdraw'))}</span></div>` : ''}
  </article>`;

  const cleanups: Array<() => void> = [];
  const act = async (body: Record<string, unknown>) => api.json<Card>('POST', `/api/applications/${card.id}/actions`, body, { 'If-Match': etagOf(card.version) });
  root.querySelector<HTMLFormElement>('[data-testid=comment-form]')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const text = (f.elements.namedItem('text') as HTMLTextAreaElement).value.trim();
    if (!text) return;
    try {
      await act({ action: 'comment', text, to_applicant: true });
      ctx.notify(tr('commentSent'));
      reload();
    } catch (e) { ctx.notify(textOf((e as api.ApiFailure).message, lang), 'error'); }
  });
  const wbox = root.querySelector<HTMLElement>('[data-testid=withdraw-box]');
  if (wbox) {
    const confirm = wbox.querySelector<HTMLElement>('[data-testid=withdraw-confirm]')!;
    wbox.querySelector<HTMLElement>('[data-testid=withdraw]')!.onclick = () => { confirm.hidden = false; };
    wbox.querySelector<HTMLElement>('[data-testid=withdraw-no]')!.onclick = () => { confirm.hidden = true; };
    wbox.querySelector<HTMLElement>('[data-testid=withdraw-yes]')!.onclick = async () => {
      try {
        await act({ action: 'withdraw' });
        ctx.notify(tr('withdrawn'));
        reload();
      } catch (e) { ctx.notify((e as api.ApiFailure).message, 'error'); }
    };
  }
  const dl = root.querySelector<HTMLButtonElement>('[data-testid=download]');
  // The document's signatures and the Sign button (signin/), once its code is known.
  const signs = signBox(card.id);
  root.querySelector('[data-sign-slot]')?.replaceWith(signs.el);
  if (dl) void signs.load();
  let objectUrl = '';
  if (dl) {
    dl.onclick = async () => {
      const out = root.querySelector<HTMLElement>('[data-testid=doc-result]')!;
      dl.disabled = true;
      out.hidden = false;
      out.textContent = tr('preparing');
      try {
        const r = await api.call('GET', `/api/applications/${card.id}/document.pdf`);
        const code = r.headers.get('Qala-Document');
        const name = /filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') ?? '')?.[1] ?? `${card.number ?? card.id}.pdf`;
        if (objectUrl) URL.revokeObjectURL(objectUrl);
        objectUrl = URL.createObjectURL(await r.blob());
        out.innerHTML = `<a href="${objectUrl}" download="${esc(name)}" data-testid="pdf-link">${esc(name)}</a>
          ${code ? `<br>${esc(tr('qrCode'))}: <code data-testid="doc-code">${esc(code)}</code><br><a href="/verify/${encodeURIComponent(code)}" target="_blank" rel="noopener" data-testid="qr-link">✔ ${esc(tr('qrCheck'))}</a>` : ''}`;
        out.querySelector<HTMLAnchorElement>('[data-testid=pdf-link]')!.click();
        void signs.load(code);
      } catch (e) {
        out.textContent = textOf((e as api.ApiFailure).message, lang);
      } finally {
        dl.disabled = false;
      }
    };
  }
  // The editor or the map last: every handler above is in place while they load.
  if (card.status === 'returned') {
    cleanups.push(await mountEditor(root.querySelector<HTMLElement>('[data-testid=editor]')!, ctx, card, svc, { mode: 'returned', onDone: reload }));
  } else if (card.geometry) {
    const { siteMap } = await import('./sitemap');
    const m = await siteMap(root.querySelector<HTMLElement>('[data-testid=site-host]')!, svc.geometry, card.geometry, { editable: false });
    cleanups.push(() => m.destroy());
  }
  // The objects the staff drew or uploaded that I may see: on the site's map (read-only), titled.
  const objectsHost = root.querySelector<HTMLElement>('[data-testid=my-objects]');
  if (objectsHost) {
    const siteMapOf = (window as unknown as { qalaApply?: { map?: import('maplibre-gl').Map } }).qalaApply?.map ?? null;
    const { showObjects } = await import('../work/objects');
    await showObjects(card.id, card.geometry ? siteMapOf : null, objectsHost);
  }

  return () => { cleanups.forEach((c) => c()); if (objectUrl) URL.revokeObjectURL(objectUrl); };
}
