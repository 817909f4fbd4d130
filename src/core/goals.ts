// Conversion goals: the primary conversion event and the secondary goals, each under a stable key so
// that run-data survives an edit of the secondary-goal list. A value goal (aggregate "sum") has its own
// key, with its cap in cents: `sum:purchase`, `sum:purchase@50000`. Another cap is another measurement,
// so it is counted under another key from the moment it is published (docs/metrics.md).
import { valueInCents } from "./field-rules.ts";
import type { ConversionEvent } from "./schema.ts";

export function goalKey(e: ConversionEvent): string {
  if (e.type !== "custom") return `${e.type}:${e.path}`;
  if (e.aggregate !== "sum") return `custom:${e.name}`;
  return e.cap === undefined ? `sum:${e.name}` : `sum:${e.name}@${valueInCents(e.cap.value)}`;
}

/** Whether the goal sums its events' values (a value metric), not only counts converting visitors. */
export function isValueGoal(e: ConversionEvent): e is Extract<ConversionEvent, { type: "custom" }> & { aggregate: "sum" } {
  return e.type === "custom" && e.aggregate === "sum";
}

/** The per-visitor cap of a value goal in cents, or null for none. */
export function capCents(e: ConversionEvent): number | null {
  return e.type === "custom" && e.cap !== undefined ? valueInCents(e.cap.value) : null;
}
