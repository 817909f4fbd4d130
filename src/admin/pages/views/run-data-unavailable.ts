// The dashboard of an experiment whose run-data cannot be read (a shard that fails or answers
// garbage): its name and state, the reason in words, the lifecycle actions the operator may still take
// (pause it, say), and the activity. No figures: partial counts would look like real, smaller ones.
import type { AuditEntry } from "../../../catalog/audit.ts";
import type { ExperimentRecord } from "../../../core/schema.ts";
import { esc, stateBadge } from "../html.ts";
import { csrfField, layout, type PageContext } from "./layout.ts";

export function runDataUnavailablePage(
  ctx: PageContext,
  r: ExperimentRecord,
  error: string,
  actions: readonly string[],
  canEdit: boolean,
  log: readonly AuditEntry[],
  /** Why the write that led here was refused, if one was. */
  refused: string | null = null,
): string {
  const buttons = actions
    .map(
      (act) =>
        `<form method="post" action="${ctx.base}/experiments/${r.id}/${esc(act)}" class="inline action">${csrfField(ctx)}<button>${esc(act[0]?.toUpperCase() ?? "")}${esc(act.slice(1))}</button></form>`,
    )
    .join(" ");
  return layout(
    ctx,
    r.name,
    `<h1>${esc(r.name)} ${stateBadge(r.lifecycle_state)}</h1>
<p class="muted">${esc(r.slug)} · <code>${esc(r.target_page)}</code></p>
${refused === null ? "" : `<p class="error" role="alert">${esc(refused)}</p>`}<div class="warning run-data-unavailable" role="alert">⚠ ${esc(error)}. The figures of this experiment cannot be shown until its run-data answers again; nothing has been lost, and it cannot be concluded until then.</div>
<div class="actions">${canEdit ? `<a class="button" href="${ctx.base}/experiments/${r.id}/edit">Edit</a> ` : ""}${buttons}</div>
<h2>Activity</h2><ul class="log">${log.map((e) => `<li><time>${esc(e.at)}</time> ${esc(e.operator)}: ${esc(e.action)}</li>`).join("")}</ul>`,
  );
}
