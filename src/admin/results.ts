// Export of one experiment's results: per variant (totals and the analysis) and per day, as JSON and CSV.
import type { RunState } from "../catalog/catalog-object.ts";
import { goalKey } from "../core/goals.ts";
import { analyzeGoal } from "../core/run-analysis.ts";

export function resultsJson(s: RunState) {
  const r = s.record;
  const primary = goalKey(r.conversion_event);
  const days = Object.keys(s.run.daily).sort();
  return {
    experiment: r,
    epoch: s.epoch,
    analysis: analyzeGoal(r, s.run, r.conversion_event),
    analysis_at_conclusion:
      s.conclusion === null ? null : { at: s.conclusion.at, analysis: analyzeGoal(r, s.conclusion.run, r.conversion_event) },
    variants: r.variants.map((v) => ({
      slug: v.slug,
      sample: s.run.samples[v.slug] ?? 0,
      conversions: s.run.conversions[primary]?.[v.slug] ?? 0,
    })),
    daily: days.flatMap((day) =>
      r.variants.map((v) => ({
        day,
        variant: v.slug,
        sample: s.run.daily[day]?.[""]?.[v.slug] ?? 0,
        conversions: s.run.daily[day]?.[primary]?.[v.slug] ?? 0,
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

export function resultsCsv(s: RunState): string {
  const j = resultsJson(s);
  const lines = [["scope", "day", "variant", "sample", "conversions", "conversion_rate"].join(",")];
  for (const v of j.variants)
    lines.push(["total", "", cell(v.slug), v.sample, v.conversions, v.sample === 0 ? "" : (v.conversions / v.sample).toFixed(6)].join(","));
  for (const d of j.daily)
    lines.push(
      ["day", d.day, cell(d.variant), d.sample, d.conversions, d.sample === 0 ? "" : (d.conversions / d.sample).toFixed(6)].join(","),
    );
  return `${lines.join("\r\n")}\r\n`;
}
