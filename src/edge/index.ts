export { createEdge, type Edge, type Origin } from "./handler.ts";
export { type ConfigStore, EDGE_CONFIG_KEY, type EdgeOptions, type EventSink, withDefaults } from "./options.ts";
