// Who enters the experiment (docs/audiences.md): the audience as rows of conditions, added without
// script (the "Add a condition" button posts the form, which comes back with every typed value and one
// row more), the coverage, the layer slice, the schedule and what crawlers get. A row left empty is no
// condition; no condition at all is no audience (everyone).
import { FIXED_ATTRIBUTES } from "../../../../core/targeting/attributes.ts";
import { MAX_CONDITIONS } from "../../../../core/targeting/audience.ts";
import { esc, selectOf } from "../../html.ts";
import { OPERATOR_WORDS } from "../audience-words.ts";
import { errorParts, fieldId, textArea, textField } from "./fields.ts";
import type { EditorSection, EditorView, Fields } from "./section.ts";

/** Rows shown when the audience has fewer conditions: enough to write a typical one without a round trip. */
const MIN_ROWS = 2;

const MATCH_WORDS: Record<string, string> = { all: "every condition holds", any: "at least one condition holds" };
const BOTS_WORDS: Record<string, string> = {
  like_visitors: "Served like visitors, never counted (recommended)",
  control: "Always the control, no cookie, never counted",
};
const ATTRIBUTE_SUGGESTIONS = [...FIXED_ATTRIBUTES, "query.utm_source", "query.utm_campaign", "cookie.", "header."];

/** How many condition rows the form holds (at least MIN_ROWS, at most MAX_CONDITIONS). */
export function conditionCount(f: Fields): number {
  const n = Number(f.audience_count);
  if (Number.isInteger(n)) return Math.min(MAX_CONDITIONS, Math.max(MIN_ROWS, n));
  let rows = 0;
  while (rows < MAX_CONDITIONS && f[`audience_${rows}_attribute`] !== undefined) rows++;
  return Math.max(MIN_ROWS, rows);
}

/** The form with one empty condition row more (up to the maximum). */
export function addConditionRow(f: Fields): Fields {
  const n = conditionCount(f);
  if (n >= MAX_CONDITIONS) return f;
  return {
    ...f,
    audience_count: String(n + 1),
    [`audience_${n}_attribute`]: "",
    [`audience_${n}_operator`]: "in",
    [`audience_${n}_values`]: "",
  };
}

const ROW_KEYS = ["attribute", "operator", "values"] as const;
const rowEmpty = (f: Fields, i: number) =>
  (f[`audience_${i}_attribute`] ?? "").trim() === "" && (f[`audience_${i}_values`] ?? "").trim() === "";

/**
 * The form with its filled condition rows first, in their order, and the empty ones after: so the
 * n-th condition the validator names is the n-th row on the page.
 */
export function compactConditions(f: Fields): Fields {
  const n = conditionCount(f);
  const filled = Array.from({ length: n }, (_, i) => i).filter((i) => !rowEmpty(f, i));
  if (filled.every((row, k) => row === k)) return f;
  const out: Fields = { ...f };
  for (let k = 0; k < n; k++) {
    const from = filled[k];
    for (const key of ROW_KEYS) {
      if (from === undefined) out[`audience_${k}_${key}`] = key === "operator" ? "in" : "";
      else out[`audience_${k}_${key}`] = f[`audience_${from}_${key}`] ?? "";
    }
  }
  return out;
}

/**
 * Values as typed: separated by commas, or one a line when the text has a line break (so a value may
 * hold a comma). Spaces around each value are not part of it.
 */
