// The operators' pages, rendered on the server as plain HTML: no script at all (the CSP forbids it),
// every operator-entered string escaped with `esc`.

import type { AuditEntry } from "../../catalog/audit.ts";
import type { Issue } from "../../core/errors.ts";
import type { Capability } from "../../core/permissions.ts";
import type { PlanAdvice } from "../../core/plan-advice.ts";
import type { ExperimentRecord } from "../../core/schema.ts";
import type { buildDashboard } from "../dashboard.ts";
import { esc, liftChart, rateChart } from "./charts.ts";
import { VARIANT_ROWS } from "./form.ts";
import { metricsFieldsHtml } from "./metrics-fields.ts";
import { metricsSection } from "./metrics-section.ts";

type Dashboard = ReturnType<typeof buildDashboard>;

export interface PageContext {
  base: string;
  operator: { name: string; role: string } | null;
  csrf: string;
}

const pct = (x: number, d = 2) => `${(100 * x).toFixed(d)}%`;

export function layout(ctx: PageContext, title: string, body: string): string {
  const nav =
    ctx.operator === null
      ? ""
      : `<nav><a href="${ctx.base}/experiments/">Experiments</a><a href="${ctx.base}/experiments/archive">Result archive</a><a href="${ctx.base}/experiments/new">New experiment</a>
<form method="post" action="${ctx.base}/logout" class="inline"><input type="hidden" name="csrf" value="${esc(ctx.csrf)}"><span class="who">${esc(ctx.operator.name)} (${esc(ctx.operator.role)})</span> <button>Sign out</button></form></nav>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · sgen-ab</title><link rel="stylesheet" href="${ctx.base}/assets/admin.css"></head>
<body><header><strong>sgen-ab</strong>${nav}</header><main>${body}</main></body></html>`;
}

export function loginPage(ctx: PageContext, error: string | null): string {
  return layout(
    ctx,
    "Sign in",
    `<h1>Sign in</h1>${error === null ? "" : `<p class="error">${esc(error)}</p>`}
<form method="post" action="${ctx.base}/login" class="card narrow"><label>Operator token <input name="token" type="password" autocomplete="current-password" required></label><button>Sign in</button></form>`,
  );
}

const stateBadge = (s: string) => `<span class="badge ${esc(s)}">${esc(s)}</span>`;

export function listPage(
  ctx: PageContext,
  q: { q: string; state: string; sort: string; order: string; page: number; per_page: number },
  rows: Array<ExperimentRecord & { sample: number; gate: string; reminder?: string | null }>,
  total: number,
  canCreate: boolean,
): string {
  const link = (over: Partial<typeof q>) => {
    const p = { ...q, ...over };
    return `${ctx.base}/experiments/?${new URLSearchParams({ q: p.q, state: p.state, sort: p.sort, order: p.order, page: String(p.page), per_page: String(p.per_page) })}`;
  };
  const sortable = (key: string, label: string) =>
    `<a href="${esc(link({ sort: key, order: q.sort === key && q.order === "asc" ? "desc" : "asc", page: 1 }))}">${label}${q.sort === key ? (q.order === "asc" ? " ▲" : " ▼") : ""}</a>`;
  const pages = Math.max(1, Math.ceil(total / q.per_page));
  return layout(
    ctx,
    "Experiments",
    `<h1>Experiments ${canCreate ? `<a class="button" href="${ctx.base}/experiments/new">+ New experiment</a>` : ""}</h1>
<form method="get" action="${ctx.base}/experiments/" class="filters"><input name="q" value="${esc(q.q)}" placeholder="Search name or target page">
<select name="state">${["", "draft", "live", "paused", "done", "archived"].map((s) => `<option value="${s}"${s === q.state ? " selected" : ""}>${s === "" ? "all but archived" : s}</option>`).join("")}</select>
<input type="hidden" name="sort" value="${esc(q.sort)}"><input type="hidden" name="order" value="${esc(q.order)}"><button>Filter</button></form>
<table class="list"><thead><tr><th>${sortable("name", "Experiment")}</th><th>Variants</th><th>${sortable("sample", "Sample")}</th><th>Significance</th><th>${sortable("state", "State")}</th><th>${sortable("created", "Created")}</th></tr></thead><tbody>
${
  rows.length === 0
    ? `<tr><td colspan="6" class="muted">No experiments match.</td></tr>`
    : rows
        .map(
          (r) =>
            `<tr><td><a href="${ctx.base}/experiments/${r.id}">${esc(r.name)}</a><div class="muted">${esc(r.slug)} · ${esc(r.target_page)}</div>${r.reminder ? `<div class="reminder">⏰ move ${esc(r.shipped_variant_slug ?? "")} into the site and archive</div>` : ""}</td><td>${r.variants.map((v) => esc(v.slug)).join(" | ")}</td><td>${r.sample.toLocaleString("en")}</td><td>${esc(r.gate)}</td><td>${stateBadge(r.lifecycle_state)}</td><td>${esc(r.created_at.slice(0, 10))}</td></tr>`,
        )
        .join("\n")
}
</tbody></table>
<p class="pager">${total} experiment${total === 1 ? "" : "s"} · page ${q.page} of ${pages} ${q.page > 1 ? `<a href="${esc(link({ page: q.page - 1 }))}">← previous</a>` : ""} ${q.page < pages ? `<a href="${esc(link({ page: q.page + 1 }))}">next →</a>` : ""}</p>`,
  );
}

