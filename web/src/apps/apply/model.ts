// Shapes of what the applications API gives the single window (`/api/services/{id}`, the card of
// `/api/applications/{id}`), and the service definitions cached for the session.
import * as api from '../api';
import { textOf } from '../lang';

export type Texts = { kk: string; ru: string; en: string };

export interface When { field: string; equals?: unknown; one_of?: string[]; filled?: boolean }
export interface Choice { value: string; label: Texts }
export interface FieldDef {
  name: string;
  type: 'text' | 'number' | 'date' | 'enum' | 'multi_enum' | 'boolean' | 'iin' | 'bin' | 'phone' | 'email' | 'file' | 'table';
  label: Texts;
  hint?: Texts;
  required?: boolean;
  filled_by?: 'applicant' | 'provider';
  when?: When;
  personal?: boolean;
  values?: Choice[];
  min?: number;
  max?: number;
  integer?: boolean;
  unit?: string;
  pattern?: string;
  max_length?: number;
  formats?: string[];
  max_mb?: number;
  max_files?: number;
  columns?: FieldDef[];
  min_rows?: number;
  max_rows?: number;
}
export interface DocDef { id: string; title: Texts; formats: string[]; max_mb: number; required?: boolean; provided_by?: 'applicant' | 'provider'; max_files?: number }
export interface GeometryRule { kind: string; required?: boolean; inside_almaty?: boolean; max_area_m2?: number; max_length_m?: number; max_parts?: number; layer?: string }
export interface StageDef { id: string; title: Texts; kind?: string; days?: number; role?: string; next?: Array<{ action: string; to: string }>; branches?: unknown }
export interface ServiceDef {
  id: string;
  version: number;
  title: Texts;
  provider: string;
  category: string;
  passport: { purpose: Texts; applicants: string[]; legal_basis?: Texts; fee_kzt?: number | null; fee_note?: Texts; result?: Texts; documents: DocDef[] };
  deadlines: { total: number };
  form: FieldDef[];
  geometry: GeometryRule;
  workflow: { start: string; stages: StageDef[] };
  refusal_reasons?: Array<{ code: string; title: Texts }>;
}

export interface FileRef { id: string; name: string; size: number; media_type?: string }
export interface Term { started: string; days: number; due: string; elapsed: number; left: number; share: number; overdue: boolean }
export interface HistoryEvent { event: string; stage?: string; text?: string; to_applicant?: boolean; fields?: string[]; from?: string; to?: string; code?: string; changed?: string[] }
export interface Offer { action: string; stage?: string | null; allowed: boolean; reason?: string }
export interface Card {
  id: number;
  number: string | null;
  service: { id: string; version: number; title: string };
  status: string;
  org: string;
  district: string | null;
  stages: Array<{ stage: string; title: string | null; entered_at: string; term: Term | null; executor?: string | null }>;
  term: Term | null;
  submitted_at: string | null;
  due_at: string | null;
  closed_at: string | null;
  version: number;
  form: Record<string, unknown>;
  geometry?: GeoJSON.Geometry | null;
  timeline: Array<{ stage: string; title: string | null; entered_at: string; left_at: string | null; working_days: number | null; branch?: unknown }>;
  refusal?: { code: string; reason: string | null; text: string | null };
  applicant?: string;
  documents?: Record<string, FileRef[]>;
  returned?: { stage: string; by: string; at: string; fields: string[] } | null;
  history?: Array<{ at: string; actor: string; action: string; events: HistoryEvent[] }>;
  created_at?: string;
  updated_at?: string;
  actions?: Offer[];
}

const services = new Map<string, Promise<ServiceDef>>();

/** The whole definition of a service (cached; the passport, form, site rule and stages). */
export function serviceDef(id: string): Promise<ServiceDef> {
  let p = services.get(id);
  if (!p) {
    p = api.get<ServiceDef>(`/api/services/${encodeURIComponent(id)}`);
    p.catch(() => services.delete(id));
    services.set(id, p);
  }
  return p;
}

export const etagOf = (version: number) => `"v${version}"`;

/** Whether an action is offered and allowed (the card's `actions`; older servers: by status). */
export function offered(card: Card, action: string): boolean {
  if (card.actions) return card.actions.some((a) => a.action === action && a.allowed);
  const open = !['approved', 'refused', 'withdrawn'].includes(card.status);
  switch (action) {
    case 'withdraw': return open;
    case 'comment': return open && card.status !== 'draft';
    case 'resubmit': return card.status === 'returned';
    case 'submit': return card.status === 'draft';
    default: return false;
  }
}

export function fmtDate(s: string | null | undefined, withTime = false): string {
  if (!s) return '';
  const d = new Date(s);
  const lang = api.currentLang();
  const loc = lang === 'en' ? 'en-GB' : lang === 'ru' ? 'ru-RU' : 'kk-KZ';
  return d.toLocaleString(loc, withTime
    ? { timeZone: 'Asia/Almaty', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }
    : { timeZone: 'Asia/Almaty', day: '2-digit', month: '2-digit', year: 'numeric' });
}

export function fmtSize(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(0)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** The main line of a workflow: stages from the start along forward/approve transitions. */
export function mainLine(svc: ServiceDef): Array<{ id: string; title: string; branches?: string[] }> {
  const lang = api.currentLang();
  const byId = new Map(svc.workflow.stages.map((s) => [s.id, s]));
  const out: Array<{ id: string; title: string; branches?: string[] }> = [];
  const seen = new Set<string>();
  let cur: string | undefined = svc.workflow.start;
  while (cur && byId.has(cur) && !seen.has(cur)) {
    seen.add(cur);
    const s = byId.get(cur)!;
    const raw = s as unknown as { branches?: string[]; join?: string };
    if (s.kind === 'parallel' && raw.branches) {
      raw.branches.forEach((b) => seen.add(b));
      out.push({ id: s.id, title: textOf(s.title, lang), branches: raw.branches });
      cur = raw.join;
      continue;
    }
    out.push({ id: s.id, title: textOf(s.title, lang) });
    cur = (s.next ?? []).find((n) => n.action === 'forward' || n.action === 'approve')?.to;
  }
  return out;
}

