// Guardrails (docs/metrics.md, "Guardrails and the circuit breaker"): for each running variant and each
// guardrail, how much worse than the control the variant is, with an always-valid confidence sequence
// for that degradation, and whether the sequence lies wholly beyond the guardrail's max_degradation: a
// breach, which the catalog's circuit breaker acts on. Pure.
//
// No new statistics: the sequences are the analysis's own. An error rate is a proportion of responses,
// so it gets the conversions' confidence sequence for a difference of rates (stats/sequential.ts); a
// latency, or a value goal, is a mean, so it gets the value metrics' (stats/mean-sequential.ts, with its
// validity rule); a conversion goal gets the conversions'. A sequence at 1 − α′ holds the true
// difference at every look in all but α′ of runs, so "the lower end is above max_degradation" is a
// one-sided test of "the variant is worse by more than max_degradation" that stays at level α′ however
// often it is checked. α′ = GUARDRAIL_ALPHA / (running variants × guardrails): Bonferroni across every
// check the breaker makes, so that a harmless experiment trips it, at some look, in at most 5% of runs.

import { VALUE_SCALE } from "./field-rules.ts";
import { goalKey, isValueGoal } from "./goals.ts";
import type { ConversionEvent, Guardrail } from "./schema.ts";
import { rho2ForPlan, sequentialMeanLook } from "./stats/mean-sequential.ts";
import { confidenceSequence } from "./stats/sequential.ts";
import { valueMoments } from "./stats/value-moments.ts";

/** The family-wise level of the breaker: at most this share of harmless experiments ever trips it. */
export const GUARDRAIL_ALPHA = 0.05;

/** What the guardrails read of a run: run-data's summed snapshot has all of it. */
export interface GuardrailCounts {
  samples: Readonly<Record<string, number>>;
  conversions: Readonly<Record<string, Readonly<Record<string, number>>>>;
  values: Readonly<Record<string, Readonly<Record<string, { sum: string; sum_squares: string }>>>>;
  responses: Readonly<
    Record<string, { n: number; status_4xx: number; status_5xx: number; latency_sum: number; latency_sum_squares: string }>
  >;
}

export interface GuardrailArm {
  /** Responses (error rate, latency) or visitors (a goal). */
  n: number;
  /** The rate, or the mean (ms, or currency units per visitor); null with n = 0. */
  value: number | null;
}

export interface GuardrailResult {
  /** The guardrail's position in the experiment's list. */
  guardrail: number;
  metric: Guardrail["metric"];
  /** The goal key of a goal guardrail, else null. */
  goal: string | null;
  variant: string;
  max_degradation: number;
  control: GuardrailArm;
  treatment: GuardrailArm;
  /** How much worse the variant is than the control, in the metric's unit (negative: better); null without data. */
  degradation: number | null;
  /** The always-valid confidence sequence for the degradation at 1 − alpha; null while unbounded. */
  cs_low: number | null;
  cs_high: number | null;
  /** The level of this one check (GUARDRAIL_ALPHA over the number of checks). */
  alpha: number;
  /** The sequence lies wholly above max_degradation: the variant is worse by more than allowed. */
  breached: boolean;
}

interface Sequence {
  control: GuardrailArm;
  treatment: GuardrailArm;
  /** The degradation and its sequence, already oriented (positive: worse). */
  degradation: number | null;
  low: number | null;
  high: number | null;
}

const arm = (n: number, value: number): GuardrailArm => ({ n, value: n > 0 ? value : null });

/** A proportion where higher is worse (errors per response), or lower is worse (a conversion rate). */
function proportion(xc: number, nc: number, xv: number, nv: number, alpha: number, higherIsWorse: boolean): Sequence {
  const control = arm(nc, xc / nc);
  const treatment = arm(nv, xv / nv);
  const cs = confidenceSequence(xc, nc, xv, nv, alpha);
  if (cs === null) return { control, treatment, degradation: null, low: null, high: null };
  const diff = xv / nv - xc / nc;
  return higherIsWorse
    ? { control, treatment, degradation: diff, low: cs.low, high: cs.high }
    : { control, treatment, degradation: -diff, low: -cs.high, high: -cs.low };
}