const field = (f: Record<string, string>, name: string) => esc(f[name] ?? "");
const select = (name: string, value: string, options: string[]) =>
  `<select name="${name}">${options.map((o) => `<option value="${o}"${o === value ? " selected" : ""}>${o}</option>`).join("")}</select>`;

/** The editor's plan section: the form's values, and the plan (or why there is none) once asked for. */
export interface EditorPlan {
  readonly query: { baseline_rate: string; relative_mde: string; power: string };
  readonly advice: PlanAdvice | null;
  readonly error: string | null;
}

function planSection(ctx: PageContext, id: number, plan: EditorPlan | undefined): string {
  const q = plan?.query ?? { baseline_rate: "", relative_mde: "0.1", power: "0.8" };
  const answer =
    plan === undefined
      ? ""
      : plan.advice !== null
        ? `<p class="plan-advice">${esc(plan.advice.message)}</p><p class="muted">Filled in below: planned sample ${plan.advice.suggested.planned_sample_per_variant.toLocaleString("en")} a variant, and the same as the minimum sample (the gate). Save to keep them.</p>`
        : `<p class="error">${esc(plan.error ?? "no plan")}</p>`;
  return `<form method="get" action="${ctx.base}/experiments/${id}/edit" class="card plan"><h2>Plan</h2>
<div class="grid"><label>Baseline rate <input name="plan_baseline" value="${esc(q.baseline_rate)}" placeholder="the control's rate so far" inputmode="decimal"></label>
<label>Smallest lift to find (relative) <input name="plan_mde" value="${esc(q.relative_mde)}" inputmode="decimal"></label>
<label>Power <input name="plan_power" value="${esc(q.power)}" inputmode="decimal"></label></div>
<button>Plan</button>${answer}</form>`;
}

