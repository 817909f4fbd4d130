export { EDGE_CONFIG_KEY } from "../names.ts";
export { createEdge, type Edge, type Origin } from "./handler.ts";
export { type EdgeOptions, type ResolvedEdgeOptions, withDefaults } from "./options.ts";
export type { ConfigStore, EventSink, RunEvent } from "./ports.ts";
