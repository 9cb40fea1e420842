// The signatures box of an application's output document on the applications screens (the
// applicant's result and the reviewer's card): one element that stays across the screen's
// re-renders, filled once with `mountSignDocument` for the document's code (given, or read from the
// `Qala-Document` header of `HEAD /api/applications/{id}/document.pdf`). Hidden unless the server
// lists signatures for the document.
import * as api from '../apps/api';
import { mountSignDocument } from './sign-document';

export interface SignBox {
  el: HTMLElement;
  /** Fills the box (once per code; without a code, asks the server for it once). */
  load(code?: string | null): Promise<void>;
}

export function signBox(applicationId: string | number): SignBox {
  const el = document.createElement('div');
  el.hidden = true;
  el.dataset.testid = 'doc-sign-host';
  let loaded = '';
  let asked = false;
  return {
    el,
    async load(code) {
      try {
        if (!code) {
          // The document's code is asked once: a screen renders again and again.
          if (asked) return;
          asked = true;
          const r = await api.call('HEAD', `/api/applications/${encodeURIComponent(String(applicationId))}/document.pdf`);
          code = r.headers.get('Qala-Document');
        }
      } catch { return; }
      if (!code || code === loaded) return;
      loaded = code;
      await mountSignDocument(el, code, { lang: api.currentLang, csrf: () => api.currentUser()?.csrf });
    },
  };
}
