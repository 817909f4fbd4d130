// What the dashboard page is drawn from: the record, the dashboard of docs/admin-api.md#dashboard, the activity,
// what the operator's role allows here, the QA links, and a decision typed before (a failed or
// reconsidered conclude keeps it).
import type { AuditEntry } from "../../../../catalog/audit.ts";
import type { Action } from "../../../../core/lifecycle.ts";
import type { ExperimentRecord } from "../../../../core/schema.ts";
import type { Dashboard } from "../../../service.ts";
import type { FieldErrors } from "../editor/section.ts";

export interface Allowed {
  /** Lifecycle buttons of the action bar (start, pause, resume, archive, restore). */
  readonly actions: readonly Action[];
  readonly canEdit: boolean;
  readonly canConclude: boolean;
  readonly canOverride: boolean;
  readonly canDelete: boolean;
  readonly canRollout: boolean;
}

/** The decision panel's values as typed. */
export interface DecisionDraft {
  shipped_variant_slug?: string;
  reason?: string;
  key_learning?: string;
  decision?: string;
  follow_up?: string;
  rollout_percent?: string;
}

export interface DashboardModel {
  readonly record: ExperimentRecord;
  readonly d: Dashboard;
  readonly log: readonly AuditEntry[];
  readonly allowed: Allowed;
  /** One QA link per variant, or null when the experiment is not published or no secret is set. */
  readonly qaLinks: ReadonlyArray<{ variant: string; label: string; url: string }> | null;
  readonly draft: DecisionDraft | null;
  readonly draftErrors: FieldErrors | null;
  /** Why the last write was refused, in words. */
  readonly error: string | null;
}

type Analysis = Dashboard["analysis"];

/** The variant the panel proposes: the outcome's winner, else the highest observed rate, else the control. */
export function leadingVariant(d: Dashboard): string {
  const a = d.analysis;
  if (a.outcome.winner !== null) return a.outcome.winner;
  const rated = a.variants.filter((v) => v.sample > 0);
  if (rated.length === 0) return d.variants[0]?.slug ?? "";
  return rated.reduce((x, y) => ((y.conversion_rate ?? 0) > (x.conversion_rate ?? 0) ? y : x)).slug;
}

/** The variants the outcome finds significantly worse than the control (the analysis's `losers`, docs/analysis.md). */
export function losersOf(a: Analysis): readonly string[] {
  const losers = (a.outcome as { losers?: readonly string[] }).losers;
  if (losers !== undefined) return losers;
  // Before the outcome carried them: the control winning means every other variant lost.
  return a.outcome.winner !== null && a.outcome.winner === a.variants[0]?.slug ? a.variants.slice(1).map((v) => v.slug) : [];
}

/** What the statistics say about shipping `slug`, in words, and whether they support it. */
export function support(d: Dashboard, slug: string): { supported: boolean; words: string } {
  const a = d.analysis;
  const control = d.variants[0]?.slug;
  const c = a.comparisons.find((x) => x.variant === slug);
  const p = c?.always_valid_p_value;
  const pWords = p === null || p === undefined ? "" : ` (always-valid p = ${p < 0.0001 ? "< 0.0001" : p.toFixed(4)})`;
  if (a.outcome.winner === slug)
    return slug === control
      ? { supported: true, words: "The control is significantly better than every other variant." }
      : { supported: true, words: `Significantly better than the control${pWords}.` };
  if (losersOf(a).includes(slug)) return { supported: false, words: `Significantly worse than the control${pWords}.` };
  if (slug === control)
    return a.outcome.winner === null
      ? {
          supported: false,
          words: "No variant is significantly different from the control yet: keeping the control is not a result either.",
        }
      : { supported: false, words: `Variant ${a.outcome.winner} is significantly better than the control.` };
  return { supported: false, words: `Not significantly different from the control yet${pWords}.` };
}
