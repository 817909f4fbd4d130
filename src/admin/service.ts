// The admin's one service, behind both the JSON API (api.ts) and the operators' pages (pages/app.ts):
// sign-in (a token to an operator, under the rate limit), authorisation (the operator's role against a
// capability), id parsing, loading what an operator may see or edit, the writes with the flags their
// role allows, and the results exports. The two front ends differ only in how they speak (JSON errors
// or HTML pages); what an operator may do, and how it is checked, is decided here once.
import type { ActionBody, RunState, Webhook, WebhookDelivery, WriteOutcome } from "../catalog/catalog-object.ts";
import { type CatalogNamespace, catalogStub } from "../catalog/names.ts";
import { type ApiError, fail, ok, type Result } from "../core/errors.ts";
import { goalKey } from "../core/goals.ts";
import type { HoldoutInput, HoldoutRecord } from "../core/holdout-schema.ts";
import { ACTION_CAPABILITY, type Action, editCapability } from "../core/lifecycle.ts";
import type { ListQuery } from "../core/list-query.ts";
import type { RunSummary } from "../core/list-summary.ts";
import { type Capability, type Operator, roleCan } from "../core/permissions.ts";
import { type PlanAdvice, type PlanQuery, planAdvice } from "../core/plan-advice.ts";
import type { ExperimentInput, ExperimentRecord } from "../core/schema.ts";
import { withPath } from "../core/url.ts";
import type { WebhookInput } from "../core/webhooks.ts";
import { qaLink } from "../edge/qa-link.ts";
import { type AccessConfig, type AccessIdentity, accessConfigured, accessIdentity } from "./access.ts";
import { fromHex, operatorForDigest, sha256, toHex } from "./auth.ts";
import { buildDashboard } from "./dashboard.ts";
import { buildHoldoutDashboard, type HoldoutDashboard } from "./holdout-dashboard.ts";
import { reminderText } from "./reminder.ts";
import { resultsCsv, resultsJson } from "./results.ts";
import { type Roles, rolesFrom } from "./roles.ts";
import { idleTimeoutMs, SESSION_HOURS } from "./session.ts";
import { bindingRetryAfter, clientKey, noteFailedSignIn, retryAfterSeconds } from "./signin-limit.ts";

export interface AdminServiceOptions<Env> {
  catalog: (env: Env) => CatalogNamespace | undefined;
  /** The `SGEN_ADMIN_TOKENS` secret: JSON `[{ "sha256", "operator", "role" }]`. */
  tokens: (env: Env) => string | undefined;
  /** Custom roles, JSON `{ "role": ["capability", …] }`; they replace defaults of the same name. */
  roles?: (env: Env) => string | undefined;
  /**
   * A Workers Rate Limiting binding that bounds sign-in attempts per client (every API request and
   * login post), checked before the catalog is asked. The ready Worker passes `SGEN_ADMIN_RATE_LIMIT`.
   */
  rateLimit?: (env: Env) => RateLimit | undefined;
  /**
   * Cloudflare Access as the gate (admin/access.ts): the team domain, the application's audience tag and
   * the identities' operators. The ready Worker passes SGEN_ACCESS_TEAM_DOMAIN, SGEN_ACCESS_AUD and
   * SGEN_ACCESS_OPERATORS. Without them, Access assertions are ignored.
   */
  access?: (env: Env) => AccessConfig | undefined;
  /** Fetches the Access team's key set (default: the runtime's fetch); tests serve a local one. */
  accessFetch?: typeof fetch;
  /** Called after a write that changed what the edge sees (the ready Worker drops its config copy). */
  onPublished?: () => void;
  /**
   * Signs QA links; the edge must check them with the same secret (its `qaSecret`). The ready Worker
   * and `createAdmin` use `SGEN_SESSION_SECRET` for both. Without it, no QA links are made.
   */
  qaSecret?: (env: Env) => string | undefined;
}

/** How long a QA link made by the admin works: long enough to pass to a colleague, short enough not to linger. */
export const QA_LINK_HOURS = 24;