/** A mean where higher is worse (latency), or lower is worse (value per visitor). */
function mean(
  c: { n: number; sum: number | string; sumSquares: number | string },
  v: { n: number; sum: number | string; sumSquares: number | string },
  scale: number,
  alpha: number,
  higherIsWorse: boolean,
): Sequence {
  const mc = valueMoments(c.n, c.sum, c.sumSquares, scale);
  const mv = valueMoments(v.n, v.sum, v.sumSquares, scale);
  const control = arm(c.n, mc.mean);
  const treatment = arm(v.n, mv.mean);
  if (c.n === 0 || v.n === 0) return { control, treatment, degradation: null, low: null, high: null };
  const look = sequentialMeanLook(mc, mv, alpha, rho2ForPlan(alpha));
  const diff = mv.mean - mc.mean;
  return higherIsWorse
    ? { control, treatment, degradation: diff, low: look.low, high: look.high }
    : { control, treatment, degradation: -diff, low: look.high === null ? null : -look.high, high: look.low === null ? null : -look.low };
}

function sequenceFor(g: Guardrail, counts: GuardrailCounts, control: string, variant: string, alpha: number): Sequence {
  switch (g.metric) {
    case "error_rate": {
      const rc = counts.responses[control];
      const rv = counts.responses[variant];
      const errors = (r: typeof rc) => (r === undefined ? 0 : r.status_5xx + (g.include_4xx ? r.status_4xx : 0));
      return proportion(errors(rc), rc?.n ?? 0, errors(rv), rv?.n ?? 0, alpha, true);
    }
    case "origin_latency_ms": {
      const side = (r: GuardrailCounts["responses"][string] | undefined) => ({
        n: r?.n ?? 0,
        sum: r?.latency_sum ?? 0,
        sumSquares: r?.latency_sum_squares ?? "0",
      });
      return mean(side(counts.responses[control]), side(counts.responses[variant]), 1, alpha, true);
    }
    case "goal":
      return goalSequence(g.goal, counts, control, variant, alpha);
  }
}

function goalSequence(goal: ConversionEvent, counts: GuardrailCounts, control: string, variant: string, alpha: number): Sequence {
  const key = goalKey(goal);
  const nc = counts.samples[control] ?? 0;
  const nv = counts.samples[variant] ?? 0;
  if (isValueGoal(goal)) {
    const sums = counts.values[key] ?? {};
    const side = (slug: string, n: number) => ({ n, sum: sums[slug]?.sum ?? "0", sumSquares: sums[slug]?.sum_squares ?? "0" });
    return mean(side(control, nc), side(variant, nv), VALUE_SCALE, alpha, false);
  }
  const x = counts.conversions[key] ?? {};
  return proportion(Math.min(x[control] ?? 0, nc), nc, Math.min(x[variant] ?? 0, nv), nv, alpha, false);
}

/**
 * Every guardrail against every running variant (the control excepted; `stopped` variants no longer
 * run and are not checked again), in the order of the guardrails, then of the variants.
 */
export function checkGuardrails(
  r: { variants: ReadonlyArray<{ slug: string }>; guardrails: readonly Guardrail[] },
  counts: GuardrailCounts,
  stopped: readonly string[] = [],
): GuardrailResult[] {
  const control = r.variants[0]?.slug;
  if (control === undefined || r.guardrails.length === 0) return [];
  const running = r.variants.slice(1).filter((v) => !stopped.includes(v.slug));
  const checks = running.length * r.guardrails.length;
  if (checks === 0) return [];
  const alpha = GUARDRAIL_ALPHA / checks;
  const out: GuardrailResult[] = [];
  r.guardrails.forEach((g, i) => {
    for (const { slug } of running) {
      const s = sequenceFor(g, counts, control, slug, alpha);
      out.push({
        guardrail: i,
        metric: g.metric,
        goal: g.metric === "goal" ? goalKey(g.goal) : null,
        variant: slug,
        max_degradation: g.max_degradation,
        control: s.control,
        treatment: s.treatment,
        degradation: s.degradation,
        cs_low: s.low,
        cs_high: s.high,
        alpha,
        breached: s.low !== null && s.low > g.max_degradation,
      });
    }
  });
  return out;
}

/** How a breach reads in an audit entry's detail and a notification. */
export function describeBreach(b: GuardrailResult): string {
  const unit = b.metric === "origin_latency_ms" ? " ms" : b.metric === "error_rate" ? "" : "";
  const what = b.metric === "goal" ? `goal ${b.goal}` : b.metric;
  const fmt = (x: number | null) => (x === null ? "n/a" : b.metric === "origin_latency_ms" ? x.toFixed(1) : x.toPrecision(3));
  return (
    `${what}: ${b.variant} is worse than the control by ${fmt(b.degradation)}${unit} ` +
    `(always-valid ${(100 * (1 - b.alpha)).toPrecision(4)}% sequence ${fmt(b.cs_low)} to ${fmt(b.cs_high)}${unit}), ` +
    `above the allowed ${b.max_degradation}${unit}; control ${fmt(b.control.value)} of ${b.control.n}, ${b.variant} ${fmt(b.treatment.value)} of ${b.treatment.n}`
  );
}
