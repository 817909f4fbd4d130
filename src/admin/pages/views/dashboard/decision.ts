// The decision panel: which variant to ship (the leading one proposed), whether the minimum sample and
// the statistics support it, and, when the gate is not reached, the override with its reason and the
// "statistically unsupported" warning shown before anything is submitted. The decision record is part
// of the same form. Submitting leads to a confirmation step (confirm.ts); nothing concludes in one click.
import { esc, num, signedPct } from "../../html.ts";
import { errorParts, fieldId, textArea, textField } from "../editor/fields.ts";
import { NO_ERRORS } from "../editor/issues.ts";
import type { EditorView } from "../editor/section.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { type DashboardModel, leadingVariant, support } from "./model.ts";

export function decisionPanel(ctx: PageContext, m: DashboardModel): string {
  const { d, allowed } = m;
  const state = d.lifecycle_state;
  if ((state !== "live" && state !== "paused") || (!allowed.canConclude && !allowed.canOverride)) return "";
  const gateReached = d.gate.state === "reached";
  const mode = gateReached ? (allowed.canConclude ? "conclude" : null) : allowed.canOverride ? "override" : null;
  const leading = leadingVariant(d);
  const draft = m.draft ?? {};
  const chosen = draft.shipped_variant_slug ?? leading;
  // The editor's field helpers draw these fields the same way (label, hint, error beside it).
  const v: EditorView = {
    ctx,
    mode: { id: d.experiment_id, state, started: true, canAllowScripts: false },
    f: {
      reason: draft.reason ?? "",
      key_learning: draft.key_learning ?? "",
      decision: draft.decision ?? "",
      follow_up: draft.follow_up ?? "",
      rollout_percent: draft.rollout_percent ?? "100",
    },
    errors: m.draftErrors ?? NO_ERRORS,
    sitePaths: [],
  };
  const lifts = new Map(d.analysis.comparisons.map((c) => [c.variant, c.relative_lift]));
  const options = d.variants
    .map((variant, i) => {
      const tags = [
        i === 0 ? "control" : `lift ${signedPct(lifts.get(variant.slug) ?? null)}`,
        variant.slug === leading ? "leading" : "",
      ].filter((t) => t !== "");
      return `<option value="${esc(variant.slug)}"${variant.slug === chosen ? " selected" : ""}>${esc(variant.slug)}: ${esc(variant.label)} (${esc(tags.join(", "))})</option>`;
    })
    .join("");
  const shipId = fieldId("shipped_variant_slug");
  const shipErr = errorParts(v, "shipped_variant_slug", "The leading variant is proposed; any variant may be shipped.");
  const evidence = d.variants
    .map((variant) => {
      const s = support(d, variant.slug);
      return `<li class="${s.supported ? "ok" : "no"}"><strong>${esc(variant.slug)}</strong>: ${esc(s.words)}</li>`;
    })
    .join("");
  const short = d.variants.filter((x) => x.sample < d.gate.min_sample_threshold);
  const gateLine = gateReached
    ? `<p class="ok">✓ Minimum sample reached: every variant has at least ${num(d.gate.min_sample_threshold)} visitors.</p>`
    : `<p class="no">✗ Minimum sample not reached: ${short.map((x) => `${esc(x.slug)} has ${num(x.sample)} of ${num(d.gate.min_sample_threshold)}`).join(", ")}.</p>`;
  const unsupported =
    mode === "override"
      ? `<div class="warning" role="note"><strong>Statistically unsupported.</strong> Concluding before the minimum sample is reached means shipping on numbers that may be chance. The reason you give is kept on the record and in the activity log.</div>
${textField(v, "reason", "Reason for concluding early", { required: true, hint: "Required: why the decision cannot wait for the minimum sample." })}`
      : "";
  const blocked =
    mode === null
      ? `<p class="no">${gateReached ? "Your role may not conclude experiments." : "The minimum sample is not reached, and your role may not override the gate."}</p>`
      : "";
  const form =
    mode === null
      ? blocked
      : `<form method="post" action="${ctx.base}/experiments/${d.experiment_id}/${mode}" class="decision-form" novalidate>${csrfField(ctx)}
<div class="field${shipErr.html.includes("field-error") ? " has-error" : ""}"><label for="${shipId}">Variant to ship</label><select id="${shipId}" name="shipped_variant_slug"${shipErr.attrs}>${options}</select>${shipErr.html}</div>
${unsupported}
<fieldset><legend>Decision record</legend><p class="hint">Kept with the result in the archive: what was learnt, what was decided, what follows.</p>
<div class="grid-3">${textArea(v, "key_learning", "Key learning", { rows: 3 })}${textArea(v, "decision", "Decision", { rows: 3 })}${textArea(v, "follow_up", "Follow-up", { rows: 3 })}</div>
${textField(v, "rollout_percent", "Roll out the shipped variant to (% of visitors)", { inputmode: "decimal", hint: "100 for everyone; less for a gradual rollout, raised later." })}</fieldset>
<button>${mode === "override" ? "Review the early conclusion…" : "Review the conclusion…"}</button>
</form>`;
  return `<section class="card decide" id="decision" aria-labelledby="decision-title"><h2 id="decision-title">Decide</h2>
<div class="evidence"><h3>What the numbers support</h3>${gateLine}<ul>${evidence}</ul></div>
${form}</section>`;
}
