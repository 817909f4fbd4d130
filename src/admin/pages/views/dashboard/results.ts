// The numbers: per variant the sample, conversions, rate with its 95% interval, the relative lift with
// its interval (the chart's lift), the always-valid p-value, the chance to beat the control and, where
// the analysis gives it, the expected loss; the secondary goals with the same numbers; the sample-ratio
// check. A statistic without a value (no visitors yet) is a dash.
import type { Dashboard } from "../../../service.ts";
import { type Clock, esc, eventWords, num, pct, pValue, STOP_REASON_WORDS, scrollBox, signedPct, timeTag } from "../../html.ts";

type Analysis = Dashboard["analysis"];

const interval = (low: number | null | undefined, high: number | null | undefined, f: (x: number | null | undefined) => string) =>
  low === null || low === undefined || high === null || high === undefined ? "" : `<div class="muted">${f(low)} to ${f(high)}</div>`;

type Stopped = Dashboard["stopped_variants"][number];

/** A stopped variant's note under its name: why and when, and what its visitors get now. */
function stoppedNote(s: Stopped, clock: Clock | undefined): string {
  return `<div class="stopped-note">Stopped (${esc(STOP_REASON_WORDS[s.reason] ?? s.reason)})${
    clock === undefined ? "" : ` ${timeTag(s.at, clock, false)}`
  }: its visitors get the control's page, uncounted; its numbers are as they were.</div>`;
}

function table(
  a: Analysis,
  variants: ReadonlyArray<{ slug: string; label: string; traffic_share?: number; stopped?: Stopped | null }>,
  label: string,
  clock?: Clock,
): string {
  const withLoss = a.comparisons.some((c) => (c as { expected_loss?: number | null }).expected_loss !== undefined);
  const rows = variants
    .map((v, i) => {
      const r = a.variants[i];
      const c = i === 0 ? undefined : a.comparisons[i - 1];
      const loss = (c as { expected_loss?: number | null } | undefined)?.expected_loss;
      // data-label: below 720 px each variant folds into a card whose cells name their column.
      const cell = (label: string, html: string) => `<td data-label="${label}"><div>${html}</div></td>`;
      return `<tr><th scope="row">${esc(v.slug)}<div class="muted">${esc(v.label)}</div>${
        v.stopped === undefined || v.stopped === null ? "" : stoppedNote(v.stopped, clock)
      }</th>${
        v.traffic_share === undefined ? "" : cell("Share", `${v.traffic_share}%`)
      }${cell("Sample", num(r?.sample ?? 0))}${cell("Conversions", num(r?.conversions ?? 0))}${cell(
        "Rate (95% interval)",
        r === undefined || r.sample === 0 ? "—" : `${pct(r.conversion_rate, 2)}${interval(r.ci_low, r.ci_high, (x) => pct(x, 2))}`,
      )}${cell(
        "Lift vs control",
        c === undefined
          ? '<span class="muted">control</span>'
          : `${signedPct(c.relative_lift)}${interval(c.relative_ci_low, c.relative_ci_high, signedPct)}`,
      )}${
        c === undefined
          ? ""
          : `${cell("Always-valid p", pValue(c.always_valid_p_value))}${cell("Chance to beat control", pct(c.chance_to_beat_control))}${
              withLoss ? cell("Expected loss", pct(loss, 2)) : ""
            }`
      }${c === undefined ? `<td class="fold-empty"></td><td class="fold-empty"></td>${withLoss ? '<td class="fold-empty"></td>' : ""}` : ""}</tr>`;
    })
    .join("\n");
  const share = variants[0]?.traffic_share === undefined ? "" : '<th scope="col">Share</th>';
  return scrollBox(
    label,
    `<table class="list numbers fold"><thead><tr><th scope="col">Variant</th>${share}<th scope="col">Sample</th><th scope="col">Conversions</th><th scope="col">Rate (95% interval)</th><th scope="col">Lift vs control (95% interval)</th><th scope="col">Always-valid p</th><th scope="col">Chance to beat control</th>${
      withLoss ? '<th scope="col">Expected loss</th>' : ""
    }</tr></thead><tbody>${rows}</tbody></table>`,
  );
}

/** The outcome in a sentence; `concluded` speaks of a finished run. */
export function outcomeWords(a: Analysis, concluded = false): string {
  if (a.outcome.winner === null)
    return concluded
      ? "Inconclusive: no variant was significantly different from the control."
      : "Inconclusive: no variant is significantly different from the control yet.";
  return a.outcome.winner === a.variants[0]?.slug
    ? `The control (${esc(a.outcome.winner)}) wins: every other variant is significantly worse.`
    : `Winner: ${esc(a.outcome.winner)}, significantly better than the control.`;
}

export function resultsTable(d: Dashboard, clock: Clock): string {
  return table(d.analysis, d.variants, "Results per variant", clock);
}

/** The same table for a snapshot analysis (the archive), without the shares. */
export function analysisTable(a: Analysis, variants: ReadonlyArray<{ slug: string; label: string }>, label: string): string {
  return table(
    a,
    variants.map((v) => ({ slug: v.slug, label: v.label })),
    label,
  );
}

/**
 * The sample-ratio check; a mismatch is explained beside the counts (what it means, what usually causes
 * it, what to do), since it blocks the automation for the rest of the sample.
 */
export function srmLine(d: Dashboard): string {
  const srm = d.srm;
  const ps = `p = ${pValue(srm.p_value)}, sequential p = ${pValue(srm.sequential_p_value)}`;
  if (!srm.mismatch || srm.explanation === null)
    return `<p class="muted">Sample-ratio check: the samples match the traffic split (${ps}).</p>`;
  const e = srm.explanation;
  const list = (items: readonly string[]) => `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join("")}</ul>`;
  return `<details class="warning srm" open><summary>⚠ The samples do not match the traffic split (${ps}). What a sample-ratio mismatch means</summary><p>${esc(
    e.meaning,
  )}</p><p>Likely causes:</p>${list(e.causes)}<p>What to do:</p>${list(e.actions)}</details>`;
}

const LOOK_SOURCE_WORDS: Record<string, string> = {
  conclusion: ", frozen at the conclusion",
  recomputed: ", recomputed from the counts kept at the conclusion",
  first_look: ", before the first report of the run",
  latest: "",
};

/** Which look the figures are: the catalog keeps one per run-data report, and freezes the deciding one. */
export function lookLine(d: Dashboard, clock: Clock): string {
  const l = d.look;
  return `<p class="muted look">Analysis as of look ${l.number} (${timeTag(l.at, clock)}, ${num(l.visitors)} visitors${
    LOOK_SOURCE_WORDS[l.source] ?? ""
  }).</p>`;
}

export function secondaryGoals(d: Dashboard): string {
  if (d.secondary_goals.length === 0) return `<p class="muted">No secondary goals. They may be added in the editor at any time.</p>`;
  return d.secondary_goals
    .map(
      (g, k) =>
        `<div class="goal"><h3>${eventWords(g.goal)}</h3>${
          // A goal added since the last look has no analysis until the next report.
          g.analysis === null
            ? `<p class="outcome muted">Not analysed yet: its first figures come with the next report of the run.</p>`
            : `<p class="outcome">${outcomeWords(g.analysis)}</p>${table(
                g.analysis,
                d.variants.map((v) => ({ slug: v.slug, label: v.label })),
                `Secondary goal ${k + 1} per variant`,
              )}`
        }</div>`,
    )
    .join("");
}
