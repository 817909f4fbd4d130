// The result archive: concluded and archived experiments with their result as it stood at the
// conclusion: per variant the sample, conversions, rate with its interval and lift; the shipped
// variant with its label, the override reason, the decision record. Search, sort and paging.
import type { ListQuery } from "../../../core/list-query.ts";
import type { ExperimentRecord } from "../../../core/schema.ts";
import type { Dashboard } from "../../service.ts";
import { esc, stateBadge, timeTag } from "../html.ts";
import { analysisTable, lookLine, outcomeWords } from "./dashboard/results.ts";
import { layout, type PageContext } from "./layout.ts";

export interface ArchiveEntry {
  readonly record: ExperimentRecord;
  readonly dashboard: Dashboard;
}

/** An archived experiment whose run-data cannot be read: its record and the reason, in words. */
export interface UnavailableEntry {
  readonly record: ExperimentRecord;
  readonly error: string;
}

function unavailableEntry(ctx: PageContext, { record: r, error }: UnavailableEntry): string {
  return `<article class="card archived" aria-labelledby="arc-${r.id}"><div class="title-row"><h2 id="arc-${r.id}"><a href="${ctx.base}/experiments/${r.id}">${esc(r.name)}</a></h2>${stateBadge(r.lifecycle_state)}</div>
<p class="muted">${esc(r.slug)} · <code>${esc(r.target_page)}</code> · concluded ${timeTag(r.concluded_at, ctx.clock, false)}</p>
<p class="warning run-data-unavailable" role="alert">⚠ ${esc(error)}. Its figures cannot be shown until its run-data answers again; nothing has been lost.</p></article>`;
}

const SORTS: Array<[ListQuery["sort"], string]> = [
  ["concluded", "Concluded"],
  ["name", "Name"],
  ["sample", "Sample"],
  ["outcome", "Outcome"],
  ["days", "Days run"],
];

function entry(ctx: PageContext, { record: r, dashboard: d }: ArchiveEntry): string {
  const a = d.conclusion?.analysis ?? d.analysis;
  const shipped = r.variants.find((v) => v.slug === r.shipped_variant_slug);
  const days =
    r.started_at === null
      ? null
      : Math.max(
          0,
          Math.floor((Date.parse(r.concluded_at ?? new Date(ctx.clock.now).toISOString()) - Date.parse(r.started_at)) / 86_400_000),
        );
  const dr = r.decision_record;
  return `<article class="card archived" aria-labelledby="arc-${r.id}"><div class="title-row"><h2 id="arc-${r.id}"><a href="${ctx.base}/experiments/${r.id}">${esc(r.name)}</a></h2>${stateBadge(r.lifecycle_state)}</div>
<p class="muted">${esc(r.slug)} · <code>${esc(r.target_page)}</code> · concluded ${timeTag(r.concluded_at, ctx.clock, false)}${days === null ? "" : ` after ${days} day${days === 1 ? "" : "s"}`}</p>
<p>Shipped: ${shipped === undefined ? "<strong>nothing</strong> (everyone gets the control)" : `<strong class="shipped">${esc(shipped.slug)}: ${esc(shipped.label)}</strong>`} · ${outcomeWords(a, true)}</p>
${r.significance_override_reason === null ? "" : `<p class="warning">Concluded before the minimum sample (statistically unsupported). Reason: <span class="override-reason">${esc(r.significance_override_reason)}</span></p>`}
${analysisTable(a, r.variants, `Result of ${r.name}`)}${lookLine(d, ctx.clock)}
${
  dr === null
    ? ""
    : `<dl class="decision-record"><dt>Key learning</dt><dd>${esc(dr.key_learning) || "—"}</dd><dt>Decision</dt><dd>${esc(dr.decision) || "—"}</dd><dt>Follow-up</dt><dd>${esc(dr.follow_up) || "—"}</dd></dl>`
}
<p class="muted">Export: <a href="${ctx.base}/experiments/${r.id}/results.csv">CSV</a> · <a href="${ctx.base}/experiments/${r.id}/results.json">JSON</a></p></article>`;
}

export function archivePage(ctx: PageContext, q: ListQuery, entries: readonly (ArchiveEntry | UnavailableEntry)[], total: number): string {
  const link = (over: Partial<ListQuery>) => {
    const p = { ...q, ...over };
    return `${ctx.base}/experiments/archive?${new URLSearchParams({ q: p.q, sort: p.sort, order: p.order, page: String(p.page), per_page: String(p.per_page) })}`;
  };
  const pages = Math.max(1, Math.ceil(total / q.per_page));
  return layout(
    ctx,
    "Result archive",
    `<h1>Result archive</h1>
<form method="get" action="${ctx.base}/experiments/archive" class="filters card" role="search"><div class="field grow"><label for="q">Search</label><input id="q" name="q" value="${esc(q.q)}" placeholder="Name, slug or target page"></div>
<div class="field"><label for="sort">Sort by</label><select id="sort" name="sort">${SORTS.map(([v, w]) => `<option value="${v}"${v === q.sort ? " selected" : ""}>${w}</option>`).join("")}</select></div>
<div class="field"><label for="order">Order</label><select id="order" name="order"><option value="desc"${q.order === "desc" ? " selected" : ""}>Newest / highest first</option><option value="asc"${q.order === "asc" ? " selected" : ""}>Oldest / lowest first</option></select></div>
<div class="field"><label for="per-page">Per page</label><select id="per-page" name="per_page">${[5, 10, 20, 50].map((n) => `<option value="${n}"${n === q.per_page ? " selected" : ""}>${n}</option>`).join("")}</select></div>
<button>Show</button></form>
${entries.length === 0 ? `<p class="muted card">${q.q === "" ? "Nothing concluded yet." : "No concluded experiment matches."}</p>` : entries.map((e) => ("error" in e ? unavailableEntry(ctx, e) : entry(ctx, e))).join("\n")}
<nav class="pager" aria-label="Pages">${total} concluded experiment${total === 1 ? "" : "s"} · page ${q.page} of ${pages} ${
      q.page > 1 ? `<a href="${esc(link({ page: q.page - 1 }))}">← previous</a>` : ""
    } ${q.page < pages ? `<a href="${esc(link({ page: q.page + 1 }))}">next →</a>` : ""}</nav>`,
  );
}
