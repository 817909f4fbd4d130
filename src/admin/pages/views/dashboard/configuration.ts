// The configuration as it stands, read-only: what a Viewer sees instead of the editor, and what anyone
// checks before a decision. Variants with their pages and overrides, who enters, the goals, notes.
import type { ExperimentRecord } from "../../../../core/schema.ts";
import { type Clock, esc, eventWords, scrollBox } from "../../html.ts";
import { formatOverrides } from "../editor/variants.ts";
import { whoEntersFacts } from "./who-enters.ts";

export function configuration(r: ExperimentRecord, clock: Clock): string {
  const variants = scrollBox(
    "Variants as configured",
    `<table class="list"><thead><tr><th scope="col">Variant</th><th scope="col">Label</th><th scope="col">Page</th><th scope="col">Share</th><th scope="col">Inline overrides</th></tr></thead><tbody>${r.variants
      .map(
        (v, i) =>
          `<tr><th scope="row">${esc(v.slug)}${i === 0 ? ' <span class="muted">control</span>' : ""}</th><td>${esc(v.label)}</td><td><code>${esc(v.page ?? r.target_page)}</code></td><td>${v.traffic_share}%</td><td>${
            v.overrides === undefined || v.overrides.length === 0
              ? '<span class="muted">none</span>'
              : `<pre>${esc(formatOverrides(v.overrides))}</pre>`
          }</td></tr>`,
      )
      .join("")}</tbody></table>`,
  );
  const goals = r.secondary_goals.length === 0 ? "none" : r.secondary_goals.map(eventWords).join("; ");
  return `${variants}<dl class="facts">${whoEntersFacts(r, clock)}<div><dt>Secondary goals</dt><dd>${goals}</dd></div><div><dt>Script overrides</dt><dd>${
    r.allow_script_overrides ? "allowed" : "not allowed"
  }</dd></div><div class="wide"><dt>Notes</dt><dd>${r.notes === "" ? '<span class="muted">none</span>' : esc(r.notes).replace(/\n/g, "<br>")}</dd></div></dl>`;
}
