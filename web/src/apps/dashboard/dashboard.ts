// PLACEHOLDER: replaced by the screen's own module.
import type { Ctx } from '../shell';
export async function mount(root: HTMLElement, _ctx: Ctx): Promise<void> {
  root.textContent = '…';
}
