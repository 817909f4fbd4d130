// A holdout's dashboard: its two arms (held out, and exposed to the experiments it covers) compared on
// each of its goals with the analysis of docs/analysis.md, as a two-variant test whose control is
// the held arm. Both arms are drawn by the holdout hash from the same visitors (those who reached the
// holdout step of a covered experiment), so the exposed arm's lift over the held one is the combined
// effect of the covered experiments and what they shipped (docs/audiences.md, "Holdouts").
import type { HoldoutState } from "../catalog/catalog-object.ts";
import { goalKey } from "../core/goals.ts";
import { analyzeGoal } from "../core/run-look.ts";

export function buildHoldoutDashboard(s: HoldoutState) {
  const r = s.record;
  const held = s.run.samples.held ?? 0;
  const exposed = s.run.samples.exposed ?? 0;
  // An arm with no share (0 % or 100 % held) leaves nothing to compare.
  const comparable = r.percent > 0 && r.percent < 100;
  const arms = [
    { slug: "held", label: "Held out", traffic_share: r.percent },
    { slug: "exposed", label: "Exposed", traffic_share: Math.round((100 - r.percent) * 100) / 100 },
  ];
  const goals = r.goals.map((goal) => {
    const key = goalKey(goal);
    return {
      goal,
      conversions: { held: s.run.conversions[key]?.held ?? 0, exposed: s.run.conversions[key]?.exposed ?? 0 },
      analysis: comparable
        ? analyzeGoal(
            { variants: arms, conversion_event: goal, secondary_goals: [], planned_sample_per_variant: null, stopped_variants: [] },
            s.run,
            goal,
          )
        : null,
    };
  });
  const srm = goals.find((g) => g.analysis !== null)?.analysis?.srm ?? null;
  return {
    holdout_id: r.id,
    slug: r.slug,
    name: r.name,
    percent: r.percent,
    layer: r.layer,
    epoch: r.epoch,
    arms: [
      { arm: "held", traffic_share: arms[0]?.traffic_share, sample: held },
      { arm: "exposed", traffic_share: arms[1]?.traffic_share, sample: exposed },
    ],
    goals,
    covered_experiments: s.covered,
    warnings: [
      ...(comparable ? [] : [{ code: "nothing_to_compare", message: `a holdout of ${r.percent} % has one empty arm: nothing to compare` }]),
      ...(srm?.mismatch
        ? [
            {
              code: "sample_ratio_mismatch",
              message: `the arms do not match the ${r.percent} % split (p = ${srm.p_value.toExponential(2)}): check that the holdout was created before the experiments it covers`,
            },
          ]
        : []),
    ],
  };
}
export type HoldoutDashboard = ReturnType<typeof buildHoldoutDashboard>;
