// The passport of a service (`/app/services/{id}`): purpose, who may apply, the documents needed,
// the deadline, the fee, the result, the legal basis, the site and the review stages; "Apply"
// asks to sign in, then continues the caller's draft of this service or starts one and opens it
// (`/app/my/{id}`, where the form is).
import type { Ctx } from '../shell';
import * as api from '../api';
import { esc } from '../words';
import { textOf } from '../lang';
import { type Card, type ServiceDef, serviceDef, mainLine } from './model';
import { mountEditor } from './editor';
import { tr, providerName, categoryName, kindName } from './words';
import { fee } from './catalogue';

/** A new application (`/app/services/{id}/apply`): the form before its draft exists. */
async function mountNew(root: HTMLElement, ctx: Ctx, svc: ServiceDef): Promise<() => void> {
  const lang = api.currentLang();
  await ctx.requireLogin(root);
  const existing = await api.get<{ applications: Array<{ id: number }> }>(`/api/applications?status=draft&service=${encodeURIComponent(svc.id)}&limit=1`).catch(() => ({ applications: [] }));
  if (existing.applications[0]) { ctx.navigate(`/app/my/${existing.applications[0].id}`, true); return () => undefined; }
  root.innerHTML = `<article class="apply application" data-testid="application" data-id="">
    <p><a href="/app/services/${esc(svc.id)}">← ${esc(tr('passport'))}</a></p>
    <h1 data-testid="app-title">${esc(textOf(svc.title, lang))}</h1>
    <p class="meta"><span class="app-no" data-testid="app-number">${esc(tr('draftOf'))}</span> <span class="hint">${esc(providerName(svc.provider))}</span></p>
    <div data-testid="editor"></div></article>`;
  const blank: Card = { id: 0, number: null, service: { id: svc.id, version: svc.version, title: textOf(svc.title, lang) }, status: 'draft', org: svc.provider, district: null,
    stages: [], term: null, submitted_at: null, due_at: null, closed_at: null, version: 0, form: {}, geometry: null, timeline: [], documents: {} };
  return mountEditor(root.querySelector<HTMLElement>('[data-testid=editor]')!, ctx, blank, svc, { mode: 'new', onDone: (c) => ctx.navigate(`/app/my/${c.id}`, true) });
}

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void | (() => void)> {
  const lang = api.currentLang();
  const svc = await serviceDef(ctx.route.parts[1]);
  if (ctx.route.parts[2] === 'apply') return mountNew(root, ctx, svc);
  const p = svc.passport;
  const who = p.applicants.map((a) => (a === 'person' || a === 'organisation' ? tr(a) : a)).join(', ');
  const docs = p.documents.filter((d) => (d.provided_by ?? 'applicant') === 'applicant');
  const rule = svc.geometry;
  const user = api.currentUser();
  let draft: { id: number } | undefined;
  if (user) {
    const mine = await api.get<{ applications: Array<{ id: number }> }>(`/api/applications?status=draft&service=${encodeURIComponent(svc.id)}&limit=1`).catch(() => ({ applications: [] }));
    draft = mine.applications[0];
  }
  const limits = [
    rule.max_area_m2 ? `≤ ${new Intl.NumberFormat('ru-RU').format(rule.max_area_m2)} m²` : '',
    rule.max_length_m ? `≤ ${new Intl.NumberFormat('ru-RU').format(rule.max_length_m)} m` : '',
  ].filter(Boolean).join(', ');
  root.innerHTML = `<article class="apply passport" data-testid="passport" data-service="${esc(svc.id)}">
    <p><a href="/app/services" data-testid="back">← ${esc(tr('back'))}</a></p>
    <h1 data-testid="passport-title">${esc(textOf(svc.title, lang))}</h1>
    <p class="meta"><span class="badge">${esc(categoryName(svc.category))}</span> <span>${esc(tr('provider'))}: <strong>${esc(providerName(svc.provider))}</strong></span></p>
    <div class="apply-bar panel">
      <div class="facts">
        <div><span class="k">${esc(tr('deadline'))}</span><span class="v" data-testid="passport-days">${svc.deadlines.total} ${esc(tr('days'))}</span></div>
        <div><span class="k">${esc(tr('fee'))}</span><span class="v" data-testid="passport-fee">${esc(fee(p.fee_kzt))}</span></div>
      </div>
      <button type="button" class="primary big" data-testid="apply">${esc(tr(draft ? 'continueDraft' : 'apply'))}</button>
    </div>
    <section class="panel"><h2>${esc(tr('passport'))}</h2>
      <dl class="facts-list">
        <dt>${esc(tr('purpose'))}</dt><dd data-testid="passport-purpose">${esc(textOf(p.purpose, lang))}</dd>
        <dt>${esc(tr('whoMay'))}</dt><dd data-testid="passport-who">${esc(who)}</dd>
        ${p.fee_note ? `<dt>${esc(tr('fee'))}</dt><dd>${esc(textOf(p.fee_note, lang))}</dd>` : ''}
        ${p.result ? `<dt>${esc(tr('result'))}</dt><dd>${esc(textOf(p.result, lang))}</dd>` : ''}
        <dt>${esc(tr('site'))}</dt><dd data-testid="passport-site">${esc(kindName(rule.kind))}${rule.kind === 'layer_feature' ? ` (${esc(tr(rule.layer === 'buildings' ? 'layerBuildings' : 'layerLand'))})` : ''}${limits ? `, ${esc(limits)}` : ''}</dd>
      </dl>
    </section>
    <section class="panel" data-testid="passport-documents"><h2>${esc(tr('documentsNeeded'))}</h2>
      ${docs.length ? `<ul class="doc-list">${docs.map((d) => `<li data-testid="passport-doc"><strong>${esc(textOf(d.title, lang))}</strong>
        <span class="badge${d.required ? ' req-badge' : ''}">${esc(tr(d.required ? 'requiredDoc' : 'optionalDoc'))}</span>
        <span class="hint">${esc(d.formats.join(', '))} · ${esc(tr('upTo'))} ${d.max_mb} MB</span></li>`).join('')}</ul>` : '<p>—</p>'}
    </section>
    <section class="panel"><h2>${esc(tr('stagesOf'))}</h2>
      <ol class="stage-list" data-testid="passport-stages">${mainLine(svc).map((s) => {
        const def = (id: string) => svc.workflow.stages.find((x) => x.id === id);
        const days = (id: string) => (def(id)?.days ? ` <span class="hint">· ${def(id)!.days} ${esc(tr('days'))}</span>` : '');
        return `<li>${esc(s.title)}${s.branches ? `<ul>${s.branches.map((b) => `<li>${esc(textOf(def(b)?.title, lang))}${days(b)}</li>`).join('')}</ul>` : days(s.id)}</li>`;
      }).join('')}</ol>
    </section>
    ${p.legal_basis ? `<section class="panel"><h2>${esc(tr('legal'))}</h2><p class="legal">${esc(textOf(p.legal_basis, lang))}</p></section>` : ''}
  </article>`;

  root.querySelector<HTMLButtonElement>('[data-testid=apply]')!.onclick = async (ev) => {
    const btn = ev.currentTarget as HTMLButtonElement;
    btn.disabled = true;
    try {
      if (!api.currentUser()) {
        await ctx.requireLogin(root);
        const again = await api.get<{ applications: Array<{ id: number }> }>(`/api/applications?status=draft&service=${encodeURIComponent(svc.id)}&limit=1`).catch(() => ({ applications: [] }));
        draft = again.applications[0];
      }
      if (draft) { ctx.navigate(`/app/my/${draft.id}`); return; }
      // A service whose site is required gets its draft once the site is drawn.
      if (rule.required ?? rule.kind !== 'none') { ctx.navigate(`/app/services/${encodeURIComponent(svc.id)}/apply`); return; }
      const created = await api.json<Card>('POST', '/api/applications', { service: svc.id, form: {} });
      ctx.navigate(`/app/my/${created.id}`);
    } catch (e) {
      ctx.notify(textOf((e as api.ApiFailure).message, lang), 'error');
      btn.disabled = false;
    }
  };
}
