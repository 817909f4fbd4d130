// The admin API (contract section 4) as a Hono sub-app: mount it in your own Worker, or let the ready
// Worker mount it. Authentication and capability checks run before a body is read; every write goes to
// the catalog Durable Object, which validates the transition and writes the audit entry in one step.
import { type Context, Hono } from "hono";
import { z } from "zod";
import { type CatalogNamespace, catalogStub } from "../catalog/names.ts";
import { type ApiError, errorBody, fail, type Result } from "../core/errors.ts";
import { ACTION_CAPABILITY, ACTIONS, type Action, editCapability } from "../core/lifecycle.ts";
import { ListQuery } from "../core/list-query.ts";
import { type Capability, type Operator, roleCan } from "../core/permissions.ts";
import { DecisionRecord, ExperimentInput, Slug } from "../core/schema.ts";
import { operatorFor } from "./auth.ts";
import { readJson } from "./body.ts";
import { buildDashboard } from "./dashboard.ts";
import { reminderText } from "./reminder.ts";
import { resultsCsv, resultsJson } from "./results.ts";
import { rolesFrom } from "./roles.ts";
import { clientKey, noteFailedSignIn, retryAfterSeconds } from "./signin-limit.ts";

export { type CatalogNamespace, catalogStub } from "../catalog/names.ts";

export interface AdminOptions<Env> {
  /** Where the API is mounted. Default `/sg-admin/api`. */
  basePath?: string;
  catalog: (env: Env) => CatalogNamespace | undefined;
  /** The `SGEN_ADMIN_TOKENS` secret: JSON `[{ "sha256", "operator", "role" }]`. */
  tokens: (env: Env) => string | undefined;
  /** Custom roles, JSON `{ "role": ["capability", …] }`; they replace defaults of the same name. */
  roles?: (env: Env) => string | undefined;
  /** Largest accepted body. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Called after a write that changed what the edge sees (the ready Worker drops its config copy). */
  onPublished?: () => void;
}

const ActionBody = z.strictObject({
  shipped_variant_slug: Slug.optional(),
  reason: z.string().max(2000).optional(),
  decision_record: DecisionRecord.optional(),
  rollout_percent: z.number().min(0).max(100).optional(),
});

const RolloutBody = z.strictObject({ percent: z.number().min(0).max(100) });

type Vars = { operator: Operator; roles: Readonly<Record<string, readonly Capability[]>> };

const send = (c: Context, e: ApiError) => c.json(errorBody(e), e.status);

function parseId(raw: string): number | null {
  return /^[1-9][0-9]{0,14}$/.test(raw) ? Number(raw) : null;
}

