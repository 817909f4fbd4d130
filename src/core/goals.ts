// Conversion goals: the primary conversion event and the secondary goals, each under a stable key so
// that run-data survives an edit of the secondary-goal list.
import type { ConversionEvent } from "./schema.ts";

export function goalKey(e: ConversionEvent): string {
  return e.type === "custom" ? `custom:${e.name}` : `${e.type}:${e.path}`;
}

/** The primary goal's key first, then the secondary goals' keys, without repeats. */
export function goalKeys(primary: ConversionEvent, secondary: readonly ConversionEvent[]): string[] {
  return [...new Set([goalKey(primary), ...secondary.map(goalKey)])];
}