/** A published experiment's QA links, one per variant (docs/admin-api.md#qa-links). */
export interface QaLinks {
  readonly expires_at: string;
  readonly links: ReadonlyArray<{ readonly variant: string; readonly label: string; readonly url: string }>;
}

/** The states in which the edge has the experiment, so a QA link shows something. */
const QA_STATES: ReadonlySet<string> = new Set(["live", "paused", "done"]);

export type CatalogStub = ReturnType<typeof catalogStub>;

/** An authenticated operator and what their role may do. */
export interface Access {
  readonly operator: Operator;
  readonly roles: Roles;
  can(capability: Capability): boolean;
  /** The 403 answer when the role lacks `capability`, else null. */
  denied(capability: Capability): ApiError | null;
}

export type SignIn =
  | { readonly ok: true; readonly operator: Operator; readonly digest: Uint8Array }
  | { readonly ok: false; readonly status: 401 }
  | { readonly ok: false; readonly status: 429; readonly retryAfter: number };

/** A list row as the API and the pages show it: the reminder in words, and the run's summary (core/list-summary.ts). */
export type ListRow = ExperimentRecord & { sample: number; reminder: string | null; summary: RunSummary };

export type Dashboard = ReturnType<typeof buildDashboard>;

export interface ResultsFile {
  readonly filename: string;
  readonly contentType: string;
  readonly body: string;
}

/** An experiment id from a path or a query: a positive integer in its plain decimal spelling, else null. */
export function parseId(raw: string | number | null | undefined): number | null {
  if (typeof raw === "number") return Number.isSafeInteger(raw) && raw > 0 ? raw : null;
  return raw !== null && raw !== undefined && /^[1-9][0-9]{0,14}$/.test(raw) ? Number(raw) : null;
}

/** An id as it came in a path or a query, or an id already known. */
type RawId = string | number | undefined;

const NO_SUCH_EXPERIMENT: Result<never> = fail(404, "not_found", "no such experiment");
const NO_SUCH_WEBHOOK: Result<never> = fail(404, "not_found", "no such webhook");
const runDataUnavailable = (message: string): Result<never> => fail(503, "run_data_unavailable", message);
const NO_SUCH_HOLDOUT: Result<never> = fail(404, "not_found", "no such holdout");
export const CATALOG_UNAVAILABLE: Result<never> = fail(503, "catalog_unavailable", "the catalog Durable Object is not bound");

export function access(operator: Operator, roles: Roles): Access {
  const can = (capability: Capability) => roleCan(roles, operator.role, capability);
  return {
    operator,
    roles,
    can,
    denied: (capability) =>
      can(capability)
        ? null
        : { status: 403, code: "forbidden", message: `the role ${operator.role} may not ${capability.replace("experiments.", "")}` },
  };
}

const denial = (a: Access, capability: Capability): Result<never> | null => {
  const d = a.denied(capability);
  return d === null ? null : fail(d.status, d.code, d.message);
};

export class AdminService<Env extends object> {
  private readonly o: AdminServiceOptions<Env>;

  constructor(options: AdminServiceOptions<Env>) {
    this.o = options;
  }

  /** The catalog object of `env`, or the 503 answer when it is not bound. */
  catalog(env: Env): Result<CatalogStub> {
    const ns = this.o.catalog(env);
    return ns === undefined ? CATALOG_UNAVAILABLE : ok(catalogStub(ns));
  }

  /**
   * `run` with the catalog and the id from a path: `missing` (a 404) when the id is not one, the
   * catalog's 503 when there is none. A caller checks capabilities first: a denial comes before both.
   */
  private async byId<T>(
    env: Env,
    rawId: RawId,
    missing: Result<never>,
    run: (catalog: CatalogStub, id: number) => Promise<Result<T>>,
  ): Promise<Result<T>> {
    const id = parseId(rawId);
    if (id === null) return missing;
    const catalog = this.catalog(env);
    return catalog.ok ? run(catalog.value, id) : catalog;
  }

  /** The role map in force for `env`. */
  roles(env: Env): Roles {
    return rolesFrom(this.o.roles?.(env));
  }

  access(env: Env, operator: Operator): Access {
    return access(operator, this.roles(env));
  }

