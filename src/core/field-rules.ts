// The rules of single fields, shared by the zod schemas (schema.ts, the admin's side) and the edge's
// hand-checked parser of the published config (edge-config.ts), so that the two cannot drift apart on a
// pattern or a limit. Imports no zod: the edge may import it.
import { MAX_SHARDS } from "./shards.ts";

export const SLUG_PATTERN = /^[a-z0-9-]{1,64}$/;
export const SLUG_MESSAGE = "use 1 to 64 of a-z, 0-9 and -";

export const CUSTOM_EVENT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
export const CUSTOM_EVENT_MESSAGE = "use 1 to 64 of A-Z, a-z, 0-9, _ . : -";

/** The states the edge acts on, as published. */
export const EDGE_STATES = ["live", "paused", "done"] as const;
export type EdgeState = (typeof EDGE_STATES)[number];

export const EDGE_CONFIG_SCHEMA_VERSION = 1;

export const CONVERSION_TYPES = ["page_view", "form_submission", "custom"] as const;

/**
 * Value metrics (docs/metrics.md): a custom goal with `aggregate: "sum"` sums the `value` its events
 * carry. Values are currency units with cents: run-data keeps them as whole cents (VALUE_SCALE per unit),
 * so that sums are exact integers. An event's value is a finite number from 0 to MAX_EVENT_VALUE, rounded
 * to the nearest cent; a goal's per-visitor cap, if any, is above 0 and at most MAX_VALUE_CAP, with at
 * most two decimals.
 */
export const GOAL_AGGREGATES = ["sum"] as const;
export const VALUE_SCALE = 100;
export const MAX_EVENT_VALUE = 1_000_000;
export const MAX_VALUE_CAP = 1_000_000_000;

/** A value in whole cents, or NaN when it has more than two decimals (as shareInBuckets is for shares). */
export function valueInCents(value: number): number {
  const scaled = Math.round(value * VALUE_SCALE);
  return Math.abs(scaled - value * VALUE_SCALE) < 1e-6 ? scaled : Number.NaN;
}

/** An event's own id (an order number, say): what makes a repeat of the same event count once. */
export const EVENT_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const EVENT_ID_MESSAGE = "use 1 to 128 printable ASCII characters, no spaces";

export const OVERRIDE_ACTIONS = ["set_text", "set_html", "set_attribute", "remove", "append", "prepend"] as const;

/** How many of each thing a record, and the document the edge reads, may hold. */
export const LIMITS = {
  minVariants: 2,
  maxVariants: 20,
  maxOverrides: 50,
  maxSecondaryGoals: 20,
  maxGuardrails: 10,
  maxPublishedExperiments: 1000,
  maxShards: MAX_SHARDS,
  maxSelectorLength: 500,
  maxAttributeLength: 100,
  maxOverrideValueLength: 65_536,
} as const;

// An RFC 3339 timestamp in UTC as Date.prototype.toISOString writes it (and as zod's iso.datetime()
// accepts it by default): a real calendar date, seconds required, any fraction, and Z.
const DATE = String.raw`(?:\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))|(?:\d\d(?:[2468][048]|[13579][26]|0[48])|(?:[02468][048]|[13579][26])00)-02-29)`;
export const UTC_TIMESTAMP = new RegExp(String.raw`^${DATE}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$`);
