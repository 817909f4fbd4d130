// The value rules of the targeting fields, shared by the admin's zod schemas (schema.ts) and the edge's
// hand-checked parser (parse.ts), so that the two agree on what is valid by construction and the
// property test between them only has to hold their structure together. Nothing here imports zod.
import { shareInBuckets } from "../assignment.ts";
import { CUSTOM_EVENT_MESSAGE, CUSTOM_EVENT_NAME, UTC_TIMESTAMP } from "../field-rules.ts";
import { samePathProblem } from "../paths.ts";

/** Why `p` is not a percent of 0–100 with at most two decimals, or null. */
export function percentProblem(p: number): string | null {
  if (!(p >= 0 && p <= 100)) return "must be a percent from 0 to 100";
  return Number.isNaN(shareInBuckets(p)) ? "may have at most two decimals" : null;
}

/** A valid percent in hundredths: the number of buckets of 10,000 it owns. */
export const percentBuckets = (p: number): number => Math.round(p * 100);

/** Most holdouts a published config carries. */
export const MAX_HOLDOUTS = 20;

export const BOTS_RULES = ["like_visitors", "control"] as const;
export type BotsRule = (typeof BOTS_RULES)[number];

/**
 * Why `key` is not a goal key, or null. A goal key is how run-data names a goal (`goalKey` in
 * goals.ts): `page_view:<path>`, `form_submission:<path>` or `custom:<event name>`.
 */
export function goalKeyProblem(key: string): string | null {
  const colon = key.indexOf(":");
  const type = colon === -1 ? "" : key.slice(0, colon);
  const rest = key.slice(colon + 1);
  if (type === "page_view" || type === "form_submission") {
    const problem = samePathProblem(rest);
    return problem === null ? null : `the path of ${type}:<path> ${problem}`;
  }
  if (type === "custom") return CUSTOM_EVENT_NAME.test(rest) ? null : `custom:<name>: ${CUSTOM_EVENT_MESSAGE}`;
  return "a goal is page_view:<path>, form_submission:<path> or custom:<event name>";
}

/**
 * An ISO 8601 instant in UTC with a real calendar date (`2026-03-01T09:00:00Z`, any fraction of a
 * second): the same set as zod's `z.iso.datetime()`, and the same check the edge already makes of
 * the config's `published_at` (field-rules.ts).
 */
export const isUtcInstant = (s: string): boolean => UTC_TIMESTAMP.test(s);
