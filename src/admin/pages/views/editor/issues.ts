// From the validator's issues (a path and the validator's words) to the editor's fields and plain
// messages, in one table: "Add at least two variants", not `variants: Too small: expected array to have
// >=2 items`. The first rule whose path matches decides the field and the words; an issue no rule knows
// is shown at the top with its field named in words, never dropped.
import type { FieldErrors, Fields } from "./section.ts";
import { MAX_VARIANTS, shareTotal } from "./variants.ts";

/** What the editor needs of an issue: zod's (with its code) or the catalog's (path and message only). */
export interface RawIssue {
  readonly path: string;
  readonly message: string;
  readonly code?: string | undefined;
}

type Words = (i: RawIssue, m: RegExpExecArray, f: Fields) => string;

interface Rule {
  readonly path: RegExp;
  readonly field: (m: RegExpExecArray) => string;
  readonly words: Words;
}

const has = (i: RawIssue, text: string) => i.message.toLowerCase().includes(text);
const line = (m: RegExpExecArray, group = 2) => (m[group] === undefined ? "" : `Line ${Number(m[group]) + 1}: `);
const sentence = (s: string) => (s === "" ? s : `${s[0]?.toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? "" : "."}`);
const PATH_WORDS = "Enter a path on this site that starts with /, such as /pricing";
const pathWords = (i: RawIssue) =>
  has(i, "same-site path") ? `${PATH_WORDS}: it ${i.message.replace(/^a same-site path /, "")}.` : `${PATH_WORDS}.`;

const RULES: readonly Rule[] = [
  {
    path: /^name$/,
    field: () => "name",
    words: (i) => (i.code === "too_big" ? "A name has at most 200 characters." : "Give the experiment a name."),
  },
  {
    path: /^slug$/,
    field: () => "slug",
    words: (i) =>
      has(i, "already used")
        ? "Another experiment already uses this slug: choose another."
        : "Use 1 to 64 lowercase letters (a–z), digits and hyphens, such as pricing-layout.",
  },
  { path: /^target_page$/, field: () => "target_page", words: (i) => pathWords(i) },
  {
    path: /^variants$/,
    field: () => "variants",
    words: (i, _m, f) => {
      if (i.code === "too_small") return "Add at least two variants: the control and one to compare with it.";
      if (i.code === "too_big") return `An experiment has at most ${MAX_VARIANTS} variants.`;
      if (has(i, "sum to")) {
        const total = shareTotal(f);
        return total === null ? "Shares must add up to 100." : `Shares must add up to 100; they add up to ${total}.`;
      }
      return sentence(i.message);
    },
  },
  {
    path: /^variants\.(\d+)\.slug$/,
    field: (m) => `variant_${m[1]}_slug`,
    words: (i, m, f) =>
      has(i, "used twice")
        ? `Another variant already uses “${f[`variant_${m[1]}_slug`] ?? ""}”: each variant needs its own slug.`
        : "Use 1 to 64 lowercase letters (a–z), digits and hyphens, such as b.",
  },
  {
    path: /^variants\.(\d+)\.label$/,
    field: (m) => `variant_${m[1]}_label`,
    words: (i) => (i.code === "too_big" ? "A label has at most 200 characters." : "Give the variant a label."),
  },
  {
    path: /^variants\.(\d+)\.traffic_share$/,
    field: (m) => `variant_${m[1]}_share`,
    words: (i) =>
      has(i, "zero share")
        ? "A running experiment cannot give a variant a share of 0."
        : has(i, "two decimals")
          ? "Use at most two decimals, such as 33.33."
          : i.code === "invalid_type"
            ? "A share is a number from 0 to 100, such as 50."
            : "A share is from 0 to 100.",
  },
  {
    path: /^variants\.(\d+)\.page$/,
    field: (m) => `variant_${m[1]}_page`,
    words: (i) =>
      has(i, "points back")
        ? "This is the target page itself with no overrides, so it would show the control: give it another page or overrides."
        : `${pathWords(i)} Leave it empty to use the target page.`,
  },
  {
    path: /^variants\.(\d+)\.overrides(?:\.(\d+))?/,
    field: (m) => `variant_${m[1]}_overrides`,
    words: (i, m) => `${line(m)}${sentence(i.message)}`,
  },
  {
    path: /^conversion_event\.(?:aggregate|cap)/,
    field: () => "conversion_cap",
    words: () => "A cap is an amount above 0 per visitor, such as 500, and only a custom event's value goal has one.",
  },
  {
    path: /^guardrails/,
    field: () => "guardrails",
    words: (i) =>
      i.code === "invalid_type" && !/\./.test(i.path)
        ? 'Write the guardrails as a JSON list, such as [{"metric":"error_rate","max_degradation":0.02}].'
        : `${i.path.replace(/^guardrails\.?/, "").replace(/\./g, " ") || "Guardrails"}: ${sentence(i.message)}`,
  },
  {
    path: /^conversion_event(?:\.(\w+))?$/,
    field: () => "conversion_value",
    words: (i, m, f) =>
      m[1] === "type" || has(i, "discriminator")
        ? "Choose what counts as a conversion."
        : (f.conversion_type ?? "") === "custom"
          ? "Enter an event name of 1 to 64 letters, digits and _ . : -, such as signup."
          : `${pathWords(i)}`,
  },
  {
    path: /^secondary_goals(?:\.(\d+))?/,
    field: () => "secondary_goals",
    words: (i, m) =>
      i.code === "too_big" && m[1] === undefined
        ? "At most 20 secondary goals."
        : `${line(m, 1)}write page_view /path, form_submission /path or custom name. (${sentence(i.message)})`,
  },
  {
    path: /^min_sample_threshold$/,
    field: () => "min_sample_threshold",
    words: () => "Minimum sample must be a whole number of visitors from 1 to 1,000,000,000.",
  },
  {
    path: /^max_runtime_days$/,
    field: () => "max_runtime_days",
    words: () => "Maximum runtime must be a whole number of days from 1 to 3,650, or empty for no limit.",
  },
  {
    path: /^min_runtime_days$/,
    field: () => "min_runtime_days",
    words: () => "Minimum runtime must be a whole number of days from 0 to 3,650 (empty: 7 days).",
  },
  {
    path: /^planned_sample_per_variant$/,
    field: () => "planned_sample_per_variant",
    words: () => "Planned sample must be a whole number of visitors per variant, at least 1, or empty for no plan.",
  },
  {
    path: /^audience\.conditions\.(\d+)\.(attribute|operator)$/,
    field: (m) => `audience_${m[1]}_${m[2]}`,
    words: (i) => sentence(i.message),
  },
  {
    path: /^audience\.conditions\.(\d+)\.values(?:\.(\d+))?$/,
    field: (m) => `audience_${m[1]}_values`,
    words: (i, m) => `${m[2] === undefined ? "" : `Value ${Number(m[2]) + 1}: `}${sentence(i.message)}`,
  },
  { path: /^audience(?:\.\w+)?$/, field: () => "audience", words: (i) => sentence(i.message) },
  {
    path: /^coverage_percent$/,
    field: () => "coverage_percent",
    words: (i) => (i.code === "invalid_type" ? "Coverage is a percent from 0 to 100, such as 25." : sentence(i.message)),
  },
  {
    path: /^layer\.slug$/,
    field: () => "layer_slug",
    words: () => "Name the layer with 1 to 64 lowercase letters (a–z), digits and hyphens, such as checkout.",
  },
  {
    path: /^layer\.(from|to)$/,
    field: (m) => `layer_${m[1]}`,
    words: (i) => (i.code === "invalid_type" ? "A slice bound is a percent from 0 to 100, such as 50." : sentence(i.message)),
  },
  { path: /^layer$/, field: () => "layer_slug", words: (i) => sentence(i.message) },
  {
    path: /^scheduled_(start|end)_at$/,
    field: (m) => `scheduled_${m[1]}_at`,
    words: (i) => sentence(i.message.replace(/scheduled_start_at/g, "the start").replace(/scheduled_end_at/g, "the pause time")),
  },
  { path: /^bots$/, field: () => "bots", words: () => "Choose one of the listed treatments of crawlers." },
  { path: /^notes$/, field: () => "notes", words: () => "Notes have at most 10,000 characters." },
  { path: /^post_test\.on_winner$/, field: () => "on_winner", words: () => "Choose one of the listed actions." },
  { path: /^post_test\.on_inconclusive$/, field: () => "on_inconclusive", words: () => "Choose one of the listed actions." },
  { path: /^post_test\.on_loser$/, field: () => "on_loser", words: () => "Choose one of the listed actions." },
];