export function createAdminApi<Env extends object>(options: AdminOptions<Env>) {
  const maxBody = options.maxBodyBytes ?? 65_536;
  const app = new Hono<{ Bindings: Env; Variables: Vars }>().basePath(options.basePath ?? "/sg-admin/api");

  app.use("*", async (c, next) => {
    // Guessing tokens is rate limited per client address, before the token is even looked at.
    const ns = options.catalog(c.env);
    const client = clientKey(c.req.raw);
    const retryAfter = ns === undefined ? 0 : await retryAfterSeconds(catalogStub(ns), client, c.env as Record<string, unknown>);
    if (retryAfter > 0) {
      c.header("retry-after", String(retryAfter));
      return send(c, {
        status: 429,
        code: "too_many_attempts",
        message: `too many failed sign-ins from this address; try again in ${retryAfter} s`,
      });
    }
    const operator = await operatorFor(c.req.header("authorization"), options.tokens(c.env));
    if (operator === null) {
      if (ns !== undefined) await noteFailedSignIn(catalogStub(ns), client);
      c.header("www-authenticate", 'Bearer realm="sgen-ab"');
      return send(c, { status: 401, code: "unauthorized", message: "a valid operator token is required (Authorization: Bearer …)" });
    }
    c.set("operator", operator);
    c.set("roles", rolesFrom(options.roles?.(c.env)));
    c.header("cache-control", "no-store");
    await next();
  });

  const can = (c: Context<{ Bindings: Env; Variables: Vars }>, capability: Capability): ApiError | null =>
    roleCan(c.get("roles"), c.get("operator").role, capability)
      ? null
      : { status: 403, code: "forbidden", message: `the role ${c.get("operator").role} may not ${capability.replace("experiments.", "")}` };

  const catalogOf = (c: Context<{ Bindings: Env; Variables: Vars }>) => {
    const ns = options.catalog(c.env);
    return ns === undefined ? null : catalogStub(ns);
  };

  /** Answers a catalog result: the value as JSON, or the error; marks a change the edge has not seen yet. */
  const answer = <T>(c: Context, r: Result<{ value: T; published: boolean }>, status: 200 | 201 = 200) => {
    if (!r.ok) return send(c, r);
    if (r.value.published) options.onPublished?.();
    else c.header("sgen-publish", "pending");
    return c.json(r.value.value as object, status);
  };

  const unavailable: ApiError = { status: 503, code: "catalog_unavailable", message: "the catalog Durable Object is not bound" };

  app.get("/experiments", async (c) => {
    const denied = can(c, "experiments.list");
    if (denied) return send(c, denied);
    const q = ListQuery.safeParse(c.req.query());
    if (!q.success)
      return send(c, {
        status: 400,
        code: "invalid_query",
        message: "the query string is not valid",
        issues: q.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
    const catalog = catalogOf(c);
    if (catalog === null) return send(c, unavailable);
    const { rows, total } = await catalog.list(q.data);
    return c.json({ rows: rows.map((r) => ({ ...r, reminder: reminderText(r.reminder) })), total });
  });

  app.post("/experiments", async (c) => {
    const denied = can(c, "experiments.create");
    if (denied) return send(c, denied);
    const body = await readJson(c, ExperimentInput, maxBody);
    if (!body.ok) return send(c, body);
    const catalog = catalogOf(c);
    if (catalog === null) return send(c, unavailable);
    return answer(c, await catalog.create(c.get("operator"), body.value, can(c, "experiments.script_overrides") === null), 201);
  });

  app.get("/experiments/:id", async (c) => {
    const denied = can(c, "experiments.view");
    if (denied) return send(c, denied);
    const id = parseId(c.req.param("id"));
    if (id === null) return send(c, fail(404, "not_found", "no such experiment") as ApiError);
    const catalog = catalogOf(c);
    if (catalog === null) return send(c, unavailable);
    const r = await catalog.get(id);
    return r.ok ? c.json(r.value) : send(c, r);
  });

  app.put("/experiments/:id", async (c) => {
    const id = parseId(c.req.param("id"));
    const catalog = catalogOf(c);
    if (catalog === null) return send(c, unavailable);
    const roles = c.get("roles");
    const role = c.get("operator").role;
    if (!roleCan(roles, role, "experiments.edit_draft") && !roleCan(roles, role, "experiments.edit_live")) {
      return send(c, { status: 403, code: "forbidden", message: `the role ${role} may not edit experiments` });
    }
    if (id === null) return send(c, { status: 404, code: "not_found", message: "no such experiment" });
    const current = await catalog.get(id);
    if (!current.ok) return send(c, current);
    const denied = can(c, editCapability(current.value.lifecycle_state));
    if (denied) return send(c, denied);
    const body = await readJson(c, ExperimentInput, maxBody);
    if (!body.ok) return send(c, body);
    const confirm = c.req.query("confirm") === "reset";
    return answer(
      c,
      await catalog.replace(
        c.get("operator"),
        id,
        body.value,
        confirm,
        roleCan(roles, role, "experiments.edit_live"),
        roleCan(roles, role, "experiments.script_overrides"),
      ),
    );
  });

  const act = async (c: Context<{ Bindings: Env; Variables: Vars }>, action: Action) => {
    const denied = can(c, ACTION_CAPABILITY[action]);
    if (denied) return send(c, denied);
    const id = parseId(c.req.param("id") ?? "");
    if (id === null) return send(c, { status: 404, code: "not_found", message: "no such experiment" });
    const body = await readJson(c, ActionBody, maxBody, true);
    if (!body.ok) return send(c, body);
    const catalog = catalogOf(c);
    if (catalog === null) return send(c, unavailable);
    return answer(c, await catalog.act(c.get("operator"), id, action, body.value));
  };

  // Gradual rollout of a concluded experiment's shipped variant, and the way back to the control.
  const rollout = async (c: Context<{ Bindings: Env; Variables: Vars }>, fixed: number | null) => {
    const denied = can(c, "experiments.conclude");
    if (denied) return send(c, denied);
    const id = parseId(c.req.param("id") ?? "");
    if (id === null) return send(c, { status: 404, code: "not_found", message: "no such experiment" });
    let percent = fixed;
    if (percent === null) {
      const body = await readJson(c, RolloutBody, maxBody);
      if (!body.ok) return send(c, body);
      percent = body.value.percent;
    }
    const catalog = catalogOf(c);
    if (catalog === null) return send(c, unavailable);
    return answer(c, await catalog.setRollout(c.get("operator"), id, percent));
  };
  app.post("/experiments/:id/rollout", (c) => rollout(c, null));
  app.post("/experiments/:id/rollback", (c) => rollout(c, 0));

  // One experiment's results, per variant and per day, for a spreadsheet or a notebook.
  const results = async (c: Context<{ Bindings: Env; Variables: Vars }>, format: "json" | "csv") => {
    const denied = can(c, "dashboard.view");
    if (denied) return send(c, denied);
    const id = parseId(c.req.param("id") ?? "");
    if (id === null) return send(c, { status: 404, code: "not_found", message: "no such experiment" });
    const catalog = catalogOf(c);
    if (catalog === null) return send(c, unavailable);
    const state = await catalog.runState(id);
    if (!state.ok) return send(c, state);
    const name = `sgen-ab-${state.value.record.slug}-results`;
    if (format === "csv") {
      return c.body(resultsCsv(state.value), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${name}.csv"`,
      });
    }
    c.header("content-disposition", `attachment; filename="${name}.json"`);
    return c.json(resultsJson(state.value));
  };
  app.get("/experiments/:id/results.json", (c) => results(c, "json"));
  app.get("/experiments/:id/results.csv", (c) => results(c, "csv"));

  app.post("/experiments/:id/:action", async (c) => {
    const action = c.req.param("action");
    if (!(ACTIONS as readonly string[]).includes(action) || action === "delete") {
      return send(c, { status: 404, code: "not_found", message: `no action ${action}` });
    }
    return act(c, action as Action);
  });

  app.delete("/experiments/:id", (c) => act(c, "delete"));

  app.get("/experiments/:id/dashboard", async (c) => {
    const denied = can(c, "dashboard.view");
    if (denied) return send(c, denied);
    const id = parseId(c.req.param("id"));
    if (id === null) return send(c, { status: 404, code: "not_found", message: "no such experiment" });
    const catalog = catalogOf(c);
    if (catalog === null) return send(c, unavailable);
    const state = await catalog.runState(id);
    return state.ok ? c.json(buildDashboard(state.value)) : send(c, state);
  });

  app.get("/activity", async (c) => {
    const denied = can(c, "activity.view");
    if (denied) return send(c, denied);
    const rawId = c.req.query("experiment_id");
    const id = rawId === undefined || rawId === "" ? null : parseId(rawId);
    if (rawId !== undefined && rawId !== "" && id === null) {
      return send(c, {
        status: 400,
        code: "invalid_query",
        message: "experiment_id must be a positive integer",
        issues: [{ path: "experiment_id", message: "not an id" }],
      });
    }
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const catalog = catalogOf(c);
    if (catalog === null) return send(c, unavailable);
    return c.json({ entries: await catalog.activity(id, limit) });
  });

  app.notFound((c) => send(c, { status: 404, code: "not_found", message: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }));
  app.onError((err, c) => {
    console.error("sgen-ab admin: unexpected error", err);
    return c.json(
      { error: { code: "internal_error", message: "something went wrong; nothing was changed by this request's failure", issues: [] } },
      500,
    );
  });
  return app;
}