  // ---- sign-in ------------------------------------------------------------------------------------

  /**
   * Signs in with `token` (null: none was presented, or the front end refuses it, which counts as a
   * failure). A client over the failure limit is refused before the token is looked at; a wrong token
   * is counted against the client.
   */
  async signIn(env: Env, request: Request, token: string | null): Promise<SignIn> {
    const ns = this.o.catalog(env);
    const store = ns === undefined ? null : catalogStub(ns);
    const digest = token === null ? null : await sha256(token);
    const client = clientKey(request, digest);
    const limited = await bindingRetryAfter(this.rateLimiter(env), client);
    if (limited > 0) return { ok: false, status: 429, retryAfter: limited };
    const retryAfter = store === null ? 0 : await retryAfterSeconds(store, client, env as Record<string, unknown>);
    if (retryAfter > 0) return { ok: false, status: 429, retryAfter };
    const operator = digest === null ? null : operatorForDigest(digest, this.o.tokens(env));
    if (operator === null || digest === null) {
      if (store !== null) await noteFailedSignIn(store, client);
      return { ok: false, status: 401 };
    }
    return { ok: true, operator, digest };
  }

  private rateLimiter(env: Env): RateLimit | undefined {
    return this.o.rateLimit?.(env);
  }

  /** The operator a session's token digest (hex) still belongs to; null once the token is removed. */
  operatorForSession(env: Env, digestHex: string): Operator | null {
    return operatorForDigest(fromHex(digestHex), this.o.tokens(env));
  }

  // ---- Cloudflare Access ------------------------------------------------------------------------

  /** Whether this deployment takes Cloudflare Access identities (its settings are present and valid). */
  accessConfigured(env: Env): boolean {
    return accessConfigured(this.o.access?.(env));
  }

  /** What the request's `Cf-Access-Jwt-Assertion` proves, verified against the team's keys. */
  accessIdentity(env: Env, request: Request): Promise<AccessIdentity> {
    return accessIdentity(request, this.o.access?.(env), this.o.accessFetch);
  }

  // ---- page sessions (kept in the catalog: ending one is real) ------------------------------------

  /** Stores a new page session under `key` for the operator who signed in with the token of `digest`. */
  async openSession(env: Env, key: string, operator: Operator, digest: Uint8Array, now: number): Promise<Result<null>> {
    const catalog = this.catalog(env);
    if (!catalog.ok) return catalog;
    await catalog.value.openSession(key, operator, toHex(digest), now, SESSION_HOURS * 3_600_000);
    return ok(null);
  }

  /**
   * The operator of the live session under `key` at `now` (one catalog call), or null: no such session,
   * past its 8 hours or its idle timeout, or signed in with a token since removed (its sessions are then
   * ended in storage, so that restoring the token does not revive them).
   */
  async resumeSession(env: Env, key: string, now: number): Promise<Operator | null> {
    const catalog = this.catalog(env);
    if (!catalog.ok) return null;
    const stored = await catalog.value.touchSession(key, now, idleTimeoutMs(env as Record<string, unknown>));
    if (stored === null) return null;
    const operator = this.operatorForSession(env, stored.tokenDigest);
    if (operator === null) await catalog.value.closeSessionsOfToken(stored.tokenDigest);
    return operator;
  }

  /** Ends one page session (sign-out). */
  async closeSession(env: Env, key: string): Promise<void> {
    const catalog = this.catalog(env);
    if (catalog.ok) await catalog.value.closeSession(key);
  }

  /**
   * "Sign out everywhere": ends every page session of `operator` (by default `who` themself; another
   * operator's need `operators.sign_out`), with an audit entry. Bearer tokens are not sessions: removing
   * a token from SGEN_ADMIN_TOKENS is what ends its use.
   */
  async signOutEverywhere(
    env: Env,
    who: Access,
    operator = who.operator.name,
  ): Promise<Result<{ operator: string; sessions_ended: number }>> {
    if (operator !== who.operator.name) {
      const denied = denial(who, "operators.sign_out");
      if (denied !== null) return denied;
    }
    const catalog = this.catalog(env);
    if (!catalog.ok) return catalog;
    return ok({ operator, sessions_ended: await catalog.value.closeOperatorSessions(who.operator, operator) });
  }