export function editorPage(
  ctx: PageContext,
  mode: { id: number | null; state: string },
  f: Record<string, string>,
  issues: readonly Issue[],
  message: string | null,
  plan?: EditorPlan,
): string {
  const action = mode.id === null ? `${ctx.base}/experiments/new` : `${ctx.base}/experiments/${mode.id}/edit`;
  const started = mode.id !== null && mode.state !== "draft";
  const rows = Array.from({ length: VARIANT_ROWS }, (_, i) => {
    const n = (k: string) => `variant_${i}_${k}`;
    const preview =
      mode.id !== null && (f[n("slug")] ?? "") !== ""
        ? ` <a href="${ctx.base}/experiments/${mode.id}/preview/${encodeURIComponent(f[n("slug")] ?? "")}" target="_blank" rel="noopener">preview</a>`
        : "";
    return `<tr><td>${i === 0 ? "control" : ""}${preview}</td><td><input name="${n("slug")}" value="${field(f, n("slug"))}" size="8"></td><td><input name="${n("label")}" value="${field(f, n("label"))}"></td><td><input name="${n("page")}" value="${field(f, n("page"))}" placeholder="(the target page)"></td><td><input name="${n("share")}" value="${field(f, n("share"))}" size="6" inputmode="decimal"> %</td></tr>
<tr><td></td><td colspan="4"><textarea name="${n("overrides")}" rows="2" placeholder="overrides, one a line, in order: set_text | h1#headline | New headline · remove | .promo · set_attribute | a.cta | href | /signup">${field(f, n("overrides"))}</textarea></td></tr>`;
  }).join("\n");
  const errors =
    message === null && issues.length === 0
      ? ""
      : `<div class="error">${message === null ? "" : `<p>${esc(message)}</p>`}${issues.length === 0 ? "" : `<ul>${issues.map((i) => `<li><code>${esc(i.path)}</code>: ${esc(i.message)}</li>`).join("")}</ul>`}</div>`;
  return layout(
    ctx,
    mode.id === null ? "New experiment" : "Edit experiment",
    `<h1>${mode.id === null ? "New experiment" : "Edit experiment"}</h1>${errors}
<form method="post" action="${action}" class="card editor"><input type="hidden" name="csrf" value="${esc(ctx.csrf)}">
<label>Name <input name="name" value="${field(f, "name")}" required></label>
<label>Slug <input name="slug" value="${field(f, "slug")}" pattern="[a-z0-9-]{1,64}" required${started ? " readonly" : ""}></label>
<label>Target page <input name="target_page" value="${field(f, "target_page")}" placeholder="/pricing" required${started ? " readonly" : ""}></label>
<fieldset><legend>Variants (traffic shares must sum to 100)</legend><table><thead><tr><th></th><th>Slug</th><th>Label</th><th>Page</th><th>Share</th></tr></thead><tbody>${rows}</tbody></table></fieldset>
<fieldset><legend>Conversion event</legend>${select("conversion_type", f.conversion_type ?? "page_view", ["page_view", "form_submission", "custom"])} <input name="conversion_value" value="${field(f, "conversion_value")}" placeholder="/thanks or event name"${started ? " readonly" : ""}></fieldset>
<label>Secondary goals, one a line (<code>page_view /path</code>, <code>form_submission /path</code>, <code>custom name</code>, <code>custom purchase sum 500</code> for a value goal capped at 500)<textarea name="secondary_goals" rows="3">${field(f, "secondary_goals")}</textarea></label>
${metricsFieldsHtml(f, started)}
<div class="grid"><label>Minimum sample per variant <input name="min_sample_threshold" value="${field(f, "min_sample_threshold")}" inputmode="numeric"></label>
<label>Maximum runtime (days) <input name="max_runtime_days" value="${field(f, "max_runtime_days")}" inputmode="numeric" placeholder="none"></label>
<label>Minimum runtime before automated actions (days) <input name="min_runtime_days" value="${field(f, "min_runtime_days")}" inputmode="numeric" placeholder="7"></label>
<label>Planned sample per variant <input name="planned_sample_per_variant" value="${field(f, "planned_sample_per_variant")}" inputmode="numeric" placeholder="none"></label></div>
<fieldset><legend>Post-test actions</legend><label>With a winner ${select("on_winner", f.on_winner ?? "assign_winner", ["assign_winner", "assign_control", "complete"])}</label>
<label>If inconclusive ${select("on_inconclusive", f.on_inconclusive ?? "keep_running", ["keep_running", "assign_control", "complete"])}</label>
<label>A clear loser, while the rest keep running ${select("on_loser", f.on_loser ?? "keep", ["keep", "send_to_control"])}</label></fieldset>
<label>Notes <textarea name="notes" rows="3">${field(f, "notes")}</textarea></label>
<label class="warn"><input type="checkbox" name="allow_script_overrides"${f.allow_script_overrides === "on" ? " checked" : ""}> Allow overrides beyond the allow-list of safe markup (scripts, event handlers, styles, iframes): Administrators only</label>
${mode.state === "live" || mode.state === "paused" ? `<label class="warn"><input type="checkbox" name="confirm_reset" value="reset"> I understand that changing variants or shares resets the sample to zero</label>` : ""}
<button>${mode.id === null ? "Create experiment" : "Save"}</button></form>${mode.id === null ? "" : planSection(ctx, mode.id, plan)}`,
  );
}

