// The run dashboard, one section per concern: the overview, the decision panel, the results and their
// charts, the secondary goals, the QA links, the configuration (read-only), the activity. Write
// controls appear only for what the operator's role allows in the experiment's state.

import { liftChart, liftSummary, rateChart } from "../../charts.ts";
import { esc, scrollBox, stateBadge, timeTag } from "../../html.ts";
import { metricsSection } from "../../metrics-section.ts";
import { csrfField, layout, type PageContext } from "../layout.ts";
import { activity } from "./activity.ts";
import { configuration } from "./configuration.ts";
import { decisionPanel } from "./decision.ts";
import type { DashboardModel } from "./model.ts";
import { overview } from "./overview.ts";
import { lookLine, outcomeWords, resultsTable, secondaryGoals, srmLine } from "./results.ts";

export type { Allowed, DashboardModel, DecisionDraft } from "./model.ts";

const ACTION_LABELS: Record<string, string> = {
  start: "Start",
  pause: "Pause",
  resume: "Resume",
  archive: "Archive",
  restore: "Restore",
};

const postButton = (ctx: PageContext, id: number, path: string, label: string, hidden: Record<string, string> = {}, cls = "") =>
  `<form method="post" action="${ctx.base}/experiments/${id}/${path}" class="inline">${csrfField(ctx)}${Object.entries(hidden)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("")}<button${cls === "" ? "" : ` class="${cls}"`}>${esc(label)}</button></form>`;

function actionBar(ctx: PageContext, m: DashboardModel): string {
  const id = m.d.experiment_id;
  const parts: string[] = [];
  if (m.allowed.canEdit) parts.push(`<a class="button secondary" href="${ctx.base}/experiments/${id}/edit">Edit</a>`);
  for (const a of m.allowed.actions)
    parts.push(postButton(ctx, id, a, ACTION_LABELS[a] ?? a, {}, a === "start" || a === "resume" ? "" : "secondary"));
  if (m.allowed.canDelete) parts.push(`<a class="button danger" href="${ctx.base}/experiments/${id}/delete">Delete…</a>`);
  return parts.length === 0 ? "" : `<div class="actions" role="group" aria-label="Actions">${parts.join(" ")}</div>`;
}

function rollout(ctx: PageContext, m: DashboardModel): string {
  const d = m.d;
  if (d.lifecycle_state !== "done" || d.shipped_variant_slug === null) return "";
  const current = d.rollout_percent;
  const buttons = m.allowed.canRollout
    ? `<div class="actions">${[10, 50, 100]
        .filter((p) => p !== current)
        .map((p) => postButton(ctx, d.experiment_id, "rollout", `Roll out to ${p}%`, { percent: String(p) }, "secondary"))
        .join(
          " ",
        )}${current > 0 ? ` ${postButton(ctx, d.experiment_id, "rollout", "Roll back to the control…", { percent: "0" }, "danger")}` : ""}</div>`
    : "";
  return `<section class="card" aria-labelledby="rollout-title"><h2 id="rollout-title">Rollout</h2><p><strong class="rollout">${current}%</strong> of visitors get <strong>${esc(
    d.shipped_variant_slug,
  )}</strong>; the rest get the control.</p>${buttons}</section>`;
}

function decisionRecord(m: DashboardModel): string {
  const r = m.d.decision_record;
  if (r === null) return "";
  return `<section class="card" aria-labelledby="record-title"><h2 id="record-title">Decision record</h2><dl class="decision-record"><dt>Key learning</dt><dd>${esc(r.key_learning) || "—"}</dd><dt>Decision</dt><dd>${esc(r.decision) || "—"}</dd><dt>Follow-up</dt><dd>${esc(r.follow_up) || "—"}</dd></dl></section>`;
}

/**
 * Value goals, guardrails, the origin's answers and the requests not counted (docs/metrics.md), with
 * each wide table scrolling inside its card rather than the page.
 */
function metrics(m: DashboardModel): string {
  let n = 0;
  const html = metricsSection(m.d)
    .replace(/<(\/?)h2>/g, "<$1h3>")
    .replace(/<table class="list">[\s\S]*?<\/table>/g, (table) =>
      scrollBox(`Metrics table ${++n}`, table.replace('<table class="list">', '<table class="list numbers">')),
    );
  return `<section class="card metrics" aria-labelledby="metrics-title"><h2 id="metrics-title">Value, guardrails and what was not counted</h2>${html}</section>`;
}

