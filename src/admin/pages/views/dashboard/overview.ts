// The facts an operator checks first: where the experiment runs, what counts, since when and for how
// long, the stop conditions, the post-test actions in words, and the progress towards the minimum
// sample (and towards the planned sample, when the experiment has a plan).
import { esc, eventWords, num, ON_INCONCLUSIVE_WORDS, ON_LOSER_WORDS, ON_WINNER_WORDS, timeTag } from "../../html.ts";
import type { PageContext } from "../layout.ts";
import type { DashboardModel } from "./model.ts";

// A <progress> element, not a styled width: the CSP allows no inline style.
function bar(label: string, value: number, max: number): string {
  return `<div class="progress-row"><span class="progress-label">${esc(label)}</span><progress max="${max}" value="${Math.min(value, max)}" aria-label="${esc(label)}: ${num(value)} of ${num(max)}"></progress><span class="progress-value">${num(value)} of ${num(max)}</span></div>`;
}

export function overview(ctx: PageContext, m: DashboardModel): string {
  const r = m.record;
  const d = m.d;
  const days =
    r.started_at === null
      ? null
      : Math.max(
          0,
          Math.floor(((r.concluded_at === null ? ctx.clock.now : Date.parse(r.concluded_at)) - Date.parse(r.started_at)) / 86_400_000),
        );
  const cutoff =
    r.max_runtime_days === null || r.started_at === null
      ? ""
      : ` (pauses itself ${timeTag(new Date(Date.parse(r.started_at) + r.max_runtime_days * 86_400_000).toISOString(), ctx.clock)})`;
  const planned = r.planned_sample_per_variant;
  const facts: Array<[string, string]> = [
    ["Target page", `<code>${esc(r.target_page)}</code>`],
    ["Conversion event", eventWords(r.conversion_event)],
    ["Created", timeTag(r.created_at, ctx.clock)],
    ["Started", r.started_at === null ? "not yet" : timeTag(r.started_at, ctx.clock)],
    ...(r.concluded_at === null ? [] : ([["Concluded", timeTag(r.concluded_at, ctx.clock)]] as Array<[string, string]>)),
    [
      "Days running",
      days === null ? "—" : `${days} day${days === 1 ? "" : "s"}${r.concluded_at === null ? "" : " (until the conclusion)"}`,
    ],
    ["Minimum sample", `${num(r.min_sample_threshold)} visitors per variant`],
    ["Maximum runtime", r.max_runtime_days === null ? "no limit" : `${r.max_runtime_days} days${cutoff}`],
    [
      "Minimum runtime",
      r.min_runtime_days === 0
        ? "none: automated actions may act as soon as the gate allows"
        : `${r.min_runtime_days} day${r.min_runtime_days === 1 ? "" : "s"} before any automated action${
            d.automation.from === null ? "" : ` (from ${timeTag(d.automation.from, ctx.clock, false)})`
          }`,
    ],
    ...(planned === null ? [] : ([["Planned sample", `${num(planned)} visitors per variant`]] as Array<[string, string]>)),
    [
      "After the gate",
      `${esc(ON_WINNER_WORDS[r.post_test.on_winner] ?? r.post_test.on_winner)} if a variant wins; ${esc(
        (ON_INCONCLUSIVE_WORDS[r.post_test.on_inconclusive] ?? r.post_test.on_inconclusive).toLowerCase(),
      )} if inconclusive; a clear loser: ${esc((ON_LOSER_WORDS[r.post_test.on_loser] ?? r.post_test.on_loser).toLowerCase())}.`,
    ],
  ];
  const gateWords =
    d.gate.state === "reached"
      ? "Minimum sample reached by every variant."
      : d.gate.state === "override"
        ? "Concluded before the minimum sample was reached (override)."
        : "Minimum sample not reached yet: no conclusion and no automated action until every variant has it.";
  // The automation's three conditions (docs/analysis.md): the gate, the minimum runtime, no mismatch.
  const waitingWords: Record<string, string> = {
    gate: "the minimum sample",
    min_runtime: `the minimum runtime (until ${d.automation.from === null ? "the start" : timeTag(d.automation.from, ctx.clock)})`,
    sample_ratio_mismatch: "a sample without a sample-ratio mismatch (fix the cause, then reset the sample)",
  };
  const waiting =
    d.automation.waiting_for.length === 0
      ? ""
      : `<p class="automation">Automated post-test actions wait for: ${d.automation.waiting_for.map((w) => waitingWords[w] ?? esc(w)).join("; ")}.</p>`;
  // A stopped variant no longer grows: its bar is labelled so, and the gate and the plan leave it out.
  const stopped = new Set(d.stopped_variants.map((s) => s.slug));
  const label = (slug: string) => (stopped.has(slug) ? `${slug} (stopped)` : slug);
  const plan =
    d.plan === null || planned === null
      ? ""
      : `<h3>Towards the planned sample</h3><p class="plan-progress">Plan: ${num(d.plan.smallest_sample)} of ${num(
          d.plan.planned_sample_per_variant,
        )} visitors in the smallest running variant (${Math.floor(d.plan.progress * 100)}%).</p>${d.variants
          .map((v) => bar(label(v.slug), v.sample, planned))
          .join("")}`;
  const progress = `<div class="progress"><h3>Towards the minimum sample</h3><p class="gate-words"><strong class="gate">${esc(gateWords)}</strong></p>${waiting}${d.variants
    .map((v) => bar(label(v.slug), v.sample, d.gate.min_sample_threshold))
    .join("")}${plan}</div>`;
  return `<section class="card overview" aria-labelledby="overview-title"><h2 id="overview-title">Overview</h2><dl class="facts">${facts
    .map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${v}</dd></div>`)
    .join("")}</dl>${progress}</section>`;
}