export interface Allowed {
  actions: readonly string[];
  canEdit: boolean;
  canRollout: boolean;
}

const rolloutForm = (ctx: PageContext, id: number, percent: string, label: string) =>
  `<form method="post" action="${ctx.base}/experiments/${id}/rollout" class="inline"><input type="hidden" name="csrf" value="${esc(ctx.csrf)}"><input type="hidden" name="percent" value="${percent}"><button>${esc(label)}</button></form>`;

function decisionBlock(r: { key_learning: string; decision: string; follow_up: string } | null): string {
  if (r === null) return "";
  return `<dl class="decision-record"><dt>Key learning</dt><dd>${esc(r.key_learning) || "—"}</dd><dt>Decision</dt><dd>${esc(r.decision) || "—"}</dd><dt>Follow-up</dt><dd>${esc(r.follow_up) || "—"}</dd></dl>`;
}

export function dashboardPage(
  ctx: PageContext,
  d: Dashboard,
  allowed: Allowed,
  log: readonly AuditEntry[],
  message: string | null,
): string {
  const a = d.analysis;
  const banner =
    d.post_test.applied === null
      ? ""
      : `<div class="banner">Automated post-test action <strong>${esc(d.post_test.applied.action)}</strong> took effect at <time>${esc(d.post_test.applied.at)}</time>: outcome ${esc(d.post_test.applied.outcome.state)}${d.post_test.applied.shipped_variant_slug === null ? "" : `, shipping <strong>${esc(d.post_test.applied.shipped_variant_slug)}</strong>`}.</div>`;
  const warnings = d.warnings.map((w) => `<div class="warning">⚠ ${esc(w.message)}</div>`).join("");
  const srm =
    d.srm.explanation === null
      ? ""
      : `<details class="warning srm" open><summary>What a sample-ratio mismatch means</summary><p>${esc(d.srm.explanation.meaning)}</p><p>Likely causes:</p><ul>${d.srm.explanation.causes.map((c) => `<li>${esc(c)}</li>`).join("")}</ul><p>What to do:</p><ul>${d.srm.explanation.actions.map((c) => `<li>${esc(c)}</li>`).join("")}</ul></details>`;
  const waiting: Record<string, string> = {
    gate: "the minimum sample",
    min_runtime: `the minimum runtime (until ${d.automation.from ?? "the start"})`,
    sample_ratio_mismatch: "a sample without a mismatch (reset to start one)",
  };
  const automation =
    d.automation.waiting_for.length === 0
      ? ""
      : `<p class="muted automation">Automated post-test actions wait for: ${d.automation.waiting_for.map((w) => esc(waiting[w] ?? w)).join(", ")}.</p>`;
  const plan =
    d.plan === null
      ? ""
      : `<p class="muted plan-progress">Plan: ${d.plan.smallest_sample.toLocaleString("en")} of ${d.plan.planned_sample_per_variant.toLocaleString("en")} visitors in the smallest running variant (${Math.floor(d.plan.progress * 100)}%).</p>`;
  const variants = d.variants
    .map((v, i) => {
      const r = a.variants[i];
      const c = i === 0 ? undefined : a.comparisons[i - 1];
      return `<tr><td>${esc(v.slug)}<div class="muted">${esc(v.label)}</div>${v.stopped === null ? "" : `<div class="warning stopped">stopped (${esc(v.stopped.reason)}) ${esc(v.stopped.at.slice(0, 16).replace("T", " "))}: its visitors get the control's page, uncounted; its numbers are as they were</div>`}</td><td>${v.traffic_share}%</td><td>${v.sample.toLocaleString("en")}</td><td>${v.conversions.toLocaleString("en")}</td><td>${r === undefined || r.conversion_rate === null || r.ci_low === null || r.ci_high === null ? "—" : `${pct(r.conversion_rate)} <span class="muted">(${pct(r.ci_low)}–${pct(r.ci_high)})</span>`}</td><td>${c === undefined ? "control" : `${c.relative_lift === null ? "—" : pct(c.relative_lift, 1)}`}</td><td>${c === undefined ? "" : c.always_valid_p_value === null ? "—" : c.always_valid_p_value.toFixed(4)}</td><td>${c === undefined ? "" : c.chance_to_beat_control === null ? "—" : pct(c.chance_to_beat_control, 1)}</td></tr>`;
    })
    .join("\n");
  const actions = allowed.actions
    .map((act) => {
      const shipSelect = `<select name="shipped_variant_slug">${d.variants.map((v) => `<option value="${esc(v.slug)}">${esc(v.slug)}</option>`).join("")}</select>`;
      const decision = `<details class="decision"><summary>decision record</summary><textarea name="key_learning" placeholder="key learning"></textarea><textarea name="decision" placeholder="decision"></textarea><textarea name="follow_up" placeholder="follow-up"></textarea><label>roll out to <input name="rollout_percent" value="100" size="4"> %</label></details>`;
      const extra =
        act === "conclude"
          ? `${shipSelect}${decision}`
          : act === "override"
            ? `${shipSelect} <input name="reason" placeholder="reason (required)" required>${decision}`
            : "";
      return `<form method="post" action="${ctx.base}/experiments/${d.experiment_id}/${act}" class="inline action"><input type="hidden" name="csrf" value="${esc(ctx.csrf)}">${extra}<button class="${act === "delete" ? "danger" : ""}">${esc(act)}</button></form>`;
    })
    .join(" ");
  return layout(
    ctx,
    d.name,
    `<h1>${esc(d.name)} ${stateBadge(d.lifecycle_state)}</h1>
<p class="muted">${esc(d.slug)} · gate <strong class="gate">${esc(d.gate.state)}</strong> (minimum ${d.gate.min_sample_threshold} per variant) · outcome <strong>${esc(a.outcome.state)}${a.outcome.winner === null ? "" : `: ${esc(a.outcome.winner)}`}</strong>${d.shipped_variant_slug === null ? "" : ` · shipped <strong>${esc(d.shipped_variant_slug)}</strong>`}</p>
${message === null ? "" : `<p class="error">${esc(message)}</p>`}${banner}${warnings}${srm}${automation}${plan}
${d.significance_override_reason === null ? "" : `<div class="warning">Concluded before the gate was reached (statistically unsupported). Reason: ${esc(d.significance_override_reason)}</div>`}
<div class="actions">${allowed.canEdit ? `<a class="button" href="${ctx.base}/experiments/${d.experiment_id}/edit">Edit</a> ` : ""}${actions}${
      allowed.canRollout
        ? [10, 50, 100].map((p) => rolloutForm(ctx, d.experiment_id, `${p}`, `roll out ${p}%`)).join(" ") +
          " " +
          rolloutForm(ctx, d.experiment_id, "0", "roll back to control")
        : ""
    }</div>
${d.reminder === null ? "" : `<div class="warning">⏰ ${esc(d.reminder)}</div>`}
${d.lifecycle_state === "done" && d.shipped_variant_slug !== null ? `<p>Rollout: <strong class="rollout">${d.rollout_percent}%</strong> of visitors get ${esc(d.shipped_variant_slug)}, the rest the control.</p>` : ""}
${decisionBlock(d.decision_record)}
<p class="muted">Export results: <a href="${ctx.base}/experiments/${d.experiment_id}/results.csv">CSV</a> · <a href="${ctx.base}/experiments/${d.experiment_id}/results.json">JSON</a></p>
<table class="list"><thead><tr><th>Variant</th><th>Share</th><th>Sample</th><th>Conversions</th><th>Rate (95% CI)</th><th>Lift</th><th>Always-valid p</th><th>Chance to beat control</th></tr></thead><tbody>${variants}</tbody></table>
<section class="charts"><div><h2>Conversion rate</h2>${rateChart(d)}</div><div><h2>Cumulative lift over time</h2>${liftChart(d)}</div></section>
<p class="muted">Analysis as of look ${d.look.number} (${esc(d.look.at.slice(0, 19).replace("T", " "))} UTC, ${d.look.visitors.toLocaleString("en")} visitors${d.look.source === "conclusion" ? ", frozen at conclusion" : d.look.source === "recomputed" ? ", recomputed from the counts kept at conclusion" : d.look.source === "first_look" ? ", before the first report" : ""}). Sample-ratio check p = ${a.srm.p_value.toPrecision(3)} (sequential ${a.srm.sequential_p_value.toPrecision(3)}). Secondary goals: ${d.secondary_goals.length === 0 ? "none" : d.secondary_goals.map((g) => `${esc(g.goal.type === "custom" ? g.goal.name : g.goal.path)} (${esc(g.analysis?.outcome.state ?? "not analysed yet")})`).join(", ")}.</p>
${metricsSection(d)}
<h2>Activity</h2><ul class="log">${log.map((e) => `<li><time>${esc(e.at)}</time> ${esc(e.operator)}: ${esc(e.action)}${e.transition === null ? "" : ` (${e.transition.from === null ? "" : `${esc(e.transition.from)} `}→ ${esc(String(e.transition.to))})`}${e.reason === null ? "" : ` — ${esc(e.reason)}`}</li>`).join("")}</ul>`,
  );
}

