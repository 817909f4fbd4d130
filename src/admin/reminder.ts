// The reminder to move a long-shipped variant into the site, in words: the catalog says which variant
// and for how many days (catalog/evaluation.ts's shippedReminder); the API and the pages say it so.
import type { ShippedReminder } from "../catalog/catalog-object.ts";

export function reminderText(due: ShippedReminder | null): string | null {
  if (due === null) return null;
  return `Variant ${due.variant} has been served through the experiment layer for ${due.days} days: move it into the site and archive this experiment, since every request still passes through it.`;
}
