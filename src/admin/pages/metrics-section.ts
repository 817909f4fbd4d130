// The dashboard's metrics sections as HTML (docs/metrics.md): each value goal's revenue per visitor,
// the guardrails with the breaker's state, the origin's answers per variant, and the ledger of requests
// not counted (placed beside the sample-ratio check). One call from the dashboard view; no script.
import type { MetricsSections } from "../dashboard-metrics.ts";
import { esc } from "./charts.ts";

/** What the sections read of the dashboard (buildDashboard's answer has these fields). */
export type Sections = Pick<MetricsSections, "value_goals" | "guardrails" | "origin" | "not_counted">;

const money = (x: number | null) => (x === null ? "—" : x.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const pct = (x: number | null, d = 2) => (x === null ? "—" : `${(100 * x).toFixed(d)}%`);
const num = (x: number | null, d = 1) => (x === null ? "—" : x.toFixed(d));

function valueGoals(m: Sections): string {
  return m.value_goals
    .map((g) => {
      const a = g.analysis;
      const name = g.goal.type === "custom" ? g.goal.name : g.goal.path;
      const rows = a.variants
        .map((v, i) => {
          const c = i === 0 ? undefined : a.comparisons[i - 1];
          return `<tr><td>${esc(v.slug)}</td><td>${v.sample.toLocaleString("en")}</td><td>${money(v.sum)}</td><td>${money(v.mean)} <span class="muted">(${money(v.ci_low)}–${money(v.ci_high)})</span></td><td>${c === undefined ? "control" : `${money(c.absolute_diff)} <span class="muted">(${pct(c.relative_lift, 1)})</span>`}</td><td>${c === undefined ? "" : c.always_valid_p_value === null ? "—" : c.always_valid_p_value.toFixed(4)}</td></tr>`;
        })
        .join("");
      return `<section class="value-goal"><h2>Value per visitor: ${esc(name)}${g.primary ? " (primary goal)" : ""}</h2>
<p class="muted">Sum of each visitor's ${esc(name)} values${a.cap === null ? "" : `, each visitor counted up to ${money(a.cap)}`}, over the whole sample. Outcome <strong>${esc(a.outcome.state)}</strong>.</p>
<table class="list"><thead><tr><th>Variant</th><th>Sample</th><th>Sum</th><th>Mean (95% CI)</th><th>Difference (lift)</th><th>Always-valid p</th></tr></thead><tbody>${rows}</tbody></table></section>`;
    })
    .join("\n");
}

function guardrails(m: Sections): string {
  if (m.guardrails.checks.length === 0 && m.guardrails.stopped.length === 0) return "";
  const rows = m.guardrails.checks
    .map((c) => {
      const what = c.metric === "goal" ? `goal ${c.goal ?? ""}` : c.metric;
      return `<tr><td>${esc(what)}</td><td>${esc(c.variant)}</td><td>${num(c.degradation, 4)}</td><td>${num(c.cs_low, 4)} to ${num(c.cs_high, 4)}</td><td>${c.max_degradation}</td><td>${c.breached ? "<strong>breached</strong>" : "ok"}</td></tr>`;
    })
    .join("");
  const stopped = m.guardrails.stopped
    .map((s) => `<li><strong>${esc(s.slug)}</strong> stopped at <time>${esc(s.at)}</time>: ${esc(s.detail)}</li>`)
    .join("");
  return `<section class="guardrails"><h2>Guardrails</h2>
${stopped === "" ? "" : `<ul class="stopped">${stopped}</ul>`}
<table class="list"><thead><tr><th>Guardrail</th><th>Variant</th><th>Worse by</th><th>Always-valid sequence</th><th>Allowed</th><th>State</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function origin(m: Sections): string {
  if (m.origin.every((o) => o.responses === 0)) return "";
  const rows = m.origin
    .map(
      (o) =>
        `<tr><td>${esc(o.variant)}</td><td>${o.responses.toLocaleString("en")}</td><td>${o.status_4xx.toLocaleString("en")}</td><td>${o.status_5xx.toLocaleString("en")}</td><td>${pct(o.error_rate)}</td><td>${num(o.mean_latency_ms)}</td></tr>`,
    )
    .join("");
  return `<section class="origin"><h2>Origin answers</h2><table class="list"><thead><tr><th>Variant</th><th>Responses</th><th>4xx</th><th>5xx</th><th>Error rate</th><th>Mean ms to headers</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** The ledger, for beside the sample-ratio check. */
export function ledgerSection(m: Sections): string {
  const l = m.not_counted;
  if (l.total === 0) return `<p class="muted ledger">Not counted: nothing.</p>`;
  const rows = Object.entries(l.by_variant)
    .flatMap(([variant, reasons]) =>
      Object.entries(reasons).map(
        ([reason, n]) =>
          `<tr><td>${variant === "" ? "—" : esc(variant)}</td><td>${esc(reason.replaceAll("_", " "))}</td><td>${n.toLocaleString("en")}</td></tr>`,
      ),
    )
    .join("");
  return `<section class="ledger"><h2>Not counted (${l.total.toLocaleString("en")})</h2><table class="list"><thead><tr><th>Variant</th><th>Why</th><th>Requests</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** Every metrics section, in the order the dashboard shows them. */
export function metricsSection(m: Sections): string {
  return [valueGoals(m), guardrails(m), origin(m), ledgerSection(m)].filter((s) => s !== "").join("\n");
}
