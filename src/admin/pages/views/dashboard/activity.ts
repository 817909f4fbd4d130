// The activity of one experiment: who did what, when (in the configured time zone, with "3 hours ago"),
// and what changed, read from the audit entry's `changes`.
import type { AuditEntry } from "../../../../catalog/audit.ts";
import { esc, timeTag } from "../../html.ts";
import type { PageContext } from "../layout.ts";

const ACTION_WORDS: Record<string, string> = {
  create: "created the experiment",
  edit: "edited the configuration",
  edit_reset: "edited variants or shares, resetting the sample",
  start: "started it",
  pause: "paused it",
  resume: "resumed it",
  conclude: "concluded it",
  override: "concluded it early (gate overridden)",
  archive: "archived it",
  restore: "restored it",
  delete: "deleted it",
  rollout: "changed the rollout",
  rollback: "rolled back to the control",
  post_test_action: "applied the automated post-test action",
  post_test_blocked: "blocked the automated post-test actions",
  auto_pause: "paused it: the maximum runtime was reached",
};

const FIELD_WORDS: Record<string, string> = {
  name: "name",
  slug: "slug",
  target_page: "target page",
  variants: "variants",
  conversion_event: "conversion event",
  min_sample_threshold: "minimum sample",
  max_runtime_days: "maximum runtime",
  notes: "notes",
  post_test: "post-test actions",
  secondary_goals: "secondary goals",
  allow_script_overrides: "script overrides allowed",
  lifecycle_state: "state",
  rollout_percent: "rollout",
  sample_reset: "sample epoch",
};

/** A value in a few words: strings quoted, short lists of variants by slug, anything else as short JSON. */
function brief(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "string") return `“${value.length > 80 ? `${value.slice(0, 80)}…` : value}”`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "object" && v !== null && "slug" in v)) {
    return value.map((v) => `${(v as { slug: string }).slug} ${(v as { traffic_share?: number }).traffic_share ?? ""}%`.trim()).join(" / ");
  }
  const json = JSON.stringify(value);
  return json.length > 100 ? `${json.slice(0, 100)}…` : json;
}

function changeList(e: AuditEntry): string {
  const c = e.changes as Record<string, unknown>;
  if (e.action === "create" || e.action === "delete") return "";
  const items: string[] = [];
  for (const [key, change] of Object.entries(c)) {
    if (key === "lifecycle_state") continue; // the transition says it
    const field = FIELD_WORDS[key] ?? key.replace(/_/g, " ");
    if (typeof change === "object" && change !== null && "from" in change && "to" in change) {
      const { from, to } = change as { from: unknown; to: unknown };
      items.push(`${esc(field)}: ${esc(brief(from))} → ${esc(brief(to))}`);
    } else if (key === "decision_record" && typeof change === "object" && change !== null) {
      items.push(`decision record: ${esc(brief((change as { decision?: string }).decision ?? ""))}`);
    } else {
      items.push(`${esc(field)}: ${esc(brief(change))}`);
    }
  }
  return items.length === 0 ? "" : `<ul class="changes">${items.map((i) => `<li>${i}</li>`).join("")}</ul>`;
}

export function activity(ctx: PageContext, log: readonly AuditEntry[]): string {
  if (log.length === 0) return `<p class="muted">Nothing yet.</p>`;
  return `<ol class="log">${log
    .map((e) => {
      const words = ACTION_WORDS[e.action] ?? e.action.replace(/_/g, " ");
      const t =
        e.transition === null ? "" : ` <span class="muted">(${esc(e.transition.from ?? "new")} → ${esc(String(e.transition.to))})</span>`;
      const shipped = e.shipped_variant_slug === null ? "" : `, shipping <strong>${esc(e.shipped_variant_slug)}</strong>`;
      const reason = e.reason === null ? "" : `<div class="reason">Reason: ${esc(e.reason)}</div>`;
      return `<li>${timeTag(e.at, ctx.clock)}<div><strong>${esc(e.operator)}</strong> ${esc(words)}${shipped}${t}</div>${reason}${changeList(e)}</li>`;
    })
    .join("")}</ol>`;
}