  // ---- reads --------------------------------------------------------------------------------------

  /** One experiment's record, by the id as it came in the path. */
  async record(env: Env, rawId: RawId): Promise<Result<ExperimentRecord>> {
    return this.byId(env, rawId, NO_SUCH_EXPERIMENT, (catalog, id) => catalog.get(id));
  }

  /**
   * The experiment the editor is about, if it exists and `who` may edit it in its state: a draft needs
   * `experiments.edit_draft`, anything started `experiments.edit_live` (core/lifecycle.ts).
   */
  async editable(env: Env, who: Access, rawId: RawId): Promise<Result<{ id: number; record: ExperimentRecord }>> {
    const r = await this.record(env, rawId);
    if (!r.ok) return r;
    return denial(who, editCapability(r.value.lifecycle_state)) ?? ok({ id: r.value.id, record: r.value });
  }

  /** One page of the list, with each row's reminder in words. Records that do not parse are left out. */
  async list(env: Env, q: ListQuery): Promise<Result<{ rows: ListRow[]; total: number }>> {
    const catalog = this.catalog(env);
    if (!catalog.ok) return catalog;
    const page = await catalog.value.list(q);
    return ok({ rows: page.rows.map((r) => ({ ...r, reminder: reminderText(r.reminder) })), total: page.total });
  }

  /** The record with its run-data, read fresh from every shard. */
  async runState(env: Env, rawId: RawId): Promise<Result<RunState>> {
    return this.byId(env, rawId, NO_SUCH_EXPERIMENT, (catalog, id) => catalog.runState(id));
  }

  /** The run dashboard; 503 `run_data_unavailable`, naming the shard, when the run-data cannot be read. */
  async dashboard(env: Env, rawId: RawId): Promise<Result<Dashboard>> {
    const state = await this.runState(env, rawId);
    if (!state.ok) return state;
    return state.value.runDataError === null ? ok(buildDashboard(state.value)) : runDataUnavailable(state.value.runDataError);
  }

  /**
   * The plan from the experiment's own numbers: its variants, the control's rate so far unless a
   * baseline is given, and how long the sample takes at the traffic counted since the sample started.
   */
  async plan(env: Env, rawId: RawId, query: PlanQuery): Promise<Result<PlanAdvice>> {
    const state = await this.runState(env, rawId);
    if (!state.ok) return state;
    const s = state.value;
    return planAdvice(query, {
      record: s.record,
      samples: s.run.samples,
      conversions: s.run.conversions[goalKey(s.record.conversion_event)] ?? {},
      sampleStartedAt: s.sampleStartedAt,
      now: Date.parse(s.now),
    });
  }

  /** The dashboard with the record it was built from (the pages show both). */
  async dashboardAndRecord(env: Env, rawId: RawId): Promise<Result<{ record: ExperimentRecord; dashboard: Dashboard }>> {
    const state = await this.runState(env, rawId);
    if (!state.ok) return state;
    if (state.value.runDataError !== null) return runDataUnavailable(state.value.runDataError);
    return ok({ record: state.value.record, dashboard: buildDashboard(state.value) });
  }

  /**
   * QA links for every variant of `record`, on the site of `siteUrl` (the request's own URL: the admin
   * is served by the site's Worker), valid QA_LINK_HOURS from `now`. Refused while the edge does not
   * have the experiment (a draft or an archived one: 409) and when no secret is configured (503).
   */
  async qaLinks(env: Env, record: ExperimentRecord, siteUrl: string, now = Date.now()): Promise<Result<QaLinks>> {
    if (!QA_STATES.has(record.lifecycle_state))
      return fail(409, "not_published", `a ${record.lifecycle_state} experiment is not at the edge, so a QA link would show nothing`);
    const secret = this.o.qaSecret?.(env);
    if (secret === undefined || secret === "") return fail(503, "qa_links_unavailable", "no secret to sign QA links is configured");
    const expires = now + QA_LINK_HOURS * 3_600_000;
    const page = withPath(siteUrl, record.target_page);
    const links = await Promise.all(
      record.variants.map(async (v) => ({ variant: v.slug, label: v.label, url: await qaLink(secret, record.id, v.slug, page, expires) })),
    );
    return ok({ expires_at: new Date(Math.floor(expires / 1000) * 1000).toISOString(), links });
  }

