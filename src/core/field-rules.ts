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

export const OVERRIDE_ACTIONS = ["set_text", "set_html", "set_attribute", "remove", "append", "prepend"] as const;

/** How many of each thing a record, and the document the edge reads, may hold. */
export const LIMITS = {
  minVariants: 2,
  maxVariants: 20,
  maxOverrides: 50,
  maxSecondaryGoals: 20,
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