export function archivePage(ctx: PageContext, rows: Array<{ record: ExperimentRecord; dashboard: Dashboard }>): string {
  return layout(
    ctx,
    "Result archive",
    `<h1>Result archive</h1><table class="list"><thead><tr><th>Experiment</th><th>State</th><th>Shipped</th><th>Sample</th><th>Outcome</th><th>Concluded</th></tr></thead><tbody>
${
  rows.length === 0
    ? `<tr><td colspan="6" class="muted">Nothing concluded yet.</td></tr>`
    : rows
        .map(
          ({ record: r, dashboard: d }) =>
            `<tr><td><a href="${ctx.base}/experiments/${r.id}">${esc(r.name)}</a><div class="muted">${esc(r.slug)}</div></td><td>${stateBadge(r.lifecycle_state)}</td><td>${esc(r.shipped_variant_slug ?? "—")}</td><td>${d.variants.map((v) => `${esc(v.slug)} ${v.sample}`).join(" · ")}</td><td>${esc(d.analysis.outcome.state)}${d.analysis.outcome.winner === null ? "" : `: ${esc(d.analysis.outcome.winner)}`}${r.significance_override_reason === null ? "" : " (override)"}</td><td>${esc((r.concluded_at ?? "").slice(0, 10))}<div><a href="${ctx.base}/experiments/${r.id}/results.csv">CSV</a></div></td></tr>${r.decision_record === null || r.decision_record === undefined ? "" : `<tr><td colspan="6">${decisionBlock(r.decision_record)}</td></tr>`}`,
        )
        .join("\n")
}</tbody></table>`,
  );
}

export type { Capability };