  /** One experiment's results as a file to download: per variant and per day, JSON or CSV. */
  async results(env: Env, rawId: RawId, format: "json" | "csv"): Promise<Result<ResultsFile>> {
    const state = await this.runState(env, rawId);
    if (!state.ok) return state;
    if (state.value.runDataError !== null) return runDataUnavailable(state.value.runDataError);
    const filename = `sgen-ab-${state.value.record.slug}-results.${format}`;
    return ok(
      format === "csv"
        ? { filename, contentType: "text/csv; charset=utf-8", body: resultsCsv(state.value) }
        : { filename, contentType: "application/json", body: JSON.stringify(resultsJson(state.value)) },
    );
  }

  /** Audit entries, newest first: of one experiment, one holdout (`holdoutId`), or all. */
  async activity(env: Env, experimentId: number | null, limit: number, holdoutId: number | null = null) {
    const catalog = this.catalog(env);
    return catalog.ok ? ok(await catalog.value.activity(experimentId, limit, holdoutId)) : catalog;
  }

  // ---- holdouts (read with experiments.list / dashboard.view; written with holdouts.manage) ---------

  async holdouts(env: Env): Promise<Result<{ rows: HoldoutRecord[] }>> {
    const catalog = this.catalog(env);
    return catalog.ok ? ok({ rows: await catalog.value.listHoldouts() }) : catalog;
  }

  async holdout(env: Env, rawId: RawId): Promise<Result<HoldoutRecord>> {
    return this.byId(env, rawId, NO_SUCH_HOLDOUT, (catalog, id) => catalog.getHoldout(id));
  }

  async holdoutDashboard(env: Env, rawId: RawId): Promise<Result<HoldoutDashboard>> {
    return this.byId(env, rawId, NO_SUCH_HOLDOUT, async (catalog, id) => {
      const state = await catalog.holdoutState(id);
      return state.ok ? ok(buildHoldoutDashboard(state.value)) : state;
    });
  }

  async createHoldout(env: Env, who: Access, input: HoldoutInput): Promise<Result<WriteOutcome<HoldoutRecord>>> {
    const denied = denial(who, "holdouts.manage");
    if (denied !== null) return denied;
    const catalog = this.catalog(env);
    if (!catalog.ok) return catalog;
    return this.published(await catalog.value.createHoldout(who.operator, input));
  }

  async replaceHoldout(
    env: Env,
    who: Access,
    rawId: RawId,
    input: HoldoutInput,
    confirmReset: boolean,
  ): Promise<Result<WriteOutcome<HoldoutRecord>>> {
    const denied = denial(who, "holdouts.manage");
    if (denied !== null) return denied;
    return this.byId(env, rawId, NO_SUCH_HOLDOUT, async (catalog, id) =>
      this.published(await catalog.replaceHoldout(who.operator, id, input, confirmReset)),
    );
  }

  async deleteHoldout(env: Env, who: Access, rawId: RawId): Promise<Result<WriteOutcome<{ deleted: number }>>> {
    const denied = denial(who, "holdouts.manage");
    if (denied !== null) return denied;
    return this.byId(env, rawId, NO_SUCH_HOLDOUT, async (catalog, id) => this.published(await catalog.deleteHoldout(who.operator, id)));
  }

  // ---- writes -------------------------------------------------------------------------------------
  // Each checks the capability again (the front ends check it before reading a body) and passes the
  // role's flags; a write the edge must learn of calls onPublished.

