// Export of one experiment's results: per variant (totals and the analysis) and per day, as JSON and CSV.
// The analysis is the one the dashboard shows (dashboard.ts shownLook): the kept look, and for a
// concluded experiment the look that decided it, with the counts it analysed.
import type { RunState } from "../catalog/catalog-object.ts";
import { goalKey } from "../core/goals.ts";
import { type GoalLook, primaryOf } from "../core/run-look.ts";
import { shownLook } from "./dashboard.ts";

export function resultsJson(s: RunState) {
  const r = s.record;
  const primaryKey = goalKey(r.conversion_event);
  const shown = shownLook(s);
  const primary = primaryOf(r, shown.look) as GoalLook;
  const counts = shown.counts;
  const days = Object.keys(counts.daily).sort();
  const look = { number: shown.look.look, at: shown.look.at, visitors: shown.look.visitors, source: shown.source };
  const concluded = shown.source === "conclusion" || shown.source === "recomputed";
  return {
    experiment: r,
    epoch: s.epoch,
    analysis: primary.analysis,
    look,
    analysis_at_conclusion:
      s.conclusion === null || !concluded
        ? null
        : {
            at: s.conclusion.at,
            source: shown.source,
            look,
            analysis: primary.analysis,
            state: primary.state,
            secondary_goals: r.secondary_goals.map((goal) => ({ goal, analysis: shown.look.goals[goalKey(goal)]?.analysis ?? null })),
          },
    variants: r.variants.map((v) => ({
      slug: v.slug,
      sample: counts.samples[v.slug] ?? 0,
      conversions: counts.conversions[primaryKey]?.[v.slug] ?? 0,
    })),
    daily: days.flatMap((day) =>
      r.variants.map((v) => ({
        day,
        variant: v.slug,
        sample: counts.daily[day]?.[""]?.[v.slug] ?? 0,
        conversions: counts.daily[day]?.[primaryKey]?.[v.slug] ?? 0,
      })),
    ),
  };
}

const cell = (v: string | number): string => {
  const text = String(v);
  // Quote what needs it; a leading = + - @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const num = (v: number | null | undefined, digits = 6): string => (v === null || v === undefined ? "" : v.toPrecision(digits));

/** Columns after the counts: the primary goal's analysis on each variant's total row (empty for the control and the daily rows). */
const ANALYSIS_COLUMNS = ["relative_lift", "p_value", "always_valid_p_value", "chance_to_beat_control", "outcome", "look"];

export function resultsCsv(s: RunState): string {
  const j = resultsJson(s);
  const lines = [["scope", "day", "variant", "sample", "conversions", "conversion_rate", ...ANALYSIS_COLUMNS].join(",")];
  const outcome = j.analysis.outcome;
  for (const v of j.variants) {
    const c = j.analysis.comparisons.find((x) => x.variant === v.slug);
    const verdict = outcome.winner === v.slug ? "winner" : outcome.losers.includes(v.slug) ? "loser" : "";
    lines.push(
      [
        "total",
        "",
        cell(v.slug),
        v.sample,
        v.conversions,
        v.sample === 0 ? "" : (v.conversions / v.sample).toFixed(6),
        num(c?.relative_lift),
        num(c?.p_value),
        num(c?.always_valid_p_value),
        num(c?.chance_to_beat_control),
        verdict,
        `${j.look.number}`,
      ].join(","),
    );
  }
  for (const d of j.daily)
    lines.push(
      [
        "day",
        d.day,
        cell(d.variant),
        d.sample,
        d.conversions,
        d.sample === 0 ? "" : (d.conversions / d.sample).toFixed(6),
        ...ANALYSIS_COLUMNS.map(() => ""),
      ].join(","),
    );
  return `${lines.join("\r\n")}\r\n`;
}
