// Who is in an experiment: audiences, coverage, exclusive layers, holdouts, schedules, crawlers, and
// the one function that applies them in order (entry.ts). Pure and zod-free: the zod schemas
// (schema.ts) are for the admin side, which imports them on their own. docs/audiences.md is the
// specification.
export * from "./attributes.ts";
export * from "./audience.ts";
export * from "./coverage.ts";
export * from "./crawlers.ts";
export * from "./device.ts";
export * from "./entry.ts";
export * from "./holdouts.ts";
export * from "./language.ts";
export * from "./layers.ts";
export * from "./parse.ts";
export * from "./path-pattern.ts";
export { BOTS_RULES, type BotsRule, goalKeyProblem, isUtcInstant, MAX_HOLDOUTS, percentBuckets, percentProblem } from "./rules.ts";
export * from "./schedule.ts";
export * from "./seo.ts";