/** A refusal of the whole save (no field path), by the catalog's code: the field it belongs beside, and its words (null: the catalog's). */
export const REFUSAL_WORDS: Record<string, { field: string; words: string | null }> = {
  confirm_reset_required: {
    field: "confirm_reset",
    words: "Changing variants or shares of a running experiment resets its sample to zero: tick this box and save again.",
  },
  slug_locked: { field: "slug", words: "The slug cannot change once the experiment has started." },
  target_page_locked: { field: "target_page", words: "The target page cannot change once started: create a new experiment instead." },
  conversion_event_locked: {
    field: "conversion_value",
    words: "The conversion event is fixed once started: add a secondary goal instead.",
  },
  slug_taken: { field: "slug", words: "Another experiment already uses this slug: choose another." },
  experiment_chain: { field: "target_page", words: null },
  target_page_busy: { field: "target_page", words: null },
  layer_conflict: { field: "layer_slug", words: null },
  forbidden: { field: "allow_script_overrides", words: "Only an Administrator may allow overrides that run script." },
};

/** Each issue beside its field, in plain words; `fields` are the values typed (for "they add up to 80"). */
export function fieldErrors(issues: readonly RawIssue[], fields: Fields): FieldErrors {
  const byField = new Map<string, string[]>();
  const general: string[] = [];
  const add = (field: string, words: string) => {
    const list = byField.get(field) ?? [];
    if (!list.includes(words)) list.push(words);
    byField.set(field, list);
  };
  for (const issue of issues) {
    let placed = false;
    for (const rule of RULES) {
      const m = rule.path.exec(issue.path);
      if (m === null) continue;
      add(rule.field(m), rule.words(issue, m, fields));
      placed = true;
      break;
    }
    if (!placed) general.push(`${issue.path === "(body)" ? "" : `${issue.path.replace(/[._]/g, " ")}: `}${sentence(issue.message)}`);
  }
  return { byField, general };
}

export const NO_ERRORS: FieldErrors = { byField: new Map(), general: [] };
