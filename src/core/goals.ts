// Conversion goals: the primary conversion event and the secondary goals, each under a stable key so
// that run-data survives an edit of the secondary-goal list.
import type { ConversionEvent } from "./schema.ts";

export function goalKey(e: ConversionEvent): string {
  return e.type === "custom" ? `custom:${e.name}` : `${e.type}:${e.path}`;
}