  async create(env: Env, who: Access, input: ExperimentInput): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    const denied = denial(who, "experiments.create");
    if (denied !== null) return denied;
    const catalog = this.catalog(env);
    if (!catalog.ok) return catalog;
    return this.published(await catalog.value.create(who.operator, input, who.can("experiments.script_overrides")));
  }

  /** Replaces an experiment's configuration; the catalog checks the edit capability against the state it holds now. */
  async replace(
    env: Env,
    who: Access,
    id: number,
    input: ExperimentInput,
    confirmReset: boolean,
  ): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    if (!who.can("experiments.edit_draft") && !who.can("experiments.edit_live")) {
      return fail(403, "forbidden", `the role ${who.operator.role} may not edit experiments`);
    }
    const catalog = this.catalog(env);
    if (!catalog.ok) return catalog;
    return this.published(
      await catalog.value.replace(
        who.operator,
        id,
        input,
        confirmReset,
        who.can("experiments.edit_live"),
        who.can("experiments.script_overrides"),
      ),
    );
  }

  async act(
    env: Env,
    who: Access,
    rawId: RawId,
    action: Action,
    body: ActionBody,
  ): Promise<Result<WriteOutcome<ExperimentRecord | { deleted: number }>>> {
    const denied = denial(who, ACTION_CAPABILITY[action]);
    if (denied !== null) return denied;
    return this.byId(env, rawId, NO_SUCH_EXPERIMENT, async (catalog, id) =>
      this.published(await catalog.act(who.operator, id, action, body)),
    );
  }

  /** A gradual rollout of a concluded experiment's shipped variant (0 rolls back); an Administrator's step. */
  async setRollout(env: Env, who: Access, rawId: RawId, percent: number): Promise<Result<WriteOutcome<ExperimentRecord>>> {
    const denied = denial(who, "experiments.conclude");
    if (denied !== null) return denied;
    return this.byId(env, rawId, NO_SUCH_EXPERIMENT, async (catalog, id) =>
      this.published(await catalog.setRollout(who.operator, id, percent)),
    );
  }

  // ---- webhooks -----------------------------------------------------------------------------------

  async webhooks(env: Env, who: Access): Promise<Result<Webhook[]>> {
    const denied = denial(who, "webhooks.manage");
    if (denied !== null) return denied;
    const catalog = this.catalog(env);
    return catalog.ok ? ok(await catalog.value.listWebhooks()) : catalog;
  }

  async createWebhook(env: Env, who: Access, input: WebhookInput): Promise<Result<Webhook & { secret: string }>> {
    const denied = denial(who, "webhooks.manage");
    if (denied !== null) return denied;
    const catalog = this.catalog(env);
    if (!catalog.ok) return catalog;
    const made = await catalog.value.createWebhook(who.operator, input);
    return ok({ ...made.webhook, secret: made.secret });
  }

  async deleteWebhook(env: Env, who: Access, rawId: RawId): Promise<Result<{ deleted: number }>> {
    const denied = denial(who, "webhooks.manage");
    if (denied !== null) return denied;
    return this.byId(env, rawId, NO_SUCH_WEBHOOK, async (catalog, id) =>
      (await catalog.deleteWebhook(who.operator, id)) ? ok({ deleted: id }) : NO_SUCH_WEBHOOK,
    );
  }

  async pingWebhook(env: Env, who: Access, rawId: RawId): Promise<Result<{ queued: true }>> {
    const denied = denial(who, "webhooks.manage");
    if (denied !== null) return denied;
    return this.byId(env, rawId, NO_SUCH_WEBHOOK, async (catalog, id) =>
      (await catalog.pingWebhook(who.operator, id)) ? ok({ queued: true }) : NO_SUCH_WEBHOOK,
    );
  }

  /** The delivery log, of one hook (an id) or of all (null). */
  async webhookDeliveries(env: Env, who: Access, rawId: RawId | null, limit: number): Promise<Result<WebhookDelivery[]>> {
    const denied = denial(who, "webhooks.manage");
    if (denied !== null) return denied;
    const id = rawId === null ? null : parseId(rawId);
    if (rawId !== null && id === null) return NO_SUCH_WEBHOOK;
    const catalog = this.catalog(env);
    return catalog.ok ? ok(await catalog.value.webhookDeliveries(id, limit)) : catalog;
  }

  private published<T>(r: Result<WriteOutcome<T>>): Result<WriteOutcome<T>> {
    if (r.ok && r.value.published) this.o.onPublished?.();
    return r;
  }
}
