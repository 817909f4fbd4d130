// The variants: from two rows up to the schema's maximum, added and removed without script (the "Add a
// variant" and "Remove" buttons post the form, which comes back with every typed value and one row
// more or less). Each row remembers which of the record's variants it shows (`variant_<i>_from`), so a
// field of a variant that the form does not edit is kept on save.
import { LIMITS } from "../../../../core/field-rules.ts";
import type { ExperimentInput, Variant } from "../../../../core/schema.ts";
import { esc } from "../../html.ts";
import { errorParts, fieldId, textArea, textField } from "./fields.ts";
import type { EditorSection, EditorView, Fields } from "./section.ts";

export const MIN_VARIANTS = LIMITS.minVariants;
export const MAX_VARIANTS = LIMITS.maxVariants;

const ROW_KEYS = ["slug", "label", "page", "share", "overrides", "from"] as const;

/** How many variant rows the form holds (2 to the maximum). */
export function variantCount(f: Fields): number {
  const n = Number(f.variant_count);
  if (Number.isInteger(n)) return Math.min(MAX_VARIANTS, Math.max(MIN_VARIANTS, n));
  // A form without the count (an older page, a hand-made post): as many rows as carry a field.
  let rows = 0;
  while (rows < MAX_VARIANTS && ROW_KEYS.some((k) => f[`variant_${rows}_${k}`] !== undefined)) rows++;
  return Math.max(MIN_VARIANTS, rows);
}

/** The form with one empty row more (up to the maximum). */
export function addVariantRow(f: Fields): Fields {
  const n = variantCount(f);
  if (n >= MAX_VARIANTS) return f;
  return { ...f, variant_count: String(n + 1), [`variant_${n}_slug`]: "", [`variant_${n}_share`]: "0" };
}

/** The form without row `i`, the rows after it moved up (never below the minimum). */
export function removeVariantRow(f: Fields, i: number): Fields {
  const n = variantCount(f);
  if (n <= MIN_VARIANTS || !(i >= 0 && i < n)) return f;
  const out: Fields = { ...f, variant_count: String(n - 1) };
  for (let k = i; k < n; k++) {
    for (const key of ROW_KEYS) {
      const next = f[`variant_${k + 1}_${key}`];
      if (k + 1 < n && next !== undefined) out[`variant_${k}_${key}`] = next;
      else delete out[`variant_${k}_${key}`];
    }
  }
  return out;
}

/**
 * Overrides in the editor, one a line, in order: `action | selector | value`, and for set_attribute
 * `set_attribute | selector | attribute | value`; `remove | selector`. Reordering is moving lines.
 * Spaces around the separators are not part of the value: `set_text | h1 | A | B` sets "A | B".
 */
