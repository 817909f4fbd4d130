// The editor's fields for metrics (docs/metrics.md): a value goal's `aggregate` and `cap` on the
// conversion event and in the secondary-goal lines, and the guardrails as JSON. Without them an edit in
// the pages would drop what the API set: a goal's sum would become a plain count, and the guardrails
// would go. The form module calls these; the editor view renders `metricsFieldsHtml`.
import type { ConversionEvent, ExperimentRecord } from "../../core/schema.ts";
import { esc } from "./charts.ts";

type Fields = Record<string, string>;

/** A secondary goal's line: `custom purchase sum` (a value goal), `custom purchase sum 500` (with a cap). */
export function goalLine(g: ConversionEvent): string {
  if (g.type !== "custom") return `${g.type} ${g.path}`;
  if (g.aggregate !== "sum") return `custom ${g.name}`;
  return `custom ${g.name} sum${g.cap === undefined ? "" : ` ${g.cap.value}`}`;
}

const capOf = (raw: string): unknown => {
  const n = Number(raw);
  return raw !== "" && Number.isFinite(n) ? n : raw; // a non-number goes on to validation, which names the field
};

/** The goal a line (or the conversion fields) describes: the name, then optionally `sum` and a cap. */
export function customGoal(words: readonly string[]): unknown {
  const [name = "", aggregate, cap, ...extra] = words;
  if (aggregate === undefined) return { type: "custom", name };
  if (aggregate !== "sum") return { type: "custom", name: [name, aggregate, cap, ...extra].filter((w) => w !== undefined).join(" ") };
  return {
    type: "custom",
    name,
    aggregate: "sum",
    ...(cap === undefined ? {} : { cap: { value: capOf(cap) } }),
    ...(extra.length === 0 ? {} : { unknown: extra.join(" ") }),
  };
}

/** Goals written one a line, as goalLine writes them (`page_view /thanks`, `custom purchase sum 500`). */
export function goalsFromLines(text: string | undefined): unknown[] {
  return (text ?? "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((l) => {
      const [type = "", ...rest] = l.split(/\s+/);
      return type === "custom" ? customGoal(rest) : { type, path: rest.join(" ") };
    });
}

/** The conversion event's value fields and the guardrails, into the input the form builds. */
export function applyMetricsFields(input: Record<string, unknown>, f: Fields): Record<string, unknown> {
  const event = input.conversion_event as { type?: string } | undefined;
  if (event?.type === "custom" && f.conversion_aggregate === "sum") {
    const cap = (f.conversion_cap ?? "").trim();
    input.conversion_event = { ...event, aggregate: "sum", ...(cap === "" ? {} : { cap: { value: capOf(cap) } }) };
  }
  const text = (f.guardrails ?? "").trim();
  if (text === "") input.guardrails = [];
  else {
    try {
      input.guardrails = JSON.parse(text);
    } catch {
      input.guardrails = text; // validation says it is not a list
    }
  }
  return input;
}

/** The record's metric fields, for editing. */
export function metricsFieldsFromRecord(r: Partial<ExperimentRecord>): Fields {
  const e = r.conversion_event;
  return {
    conversion_aggregate: e?.type === "custom" && e.aggregate === "sum" ? "sum" : "",
    conversion_cap: e?.type === "custom" && e.cap !== undefined ? String(e.cap.value) : "",
    guardrails: r.guardrails === undefined || r.guardrails.length === 0 ? "" : JSON.stringify(r.guardrails, null, 1),
  };
}

/** The editor's inputs for them, placed after the secondary goals. */
export function metricsFieldsHtml(f: Fields, started: boolean): string {
  const lock = started ? " disabled" : "";
  return `<fieldset><legend>Value goal</legend><label><input type="checkbox" name="conversion_aggregate" value="sum"${f.conversion_aggregate === "sum" ? " checked" : ""}${lock}> A custom conversion event sums its events' <code>value</code> (revenue per visitor)</label>
<label>Cap per visitor (currency units, optional) <input name="conversion_cap" value="${esc(f.conversion_cap ?? "")}" inputmode="decimal"${started ? " readonly" : ""}></label>${started && f.conversion_aggregate === "sum" ? `<input type="hidden" name="conversion_aggregate" value="sum">` : ""}</fieldset>
<label>Guardrails, JSON (<code>[{"metric":"error_rate","max_degradation":0.02}]</code>; also <code>origin_latency_ms</code> and <code>goal</code>)<textarea name="guardrails" rows="3">${esc(f.guardrails ?? "")}</textarea></label>`;
}
