// Holdouts, read in the pages: the list, and each holdout's dashboard, which compares the visitors it
// held out with those exposed to the experiments it covers, on each of its goals (docs/audiences.md,
// "Holdouts"). Writing them (holdout-editor.ts, and the delete form here) needs `holdouts.manage`,
// Administrators' by default; the list and the dashboards are for anyone who may see dashboards.
import type { HoldoutRecord } from "../../../core/holdout-schema.ts";
import type { HoldoutDashboard } from "../../holdout-dashboard.ts";
import { esc, eventWords, num, scrollBox, signedPct, stateBadge, timeTag } from "../html.ts";
import { analysisTable } from "./dashboard/results.ts";
import { csrfField, layout, type PageContext } from "./layout.ts";

const covers = (layer: string | null) => (layer === null ? "every experiment" : `the experiments of layer <code>${esc(layer)}</code>`);

export function holdoutListPage(ctx: PageContext, rows: readonly HoldoutRecord[]): string {
  const body = rows
    .map(
      (h) =>
        `<tr><td data-label="Holdout"><div><a href="${ctx.base}/holdouts/${h.id}">${esc(h.name)}</a><div class="muted">${esc(h.slug)}</div></div></td><td data-label="Held out"><div>${h.percent}%</div></td><td data-label="Covers"><div>${covers(
          h.layer,
        )}</div></td><td data-label="Goals"><div>${h.goals.length === 0 ? '<span class="muted">none</span>' : h.goals.map(eventWords).join("; ")}</div></td><td data-label="Created"><div>${timeTag(
          h.created_at,
          ctx.clock,
          false,
        )}</div></td></tr>`,
    )
    .join("\n");
  return layout(
    ctx,
    "Holdouts",
    `<div class="title-row"><h1>Holdouts</h1>${ctx.can("holdouts.manage") ? `<a class="button" href="${ctx.base}/holdouts/new">+ New holdout</a>` : ""}</div>
<p class="hint">A holdout keeps a share of visitors out of every experiment it covers, to measure the combined effect of what was shipped. Create one before the experiments it is to cover.</p>
${scrollBox(
  "Holdouts",
  `<table class="list holdouts"><thead><tr><th scope="col">Holdout</th><th scope="col">Held out</th><th scope="col">Covers</th><th scope="col">Goals</th><th scope="col">Created</th></tr></thead><tbody>
${rows.length === 0 ? '<tr><td colspan="5" class="muted">No holdouts.</td></tr>' : body}
</tbody></table>`,
)}`,
  );
}

/** The goal's result in a sentence: the exposed arm against the held one. */
function effectWords(g: HoldoutDashboard["goals"][number]): string {
  const a = g.analysis;
  if (a === null) return "Nothing to compare.";
  const lift = a.comparisons[0]?.relative_lift;
  if (a.outcome.winner === "exposed")
    return `What was shipped helps: the exposed visitors convert ${signedPct(lift)} against those held out.`;
  if (a.outcome.winner === "held") return `What was shipped hurts: the exposed visitors convert ${signedPct(lift)} against those held out.`;
  return "No significant difference between the exposed visitors and those held out yet.";
}

export function holdoutDashboardPage(ctx: PageContext, d: HoldoutDashboard, error: string | null = null): string {
  const arms = [
    { slug: "held", label: "Held out (the site as is)" },
    { slug: "exposed", label: "Exposed to the covered experiments" },
  ];
  const goals =
    d.goals.length === 0
      ? '<p class="muted">This holdout has no goals: its visitors are counted but no conversion is compared.</p>'
      : d.goals
          .map(
            (g) =>
              `<div class="goal"><h3>${eventWords(g.goal)}</h3><p class="outcome">${effectWords(g)}</p>${
                g.analysis === null
                  ? `<p class="muted">Conversions: ${num(g.conversions.held)} held out, ${num(g.conversions.exposed)} exposed.</p>`
                  : analysisTable(g.analysis, arms, `${d.name}: ${eventWords(g.goal)}`)
              }</div>`,
          )
          .join("\n");
  const covered =
    d.covered_experiments.length === 0
      ? '<p class="muted">No experiment is covered yet.</p>'
      : `<ul>${d.covered_experiments
          .map(
            (e) =>
              `<li><a href="${ctx.base}/experiments/${e.id}">${esc(e.name)}</a> ${stateBadge(e.lifecycle_state)}${
                e.shipped_variant_slug === null ? "" : ` <span class="muted">shipped ${esc(e.shipped_variant_slug)}</span>`
              }</li>`,
          )
          .join("")}</ul>`;
  return layout(
    ctx,
    d.name,
    `<p class="crumbs"><a href="${ctx.base}/holdouts/">Holdouts</a> › ${esc(d.name)}</p>
<h1>${esc(d.name)}</h1>
<p class="muted">${esc(d.slug)} · holds out ${d.percent}% of visitors from ${covers(d.layer)} · counting period ${d.epoch + 1}</p>
${error === null ? "" : `<p class="error" role="alert">${esc(error)}</p>`}${
  ctx.can("holdouts.manage")
    ? `<div class="actions" role="group" aria-label="Holdout actions"><a class="button secondary" href="${ctx.base}/holdouts/${d.holdout_id}/edit">Edit</a><form method="post" action="${ctx.base}/holdouts/${d.holdout_id}/delete" class="inline">${csrfField(ctx)}<span class="check"><input type="checkbox" id="confirm-delete" name="confirmed" value="yes"><label for="confirm-delete">Delete it with its counts</label></span> <button class="danger">Delete holdout</button></form></div>`
    : ""
}
${d.warnings.map((w) => `<p class="warning">⚠ ${esc(w.message[0]?.toUpperCase() ?? "")}${esc(w.message.slice(1))}.</p>`).join("")}
<section class="card" aria-labelledby="arms-title"><h2 id="arms-title">Visitors</h2><dl class="facts">${d.arms
      .map(
        (a) =>
          `<div><dt>${a.arm === "held" ? "Held out" : "Exposed"}</dt><dd>${num(a.sample)} <span class="muted">(${a.traffic_share}% expected)</span></dd></div>`,
      )
      .join("")}</dl></section>
<section class="card" aria-labelledby="hgoals-title"><h2 id="hgoals-title">Goals</h2>${goals}</section>
<section class="card" aria-labelledby="covered-title"><h2 id="covered-title">Experiments it covers</h2>${covered}</section>`,
  );
}