export function parseValues(text: string): string[] {
  const parts = /[\r\n]/.test(text) ? text.split(/\r?\n/) : text.split(",");
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** The inverse of parseValues: commas, unless a value holds one (then one a line, ending with a break). */
export function formatValues(values: readonly string[]): string {
  return values.some((v) => v.includes(",")) ? `${values.join("\n")}\n` : values.join(", ");
}

function numberOr(value: string | undefined, fallback: unknown): unknown {
  const v = (value ?? "").trim();
  if (v === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : v; // a non-number goes on to validation, which names the field
}

const timeOr = (value: string | undefined): string | null => {
  const v = (value ?? "").trim();
  return v === "" ? null : v;
};

/** Only a draft or a paused experiment can be given a start (a live one has started). */
const startEditable = (v: { mode: EditorView["mode"] }) => v.mode.state === "draft" || v.mode.state === "paused";

export const whoEnters: EditorSection = {
  fields: (r) => {
    const conditions = r.audience?.conditions ?? [];
    const f: Fields = {
      audience_match: r.audience?.match ?? "all",
      audience_count: String(Math.max(MIN_ROWS, conditions.length)),
      coverage_percent: r.coverage_percent === undefined ? "100" : String(r.coverage_percent),
      layer_slug: r.layer?.slug ?? "",
      layer_from: r.layer === undefined || r.layer === null ? "" : String(r.layer.from),
      layer_to: r.layer === undefined || r.layer === null ? "" : String(r.layer.to),
      scheduled_start_at: r.scheduled_start_at ?? "",
      scheduled_end_at: r.scheduled_end_at ?? "",
      bots: r.bots ?? "like_visitors",
    };
    conditions.forEach((c, i) => {
      f[`audience_${i}_attribute`] = c.attribute;
      f[`audience_${i}_operator`] = c.operator;
      f[`audience_${i}_values`] = formatValues(c.values ?? []);
    });
    return f;
  },
  input: (f, base, mode) => {
    const conditions: unknown[] = [];
    for (let i = 0; i < conditionCount(f); i++) {
      const attribute = (f[`audience_${i}_attribute`] ?? "").trim();
      const valuesText = f[`audience_${i}_values`] ?? "";
      if (attribute === "" && valuesText.trim() === "") continue; // an empty row is no condition
      conditions.push({ attribute, operator: f[`audience_${i}_operator`] ?? "in", values: parseValues(valuesText) });
    }
    const slug = (f.layer_slug ?? "").trim();
    const from = (f.layer_from ?? "").trim();
    const to = (f.layer_to ?? "").trim();
    return {
      audience: conditions.length === 0 ? null : { match: f.audience_match === "any" ? "any" : "all", conditions },
      coverage_percent: numberOr(f.coverage_percent, 100),
      layer: slug === "" && from === "" && to === "" ? null : { slug, from: numberOr(from, 0), to: numberOr(to, 100) },
      scheduled_start_at: startEditable({ mode }) ? timeOr(f.scheduled_start_at) : (base.scheduled_start_at ?? null),
      scheduled_end_at: timeOr(f.scheduled_end_at),
      bots: f.bots === "control" ? "control" : "like_visitors",
    };
  },
  render: (v) => {
    const n = conditionCount(v.f);
    const groupErr = errorParts(v, "audience", null);
    const matchId = fieldId("audience_match");
    const botsId = fieldId("bots");
    const botsErr = errorParts(v, "bots", null);
    const rows = Array.from({ length: n }, (_, i) => conditionRow(v, i)).join("\n");
    const startLocked = !startEditable(v);
    return `<fieldset class="who-enters${groupErr.html === "" ? "" : " has-error"}" id="${fieldId("audience")}"><legend>Who enters</legend>
<p class="hint">Visitors outside the audience, the coverage or the layer slice get the page as the site serves it: no assignment, no cookie, not counted. A visitor already assigned keeps their variant when these change.</p>${groupErr.html}
<h2 class="variant-title">Audience</h2>
<div class="field"><label for="${matchId}">Enter when</label>${selectOf("audience_match", matchId, v.f.audience_match ?? "all", MATCH_WORDS)}</div>
<input type="hidden" name="audience_count" value="${n}">
<datalist id="audience-attributes">${ATTRIBUTE_SUGGESTIONS.map((a) => `<option value="${esc(a)}"></option>`).join("")}</datalist>
${rows}
<p class="hint">Leave every row empty for everyone; an empty row is ignored. Values are separated by commas (one a line if a value holds a comma). Countries are two-letter codes (DE, GB), devices mobile, tablet or desktop, paths may use * and **.</p>
${
  n < MAX_CONDITIONS
    ? `<button class="secondary" name="intent" value="add_condition" formnovalidate>+ Add a condition</button>`
    : `<p class="hint">${MAX_CONDITIONS} conditions is the most an audience can have.</p>`
}
<h2 class="variant-title">Share and layer</h2>
<div class="grid-4">${textField(v, "coverage_percent", "Coverage (%)", {
      inputmode: "decimal",
      hint: "The share of the audience that enters, by a hash of the visitor: raising it only adds visitors.",
    })}${textField(v, "layer_slug", "Exclusive layer", {
      placeholder: "no layer",
      hint: "Experiments of one layer never share a visitor.",
    })}${textField(v, "layer_from", "Layer slice from (%)", { inputmode: "decimal", placeholder: "0" })}${textField(
      v,
      "layer_to",
      "to (%)",
      { inputmode: "decimal", placeholder: "100", hint: "This experiment owns [from, to) of the layer's visitors." },
    )}</div>
<h2 class="variant-title">Schedule</h2>
<div class="grid-2">${
      startLocked
        ? `<div class="field"><p class="hint"><strong>Start at:</strong> a start can be scheduled while the experiment is a draft or paused.</p></div>`
        : textField(v, "scheduled_start_at", "Start at", {
            placeholder: "2026-03-01T09:00:00Z",
            hint: "Optional. ISO 8601 with Z (UTC) or an offset such as +01:00; the experiment starts (or resumes) then.",
          })
    }${textField(v, "scheduled_end_at", "Pause at", {
      placeholder: "2026-03-15T09:00:00Z",
      hint: "Optional. From this time visitors get the control and nothing is counted; the experiment is paused.",
    })}</div>
<h2 class="variant-title">Crawlers and tools</h2>
<div class="field"><label for="${botsId}">Search engines, link previews, curl and headless browsers</label>${selectOf(
      "bots",
      botsId,
      v.f.bots ?? "like_visitors",
      BOTS_WORDS,
      botsErr.attrs,
    )}<p class="hint">Serving crawlers what visitors get avoids what search engines call cloaking.</p>${botsErr.html}</div>
</fieldset>`;
  },
};

function conditionRow(v: EditorView, i: number): string {
  const k = (s: string) => `audience_${i}_${s}`;
  const opId = fieldId(k("operator"));
  const opErr = errorParts(v, k("operator"), null);
  return `<div class="condition-row grid-3" id="condition-${i}" role="group" aria-label="Condition ${i + 1}">${textField(
    v,
    k("attribute"),
    `Condition ${i + 1}: attribute`,
    {
      placeholder: i === 0 ? "country" : "query.utm_source",
      list: "audience-attributes",
    },
  )}<div class="field${opErr.html === "" ? "" : " has-error"}"><label for="${opId}">Operator</label>${selectOf(
    k("operator"),
    opId,
    v.f[k("operator")] ?? "in",
    OPERATOR_WORDS,
    opErr.attrs,
  )}${opErr.html}</div>${textArea(v, k("values"), "Values", { rows: 1, placeholder: i === 0 ? "DE, AT" : "newsletter" })}</div>`;
}