export function parseOverrides(text: string): unknown[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((line) => {
      const parts = line.split(/\s*\|\s*/);
      const [action = "", selector = "", ...rest] = parts;
      if (action === "remove") return { selector, action };
      // The value is the rest of the line as typed, so a " | " inside it keeps its spaces.
      const tail = (skip: number) => {
        let at = 0;
        for (let k = 0; k < skip; k++) {
          const bar = line.indexOf("|", at);
          if (bar === -1) return "";
          at = bar + 1;
        }
        return line.slice(at).trim();
      };
      if (action === "set_attribute") return { selector, action, attribute: rest[0] ?? "", value: tail(3) };
      return { selector, action, value: tail(2) };
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

function numberOr(value: string | undefined, fallback: unknown): unknown {
  const v = (value ?? "").trim();
  if (v === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : v; // a non-number goes on to validation, which names the field
}

/** The sum of the shares typed, as the validator counts them (two decimals), or null if one is not a number. */
export function shareTotal(f: Fields): number | null {
  let total = 0;
  for (let i = 0; i < variantCount(f); i++) {
    const raw = (f[`variant_${i}_share`] ?? "").trim();
    const n = raw === "" ? 0 : Number(raw);
    if (!Number.isFinite(n)) return null;
    total += Math.round(n * 100);
  }
  return total / 100;
}

export const variants: EditorSection = {
  fields: (r) => {
    const list = r.variants ?? [];
    const f: Fields = { variant_count: String(Math.max(MIN_VARIANTS, list.length)) };
    list.forEach((v, i) => {
      f[`variant_${i}_slug`] = v.slug;
      f[`variant_${i}_label`] = v.label;
      f[`variant_${i}_page`] = v.page ?? "";
      f[`variant_${i}_share`] = String(v.traffic_share);
      f[`variant_${i}_overrides`] = formatOverrides(v.overrides ?? []);
      f[`variant_${i}_from`] = String(i);
    });
    return f;
  },
  input: (f, base) => {
    const known: readonly Variant[] = (base as Partial<ExperimentInput>).variants ?? [];
    const out: unknown[] = [];
    for (let i = 0; i < variantCount(f); i++) {
      const slug = (f[`variant_${i}_slug`] ?? "").trim();
      const label = (f[`variant_${i}_label`] ?? "").trim();
      const page = (f[`variant_${i}_page`] ?? "").trim();
      const overridesText = f[`variant_${i}_overrides`] ?? "";
      const share = (f[`variant_${i}_share`] ?? "").trim();
      // A row left entirely empty is no variant (validation then counts the rest).
      if (slug === "" && label === "" && page === "" && overridesText.trim() === "" && (share === "" || share === "0")) continue;
      const from = Number(f[`variant_${i}_from`]);
      const kept: Record<string, unknown> = Number.isInteger(from) && from >= 0 && from < known.length ? { ...known[from] } : {};
      const overrides = parseOverrides(overridesText);
      delete kept.page;
      delete kept.overrides;
      out.push({
        ...kept,
        slug,
        label: label || slug,
        ...(page === "" ? {} : { page }),
        ...(overrides.length === 0 ? {} : { overrides }),
        traffic_share: numberOr(share, 0),
      });
    }
    return { variants: out };
  },
  render: (v) => {
    const n = variantCount(v.f);
    const total = shareTotal(v.f);
    const groupErr = errorParts(v, "variants", null);
    const rows = Array.from({ length: n }, (_, i) => variantRow(v, i, n)).join("\n");
    return `<fieldset class="variants${groupErr.html === "" ? "" : " has-error"}" id="${fieldId("variants")}"><legend>Variants and traffic split</legend>
<p class="hint">The first variant is the control. Shares are percentages of the visitors in the experiment and must add up to 100.${
      total === null || groupErr.html !== ""
        ? ""
        : ` <span class="share-total${total === 100 ? " ok" : ""}">They add up to ${esc(String(total))}.</span>`
    }</p>${groupErr.html}
<input type="hidden" name="variant_count" value="${n}">
${rows}
${n < MAX_VARIANTS ? `<button class="secondary" name="intent" value="add_variant" formnovalidate>+ Add a variant</button>` : `<p class="hint">${MAX_VARIANTS} variants is the most an experiment can have.</p>`}
</fieldset>`;
  },
};

function variantRow(v: EditorView, i: number, n: number): string {
  const k = (s: string) => `variant_${i}_${s}`;
  const slug = v.f[k("slug")] ?? "";
  const preview =
    v.mode.id !== null && slug !== ""
      ? ` <a class="preview" href="${v.ctx.base}/experiments/${v.mode.id}/preview/${encodeURIComponent(slug)}" target="_blank" rel="noopener">preview ${esc(slug)}</a>`
      : "";
  const from = v.f[k("from")];
  return `<div class="variant-row" id="variant-${i}"><div class="variant-head"><h2 class="variant-title">Variant ${i + 1}${i === 0 ? " · control" : ""}</h2>${preview}${
    n > MIN_VARIANTS
      ? `<button class="quiet danger-text" name="intent" value="remove_variant_${i}" formnovalidate aria-label="Remove variant ${i + 1}${slug === "" ? "" : ` (${esc(slug)})`}">Remove</button>`
      : ""
  }</div>${from === undefined ? "" : `<input type="hidden" name="${k("from")}" value="${esc(from)}">`}
<div class="grid-4">${textField(v, k("slug"), "Slug", { placeholder: i === 0 ? "a" : "b" })}${textField(v, k("label"), "Label", { placeholder: "shown to operators" })}${textField(
    v,
    k("page"),
    "Page",
    { placeholder: "(the target page)", list: "site-paths" },
  )}${textField(v, k("share"), "Share (%)", { inputmode: "decimal" })}</div>
${textArea(v, k("overrides"), "Inline overrides (optional)", {
  rows: 2,
  hint: "One a line, in order: <code>set_text | h1#headline | New headline</code>, <code>remove | .promo</code>, <code>set_attribute | a.cta | href | /signup</code>.",
})}</div>`;
}
