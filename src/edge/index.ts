export type { ConfigCacheOptions } from "./config-cache.ts";
export { createEdge, type Edge, type Origin } from "./handler.ts";
export {
  type ConfigStore,
  EDGE_CONFIG_KEY,
  type EdgeOptions,
  type Exposure,
  type ExposureSink,
  withDefaults,
} from "./options.ts";