function qaLinks(m: DashboardModel): string {
  if (m.qaLinks === null) return "";
  return `<section class="card" aria-labelledby="qa-title"><h2 id="qa-title">QA links</h2><p class="hint">Open a link to see that variant on the real site without being assigned or counted. Copy it to a colleague; it works for 24 hours.</p>${m.qaLinks
    .map(
      (q) =>
        `<div class="field qa"><label for="qa-${esc(q.variant)}">${esc(q.variant)}: ${esc(q.label)}</label><input id="qa-${esc(q.variant)}" readonly class="readonly" value="${esc(q.url)}"> <a href="${esc(q.url)}" target="_blank" rel="noopener">open</a></div>`,
    )
    .join("")}</section>`;
}

export function dashboardPage(ctx: PageContext, m: DashboardModel): string {
  const d = m.d;
  // The lift band is tuned to the experiment's plan when the record has one.
  const planned = m.record.planned_sample_per_variant ?? undefined;
  const a = d.analysis;
  const banner =
    d.post_test.applied === null
      ? ""
      : `<div class="banner" role="status">Automated post-test action in effect since ${timeTag(d.post_test.applied.at, ctx.clock)}: the outcome was ${esc(
          d.post_test.applied.outcome.state,
        )}${d.post_test.applied.shipped_variant_slug === null ? "" : `, so <strong>${esc(d.post_test.applied.shipped_variant_slug)}</strong> is shipped`}.</div>`;
  const warnings = d.warnings.map((w) => `<div class="warning">⚠ ${esc(w.message)}</div>`).join("");
  const override =
    d.significance_override_reason === null
      ? ""
      : `<div class="warning">Concluded before the minimum sample was reached: statistically unsupported. Reason: ${esc(d.significance_override_reason)}</div>`;
  const shipped = d.shipped_variant_slug === null ? "" : ` · shipped <strong>${esc(d.shipped_variant_slug)}</strong>`;
  const conclusionNote =
    d.conclusion === null
      ? ""
      : `<p class="muted">The figures are frozen as they stood at the conclusion, ${timeTag(d.conclusion.at, ctx.clock)}.</p>`;
  return layout(
    ctx,
    d.name,
    `<p class="crumbs"><a href="${ctx.base}/experiments/">Experiments</a> › ${esc(d.slug)}</p>
<h1>${esc(d.name)} ${stateBadge(d.lifecycle_state)}</h1>
<p class="summary-line">Outcome: <strong class="outcome">${outcomeWords(a, d.lifecycle_state === "done" || d.lifecycle_state === "archived")}</strong>${shipped}</p>
${m.error === null ? "" : `<p class="error" role="alert">${esc(m.error)}</p>`}${banner}${warnings}${override}
${d.reminder === null ? "" : `<div class="warning">⏰ ${esc(d.reminder)}</div>`}
${actionBar(ctx, m)}
${overview(ctx, m)}
${decisionPanel(ctx, m)}
${rollout(ctx, m)}
${decisionRecord(m)}
<section class="card" aria-labelledby="results-title"><h2 id="results-title">Results</h2>${conclusionNote}${resultsTable(d, ctx.clock)}${lookLine(d, ctx.clock)}${srmLine(d)}
<div class="charts"><figure><figcaption>Conversion rate (95% interval)</figcaption>${rateChart(d)}</figure><figure><figcaption>Relative lift over the control, cumulative per day, with its always-valid band</figcaption>${liftChart(d, 0.05, planned)}${liftSummary(d, 0.05, planned)}</figure></div>
<p class="muted">Export: <a href="${ctx.base}/experiments/${d.experiment_id}/results.csv">CSV</a> · <a href="${ctx.base}/experiments/${d.experiment_id}/results.json">JSON</a> (per variant and per day)</p></section>
<section class="card" aria-labelledby="goals-title"><h2 id="goals-title">Secondary goals</h2>${secondaryGoals(d)}</section>
${metrics(m)}
${qaLinks(m)}
<section class="card" aria-labelledby="config-title"><h2 id="config-title">Configuration</h2>${configuration(m.record, ctx.clock)}</section>
<section class="card" aria-labelledby="activity-title"><h2 id="activity-title">Activity</h2>${activity(ctx, m.log)}</section>`,
  );
}
