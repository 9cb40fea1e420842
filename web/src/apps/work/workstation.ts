// The reviewer's workstation (`/app/work`, `/app/work/{id}`): the queues with their counts, and an
// application opened beside its map. For reviewers and managers (`org_admin`); others are asked
// to sign in or told they have no access.
import './work.css';
import * as api from '../api';
import type { Ctx } from '../shell';
import { mountQueues } from './queues';

export async function mount(root: HTMLElement, ctx: Ctx): Promise<void | (() => void)> {
  await ctx.requireLogin(root);
  if (!api.hasRole('reviewer', 'org_admin')) throw new api.ApiFailure(403, 'forbidden', '');
  document.body.classList.add('work-wide');
  const id = Number(ctx.route.parts[1]);
  if (ctx.route.parts[1] && !(id > 0)) throw new api.ApiFailure(404, 'not_found', ctx.route.parts[1]);
  if (id > 0) {
    const { mountApplication } = await import('./application');
    const done = await mountApplication(root, ctx, id);
    return () => { done(); document.body.classList.remove('work-wide'); };
  }
  await mountQueues(root, ctx);
  return () => document.body.classList.remove('work-wide');
}
