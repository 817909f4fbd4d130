// The experiment list: search, state and page-size filters, every column sortable, and per row the
// gate (minimum sample) and the outcome apart, the days running, and the actions the role allows in
// the row's state, and what is scheduled. The table scrolls inside its card on a narrow screen, never the page.

import { ACTION_CAPABILITY, type Action, editCapability, transition } from "../../../core/lifecycle.ts";
import type { ListQuery } from "../../../core/list-query.ts";
import type { ListRow } from "../../service.ts";
import { date, esc, num, scrollBox, signedPct, stateBadge, timeTag } from "../html.ts";
import { csrfField, layout, type PageContext } from "./layout.ts";

const PER_PAGE = [10, 20, 50, 100];
const ROW_ACTIONS: readonly Action[] = ["start", "pause", "resume", "archive", "restore"];
const ACTION_LABELS: Record<string, string> = { start: "Start", pause: "Pause", resume: "Resume", archive: "Archive", restore: "Restore" };

function gateCell(r: ListRow): string {
  const s = r.summary;
  if (s.gate === null) return '<span class="muted">not started</span>';
  if (s.gate === "override") return "Overridden";
  if (s.gate === "reached") return "Minimum sample reached";
  return `${Math.floor((s.gate_progress ?? 0) * 100)}% of the minimum sample`;
}

function outcomeCell(r: ListRow): string {
  const s = r.summary;
  if (s.outcome === null) return '<span class="muted">—</span>';
  const lead = s.leading;
  const leadWords =
    lead === null
      ? ""
      : lead.variant === r.variants[0]?.slug
        ? `${esc(lead.variant)} (control) leads`
        : `${esc(lead.variant)} leads, ${signedPct(lead.relative_lift)}`;
  if (s.outcome.winner !== null) {
    const w = s.outcome.winner;
    const lift = lead !== null && lead.variant === w ? ` ${signedPct(lead.relative_lift)}` : "";
    return `<strong class="win">Winner: ${esc(w)}${lift}</strong>${r.shipped_variant_slug === null ? "" : `<div class="muted">shipped ${esc(r.shipped_variant_slug)}</div>`}`;
  }
  const concluded = r.lifecycle_state === "done" || r.lifecycle_state === "archived";
  const main = concluded
    ? "Inconclusive"
    : s.needs_visitors !== null && s.needs_visitors > 0
      ? `Needs ~${num(s.needs_visitors)} more visitors`
      : lead === null
        ? "No visitors yet"
        : "No significant difference yet";
  const shipped = r.shipped_variant_slug === null ? "" : `<div class="muted">shipped ${esc(r.shipped_variant_slug)}</div>`;
  return `${main}${leadWords === "" ? "" : `<div class="muted">${leadWords}</div>`}${shipped}`;
}

/** What the catalog's alarm will do to the row, and when (docs/audiences.md, schedules). */
function scheduleLine(ctx: PageContext, r: ListRow): string {
  const parts = [
    r.scheduled_start_at === null
      ? null
      : `${r.lifecycle_state === "paused" ? "resumes" : "starts"} ${timeTag(r.scheduled_start_at, ctx.clock, false)}`,
    r.scheduled_end_at === null ? null : `pauses ${timeTag(r.scheduled_end_at, ctx.clock, false)}`,
  ].filter((p) => p !== null);
  return parts.length === 0 ? "" : `<div class="scheduled">🕒 Scheduled: ${parts.join(", ")}</div>`;
}

function rowActions(ctx: PageContext, r: ListRow, back: string): string {
  const out: string[] = [`<a href="${ctx.base}/experiments/${r.id}">Dashboard</a>`];
  const state = r.lifecycle_state;
  if ((state === "draft" || state === "live" || state === "paused") && ctx.can(editCapability(state)))
    out.push(`<a href="${ctx.base}/experiments/${r.id}/edit">Edit</a>`);
  if ((state === "live" || state === "paused") && (ctx.can("experiments.conclude") || ctx.can("experiments.override")))
    out.push(`<a href="${ctx.base}/experiments/${r.id}#decision">Conclude…</a>`);
  for (const a of ROW_ACTIONS) {
    if (!transition(state, a, null).ok || !ctx.can(ACTION_CAPABILITY[a])) continue;
    out.push(
      `<form method="post" action="${ctx.base}/experiments/${r.id}/${a}" class="inline">${csrfField(ctx)}<input type="hidden" name="back" value="${esc(back)}"><button class="link" aria-label="${esc(ACTION_LABELS[a] ?? a)} ${esc(r.name)}">${esc(ACTION_LABELS[a] ?? a)}</button></form>`,
    );
  }
  if (state === "archived" && ctx.can("experiments.delete"))
    out.push(`<a class="danger-text" href="${ctx.base}/experiments/${r.id}/delete">Delete…</a>`);
  return `<div class="row-actions">${out.join("")}</div>`;
}

