// Who enters, read-only, for the dashboard's configuration card: the audience in words, the coverage,
// the layer slice, the schedule and what crawlers get (docs/audiences.md).
import type { ExperimentRecord } from "../../../../core/schema.ts";
import { type Clock, esc, timeTag } from "../../html.ts";
import { OPERATOR_WORDS } from "../audience-words.ts";

/** The audience in words: `country is one of DE, AT and query.utm_source equals spring`. */
export function audienceWords(audience: ExperimentRecord["audience"]): string {
  if (audience === null || audience === undefined) return "everyone";
  const join = audience.match === "any" ? " <em>or</em> " : " <em>and</em> ";
  return audience.conditions
    .map((c) => {
      const values = c.values.length === 0 ? "" : ` ${c.values.map((x) => `<code>${esc(x)}</code>`).join(", ")}`;
      return `<code>${esc(c.attribute)}</code> ${OPERATOR_WORDS[c.operator] ?? esc(c.operator)}${values}`;
    })
    .join(join);
}

export function whoEntersFacts(r: ExperimentRecord, clock: Clock): string {
  const layer = r.layer === null ? "none" : `<code>${esc(r.layer.slug)}</code>, slice [${r.layer.from}, ${r.layer.to}) %`;
  const schedule = [
    r.scheduled_start_at === null ? null : `starts ${timeTag(r.scheduled_start_at, clock)}`,
    r.scheduled_end_at === null ? null : `pauses ${timeTag(r.scheduled_end_at, clock)}`,
  ].filter((x) => x !== null);
  return `<div class="wide"><dt>Audience</dt><dd>${audienceWords(r.audience)}</dd></div><div><dt>Coverage</dt><dd>${r.coverage_percent}% of the audience</dd></div><div><dt>Exclusive layer</dt><dd>${layer}</dd></div><div><dt>Schedule</dt><dd>${
    schedule.length === 0 ? "none" : schedule.join("; ")
  }</dd></div><div><dt>Crawlers</dt><dd>${r.bots === "control" ? "always the control, never counted" : "served like visitors, never counted"}</dd></div>`;
}
