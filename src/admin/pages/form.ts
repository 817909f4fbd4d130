// The editor form's fields to the admin API's experiment input (then validated by the same zod schema).
import type { ExperimentRecord } from "../../core/schema.ts";
import { applyMetricsFields, customGoal, goalLine, metricsFieldsFromRecord } from "./metrics-fields.ts";

export const VARIANT_ROWS = 4;

type Fields = Record<string, string>;

function event(type: string, value: string): unknown {
  const v = value.trim();
  return type === "custom" ? { type, name: v } : { type, path: v };
}

function numberOr(value: string | undefined, fallback: unknown): unknown {
  const v = (value ?? "").trim();
  if (v === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : v; // a non-number goes on to validation, which names the field
}

/** The experiment input an editor form describes (unvalidated). */
export function inputFromForm(f: Fields): Record<string, unknown> {
  const variants: unknown[] = [];
  for (let i = 0; i < VARIANT_ROWS; i++) {
    const slug = (f[`variant_${i}_slug`] ?? "").trim();
    if (slug === "") continue;
    const page = (f[`variant_${i}_page`] ?? "").trim();
    const overrides = parseOverrides(f[`variant_${i}_overrides`] ?? "");
    variants.push({
      slug,
      label: (f[`variant_${i}_label`] ?? "").trim() || slug,
      ...(page === "" ? {} : { page }),
      ...(overrides.length === 0 ? {} : { overrides }),
      traffic_share: numberOr(f[`variant_${i}_share`], 0),
    });
  }
  const secondary = (f.secondary_goals ?? "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((l) => {
      const [type = "", ...rest] = l.split(/\s+/);
      return type === "custom" ? customGoal(rest) : event(type, rest.join(" "));
    });
  return applyMetricsFields(
    {
      slug: (f.slug ?? "").trim(),
      name: f.name ?? "",
      target_page: (f.target_page ?? "").trim(),
      variants,
      conversion_event: event(f.conversion_type ?? "", f.conversion_value ?? ""),
      min_sample_threshold: numberOr(f.min_sample_threshold, undefined),
      max_runtime_days: numberOr(f.max_runtime_days, null),
      // Blank: the default (7 days) for a new experiment; the editor always shows a stored one.
      min_runtime_days: numberOr(f.min_runtime_days, undefined),
      planned_sample_per_variant: numberOr(f.planned_sample_per_variant, null),
      notes: f.notes ?? "",
      post_test: {
        on_winner: f.on_winner ?? "assign_winner",
        on_inconclusive: f.on_inconclusive ?? "keep_running",
        on_loser: f.on_loser ?? "keep",
      },
      secondary_goals: secondary,
      allow_script_overrides: f.allow_script_overrides === "on",
    },
    f,
  );
}

/**
 * Overrides in the editor, one a line, in order: `action | selector | value`, and for set_attribute
 * `set_attribute | selector | attribute | value`; `remove | selector`. Reordering is moving lines.
 */
export function parseOverrides(text: string): unknown[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((line) => {
      const [action = "", selector = "", ...rest] = line.split("|").map((p) => p.trim());
      if (action === "remove") return { selector, action };
      if (action === "set_attribute") return { selector, action, attribute: rest[0] ?? "", value: rest.slice(1).join("|").trim() };
      return { selector, action, value: rest.join("|").trim() };
    });
}

export function formatOverrides(
  overrides: readonly { selector: string; action: string; attribute?: string | undefined; value?: string | undefined }[],
): string {
  return overrides
    .map((o) =>
      o.action === "remove"
        ? `remove | ${o.selector}`
        : o.action === "set_attribute"
          ? `set_attribute | ${o.selector} | ${o.attribute ?? ""} | ${o.value ?? ""}`
          : `${o.action} | ${o.selector} | ${o.value ?? ""}`,
    )
    .join("\n");
}

/** The form fields that show `r` (for editing). */
export function formFromRecord(r: Partial<ExperimentRecord>): Fields {
  const f: Fields = {
    slug: r.slug ?? "",
    name: r.name ?? "",
    target_page: r.target_page ?? "",
    conversion_type: r.conversion_event?.type ?? "page_view",
    conversion_value:
      r.conversion_event === undefined ? "" : r.conversion_event.type === "custom" ? r.conversion_event.name : r.conversion_event.path,
    min_sample_threshold: r.min_sample_threshold === undefined ? "100" : String(r.min_sample_threshold),
    max_runtime_days: r.max_runtime_days === undefined || r.max_runtime_days === null ? "" : String(r.max_runtime_days),
    min_runtime_days: r.min_runtime_days === undefined ? "7" : String(r.min_runtime_days),
    planned_sample_per_variant:
      r.planned_sample_per_variant === undefined || r.planned_sample_per_variant === null ? "" : String(r.planned_sample_per_variant),
    notes: r.notes ?? "",
    on_winner: r.post_test?.on_winner ?? "assign_winner",
    on_inconclusive: r.post_test?.on_inconclusive ?? "keep_running",
    on_loser: r.post_test?.on_loser ?? "keep",
    allow_script_overrides: r.allow_script_overrides === true ? "on" : "",
    secondary_goals: (r.secondary_goals ?? []).map(goalLine).join("\n"),
    ...metricsFieldsFromRecord(r),
  };
  (r.variants ?? []).forEach((v, i) => {
    f[`variant_${i}_slug`] = v.slug;
    f[`variant_${i}_label`] = v.label;
    f[`variant_${i}_page`] = v.page ?? "";
    f[`variant_${i}_share`] = String(v.traffic_share);
    f[`variant_${i}_overrides`] = formatOverrides(v.overrides ?? []);
  });
  return f;
}