export function listPage(ctx: PageContext, q: ListQuery, rows: readonly ListRow[], total: number): string {
  const link = (over: Partial<ListQuery>) => {
    const p = { ...q, ...over };
    return `${ctx.base}/experiments/?${new URLSearchParams({ q: p.q, state: p.state, sort: p.sort, order: p.order, page: String(p.page), per_page: String(p.per_page) })}`;
  };
  const here = link({});
  const sortable = (key: ListQuery["sort"], label: string) => {
    const active = q.sort === key;
    const next = active && q.order === "asc" ? "desc" : "asc";
    return `<th scope="col"${active ? ` aria-sort="${q.order === "asc" ? "ascending" : "descending"}"` : ""}><a href="${esc(link({ sort: key, order: next, page: 1 }))}">${label}${
      active ? (q.order === "asc" ? " ▲" : " ▼") : ""
    }<span class="visually-hidden">, sort ${next === "asc" ? "ascending" : "descending"}</span></a></th>`;
  };
  const pages = Math.max(1, Math.ceil(total / q.per_page));
  const states: Array<[string, string]> = [
    ["", "All but archived"],
    ["draft", "Draft"],
    ["live", "Live"],
    ["paused", "Paused"],
    ["done", "Done"],
    ["archived", "Archived"],
  ];
  const body = rows
    .map(
      (r) =>
        // data-label: on a narrow screen each row folds into a card and every cell names its column.
        `<tr><td data-label="Experiment"><div><a href="${ctx.base}/experiments/${r.id}">${esc(r.name)}</a><div class="muted">${esc(r.slug)} · <code>${esc(r.target_page)}</code></div>${
          r.reminder ? `<div class="reminder">⏰ move ${esc(r.shipped_variant_slug ?? "")} into the site and archive</div>` : ""
        }${scheduleLine(ctx, r)}</div></td><td data-label="Variants"><div>${r.variants.length}<div class="muted">${r.variants.map((v) => esc(v.slug)).join(" | ")}</div></div></td><td data-label="Sample"><div>${num(r.sample)}</div></td><td data-label="Minimum sample"><div>${gateCell(r)}</div></td><td data-label="Outcome"><div>${outcomeCell(r)}</div></td><td data-label="Days running"><div>${
          r.summary.days_running === null ? "—" : num(r.summary.days_running)
        }</div></td><td data-label="State"><div>${stateBadge(r.lifecycle_state)}</div></td><td data-label="Created"><div>${esc(date(r.created_at, ctx.clock))}</div></td><td data-label="Actions"><div>${rowActions(ctx, r, here)}</div></td></tr>`,
    )
    .join("\n");
  return layout(
    ctx,
    "Experiments",
    `<div class="title-row"><h1>Experiments</h1>${ctx.can("experiments.create") ? `<a class="button" href="${ctx.base}/experiments/new">+ New experiment</a>` : ""}</div>
<form method="get" action="${ctx.base}/experiments/" class="filters card" role="search"><div class="field grow"><label for="q">Search</label><input id="q" name="q" value="${esc(q.q)}" placeholder="Name, slug or target page"></div>
<div class="field"><label for="state">State</label><select id="state" name="state">${states.map(([v, w]) => `<option value="${v}"${v === q.state ? " selected" : ""}>${w}</option>`).join("")}</select></div>
<div class="field"><label for="per-page">Per page</label><select id="per-page" name="per_page">${PER_PAGE.map((n) => `<option value="${n}"${n === q.per_page ? " selected" : ""}>${n}</option>`).join("")}</select></div>
<input type="hidden" name="sort" value="${esc(q.sort)}"><input type="hidden" name="order" value="${esc(q.order)}"><button>Filter</button></form>
<p class="sort-hint">Sort by:</p>${scrollBox(
      "Experiments",
      `<table class="list experiments"><thead><tr>${sortable("name", "Experiment")}${sortable("variants", "Variants")}${sortable("sample", "Sample")}${sortable("gate", "Minimum sample")}${sortable("outcome", "Outcome")}${sortable("days", "Days running")}${sortable("state", "State")}${sortable("created", "Created")}<th scope="col">Actions</th></tr></thead><tbody>
${rows.length === 0 ? `<tr><td colspan="9" class="muted">No experiments match.</td></tr>` : body}
</tbody></table>`,
    )}
<p class="muted">The sample, gate and outcome are as of the last run-data report (every few seconds); the dashboard reads them fresh.</p>
<nav class="pager" aria-label="Pages">${total} experiment${total === 1 ? "" : "s"} · page ${q.page} of ${pages} ${
      q.page > 1 ? `<a href="${esc(link({ page: q.page - 1 }))}">← previous</a>` : ""
    } ${q.page < pages ? `<a href="${esc(link({ page: q.page + 1 }))}">next →</a>` : ""}</nav>`,
  );
}
