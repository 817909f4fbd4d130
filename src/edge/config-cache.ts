// The edge's copy of the published config. Steady traffic reads it from isolate memory; KV is read when
// the copy is older than the TTL, in the background (stale-while-revalidate), so no visitor waits on KV
// except the first request of a fresh isolate, and that one waits at most `timeoutMs`.

import { parseEdgeConfig } from "../core/edge-config.ts";
import { type CompiledConfig, compileConfig, EMPTY_CONFIG } from "../core/edge-plan.ts";
import { EDGE_CONFIG_KEY } from "../names.ts";
import type { ConfigStore } from "./ports.ts";

export interface ConfigCacheOptions {
  ttlMs: number;
  timeoutMs: number;
  kvCacheTtlSeconds: number;
  cookiePrefix: string;
  log: (message: string, error?: unknown) => void;
}

const FAILED_READ_RETRY_MS = 1_000;
const TIMED_OUT = Symbol("timed out");

function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let cancel = (): void => {};
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    const timer = setTimeout(() => resolve(TIMED_OUT), ms);
    cancel = () => clearTimeout(timer);
  });
  return Promise.race([promise, timeout]).finally(cancel);
}

export class ConfigCache {
  private config: CompiledConfig | undefined;
  private fetchedAt = 0;
  private refreshing = false;
  private rawSeen: string | null | undefined;

  private readonly o: ConfigCacheOptions;

  constructor(options: ConfigCacheOptions) {
    this.o = options;
  }

  private mustReread = false;
  private readFailed = false;

  /**
   * Whether the config in hand is the stand-in for one that could not be read (no experiments), not a
   * published document: pages are served untouched either way, but custom events must not be answered
   * as if there were nothing to count.
   */
  get lastReadFailed(): boolean {
    return this.readFailed && this.config === EMPTY_CONFIG;
  }

  /**
   * A fresh read for a request that can afford to wait up to `timeoutMs` (a custom-event post): the
   * config, or undefined when none could be read in that time.
   */
  async patient(store: ConfigStore, ctx: ExecutionContext, now: number, timeoutMs: number): Promise<CompiledConfig | undefined> {
    const pending = this.refresh(store, now, false);
    ctx.waitUntil(pending);
    const r = await within(pending, timeoutMs);
    return r === TIMED_OUT || r === undefined || this.lastReadFailed ? undefined : r;
  }

  /**
   * The next request re-reads KV before it is served (within the time budget, else from the old copy).
   * The admin calls this after publishing from the same isolate, so an operator sees a change at once.
   */
  invalidate(): void {
    this.mustReread = true;
  }

  /**
   * The config to act on, or undefined when there is none to be had in time (pass the request through).
   * Synchronous when the copy is fresh, which is nearly always.
   */
  get(
    store: ConfigStore | undefined,
    ctx: ExecutionContext,
    now: number,
  ): CompiledConfig | undefined | Promise<CompiledConfig | undefined> {
    if (this.mustReread && store !== undefined) {
      this.mustReread = false;
      const pending = this.refresh(store, now, false);
      ctx.waitUntil(pending);
      return within(pending, this.o.timeoutMs).then((r) => (r === TIMED_OUT ? this.config : r));
    }
    if (this.config !== undefined) {
      if (now - this.fetchedAt >= this.o.ttlMs && store !== undefined) {
        ctx.waitUntil(this.refresh(store, now, true));
      }
      return this.config; // possibly stale: a slightly old config beats a slow page
    }
    if (store === undefined) return undefined;
    const pending = this.refresh(store, now, false);
    ctx.waitUntil(pending); // a timed-out read still fills the cache for the next request
    return within(pending, this.o.timeoutMs).then((r) => (r === TIMED_OUT ? undefined : r));
  }

  /**
   * Reads KV in the calling request's own context. Workers bind a promise to the request that made it,
   * and a request that awaits another's may be cancelled, so no read is ever shared between requests:
   * a background refresh is guarded by a flag instead, and a cold request does its own read.
   */
  private refresh(store: ConfigStore, now: number, background: boolean): Promise<CompiledConfig | undefined> {
    if (background) {
      if (this.refreshing) return Promise.resolve(this.config);
      this.refreshing = true;
    }
    this.fetchedAt = now; // one refresh per TTL per isolate
    const load = async (): Promise<CompiledConfig | undefined> => {
      try {
        const raw = await store.get(EDGE_CONFIG_KEY, { type: "text", cacheTtl: this.o.kvCacheTtlSeconds });
        if (raw === this.rawSeen && this.config !== undefined) {
          this.readFailed = false;
          return this.config;
        }
        const parsed = this.parse(raw);
        if (parsed === undefined) return this.failed(now);
        this.config = parsed;
        this.rawSeen = raw;
        this.readFailed = false;
        return this.config;
      } catch (err) {
        this.o.log("sgen-ab: could not read the experiment config from KV; keeping the last good copy", err);
        return this.failed(now);
      } finally {
        if (background) this.refreshing = false;
      }
    };
    return load();
  }

  /**
   * After a failed read, keep the last good copy; with none, act on no experiments (every page served
   * untouched) rather than read KV on every request, and try again in a second rather than a full TTL.
   */
  private failed(now: number): CompiledConfig {
    if (this.config === undefined || this.config === EMPTY_CONFIG) {
      this.config = EMPTY_CONFIG;
      this.readFailed = true;
      this.fetchedAt = now - this.o.ttlMs + FAILED_READ_RETRY_MS;
    }
    return this.config;
  }

  private parse(raw: string | null): CompiledConfig | undefined {
    if (raw === null) return EMPTY_CONFIG; // nothing published yet: no experiments
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      this.o.log("sgen-ab: the published config is not JSON; keeping the last good copy", err);
      return undefined;
    }
    const parsed = parseEdgeConfig(json);
    if (!parsed.ok) {
      const problems = parsed.problems.map((p) => `${p.path}: ${p.message}`).join("; ");
      this.o.log(`sgen-ab: the published config does not match kv-schema (${problems}); keeping the last good copy`);
      return undefined;
    }
    const compiled = compileConfig(parsed.value, this.o.cookiePrefix);
    for (const skipped of compiled.skippedOverrides) {
      this.o.log(`sgen-ab: not applying ${skipped}; the experiment does not allow script overrides`);
    }
    return compiled;
  }
}
