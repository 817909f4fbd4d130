// The admin API (docs/admin-api.md) as a Hono sub-app: mount it in your own Worker, or let the ready
// Worker mount it. Authentication and capability checks run before a body is read; every write goes to
// the catalog Durable Object, which validates the transition and writes the audit entry in one step.
// What an operator may do is decided by the admin service (service.ts), which the pages share; this
// file only speaks HTTP and JSON.
import { type Context, Hono } from "hono";
import * as z from "zod";
import type { ActionBody } from "../catalog/catalog-object.ts";
import { type ApiError, errorBody, type Result } from "../core/errors.ts";
import { HoldoutInput } from "../core/holdout-schema.ts";
import { ACTION_CAPABILITY, ACTIONS, type Action } from "../core/lifecycle.ts";
import { ListQuery } from "../core/list-query.ts";
import { DecisionRecord, ExperimentInput, Slug } from "../core/schema.ts";
import { WebhookInput } from "../core/webhooks.ts";
import { bearerToken } from "./auth.ts";
import { readJson } from "./body.ts";
import { fromBrowser, sameOriginRequest } from "./same-origin.ts";
import { type Access, AdminService, type AdminServiceOptions, parseId } from "./service.ts";

export { type CatalogNamespace, catalogStub } from "../catalog/names.ts";

export interface AdminOptions<Env> extends AdminServiceOptions<Env> {
  /** Where the API is mounted. Default `/sg-admin/api`. */
  basePath?: string;
  /** Largest accepted body. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Origins whose browser form posts are accepted besides the request's own. Default none. */
  trustedOrigins?: (env: Env) => readonly string[] | undefined;
}

// Each action's body holds only what that action uses: a field it would ignore (a reason sent with a
// pause, say) is refused rather than silently dropped, so an operator never believes it was kept.
const Conclusion = {
  shipped_variant_slug: Slug.optional(),
  decision_record: DecisionRecord.optional(),
  rollout_percent: z.number().min(0).max(100).optional(),
};
const NoBody = z.strictObject({});
const ACTION_BODIES = {
  start: NoBody,
  pause: NoBody,
  resume: NoBody,
  archive: NoBody,
  restore: NoBody,
  delete: NoBody,
  conclude: z.strictObject(Conclusion),
  override: z.strictObject({ ...Conclusion, reason: z.string().max(2000).optional() }),
} satisfies Record<Action, z.ZodType>;

const RolloutBody = z.strictObject({ percent: z.number().min(0).max(100) });

const SignOutBody = z.strictObject({ operator: z.string().min(1).max(100).optional() });

type Vars = { access: Access };
type C<Env extends object> = Context<{ Bindings: Env; Variables: Vars }>;

const send = (c: Context, e: ApiError) => c.json(errorBody(e), e.status);

/** The headers every API answer carries (the pages' set, as far as it fits JSON). */
export const API_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
};

// The declared type is the plain Hono app a site mounts: an inferred one names Hono's internal classes
// and generics (HonoBase with four parameters), which a site on an older Hono 4 cannot resolve.
export function createAdminApi<Env extends object>(options: AdminOptions<Env>): Hono<{ Bindings: Env }> {
  const maxBody = options.maxBodyBytes ?? 65_536;
  const service = new AdminService<Env>(options);
  const app = new Hono<{ Bindings: Env; Variables: Vars }>().basePath(options.basePath ?? "/sg-admin/api");

  // Every answer, errors included: JSON that a browser never sniffs into HTML, never frames, never
  // caches, never lets another origin embed, and that runs nothing if opened directly.
  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(API_HEADERS)) if (!c.res.headers.has(k)) c.res.headers.set(k, v);
  });

  // A browser's cross-site form post is refused before any token is looked at (../same-origin.ts):
  // automation sends no Origin and needs no CSRF token, since no browser attaches a bearer token itself.
  app.use("*", async (c, next) => {
    if (fromBrowser(c) && !(await sameOriginRequest(c, { trustedOrigins: options.trustedOrigins?.(c.env) }))) {
      return send(c, { status: 403, code: "cross_site_request", message: "a cross-site form post to the admin API is refused" });
    }
    await next();
  });

  app.use("*", async (c, next) => {
    // Behind Cloudflare Access, a verified assertion of a listed identity is the operator; anything
    // else (no assertion, a service token, an unlisted person) needs a bearer token as before.
    const identity = await service.accessIdentity(c.env, c.req.raw);
    if (identity.kind === "operator") {
      c.set("access", service.access(c.env, identity.operator));
      return next();
    }
    const bearer = bearerToken(c.req.header("authorization"));
    if (identity.kind === "invalid" && bearer === null) {
      // A forged or stale assertion counts as a failed sign-in, like a wrong token.
      const counted = await service.signIn(c.env, c.req.raw, null);
      if (!counted.ok && counted.status === 429) c.header("retry-after", String(counted.retryAfter));
      return send(c, {
        status: counted.ok || counted.status === 401 ? 401 : 429,
        code: counted.ok || counted.status === 401 ? "unauthorized" : "too_many_attempts",
        message: `the Cloudflare Access assertion is not valid (${identity.reason})`,
      });
    }
    // Guessing tokens is rate limited per client address, before the token is even looked at.
    const signIn = await service.signIn(c.env, c.req.raw, bearer);
    if (!signIn.ok && signIn.status === 429) {
      c.header("retry-after", String(signIn.retryAfter));
      return send(c, {
        status: 429,
        code: "too_many_attempts",
        message: `too many failed sign-ins from this address; try again in ${signIn.retryAfter} s`,
      });
    }
    if (!signIn.ok) {
      c.header("www-authenticate", 'Bearer realm="sgen-ab"');
      return send(c, { status: 401, code: "unauthorized", message: "a valid operator token is required (Authorization: Bearer …)" });
    }
    c.set("access", service.access(c.env, signIn.operator));
    await next();
  });

  /** Answers a service result as JSON, or the error. */
  const reply = <T>(c: C<Env>, r: Result<T>) => (r.ok ? c.json(r.value as object) : send(c, r));

  /** Answers a write: the value as JSON, or the error; marks a change the edge has not seen yet. */
  const answer = <T>(c: C<Env>, r: Result<{ value: T; published: boolean }>, status: 200 | 201 = 200) => {
    if (!r.ok) return send(c, r);
    if (!r.value.published) c.header("sgen-publish", "pending");
    return c.json(r.value.value as object, status);
  };

  const notFound = (c: C<Env>) => send(c, { status: 404, code: "not_found", message: "no such experiment" });

  app.get("/experiments", async (c) => {
    const denied = c.get("access").denied("experiments.list");
    if (denied) return send(c, denied);
    const q = ListQuery.safeParse(c.req.query());
    if (!q.success)
      return send(c, {
        status: 400,
        code: "invalid_query",
        message: "the query string is not valid",
        issues: q.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
    return reply(c, await service.list(c.env, q.data));
  });

  app.post("/experiments", async (c) => {
    const who = c.get("access");
    const denied = who.denied("experiments.create");
    if (denied) return send(c, denied);
    const body = await readJson(c, ExperimentInput, maxBody);
    if (!body.ok) return send(c, body);
    return answer(c, await service.create(c.env, who, body.value), 201);
  });

  app.get("/experiments/:id", async (c) => {
    const denied = c.get("access").denied("experiments.view");
    if (denied) return send(c, denied);
    return reply(c, await service.record(c.env, c.req.param("id")));
  });

  app.put("/experiments/:id", async (c) => {
    const who = c.get("access");
    if (!who.can("experiments.edit_draft") && !who.can("experiments.edit_live")) {
      return send(c, { status: 403, code: "forbidden", message: `the role ${who.operator.role} may not edit experiments` });
    }
    const current = await service.editable(c.env, who, c.req.param("id"));
    if (!current.ok) return send(c, current);
    const body = await readJson(c, ExperimentInput, maxBody);
    if (!body.ok) return send(c, body);
    return answer(c, await service.replace(c.env, who, current.value.id, body.value, c.req.query("confirm") === "reset"));
  });

  const act = async (c: C<Env>, action: Action) => {
    const who = c.get("access");
    const denied = who.denied(ACTION_CAPABILITY[action]);
    if (denied) return send(c, denied);
    if (parseId(c.req.param("id")) === null) return notFound(c);
    const body = await readJson<z.ZodType<ActionBody>>(c, ACTION_BODIES[action], maxBody, true, `${action} body`);
    if (!body.ok) return send(c, body);
    return answer(c, await service.act(c.env, who, c.req.param("id"), action, body.value));
  };

  // Gradual rollout of a concluded experiment's shipped variant, and the way back to the control.
  const rollout = async (c: C<Env>, fixed: number | null) => {
    const who = c.get("access");
    const denied = who.denied("experiments.conclude");
    if (denied) return send(c, denied);
    if (parseId(c.req.param("id")) === null) return notFound(c);
    let percent = fixed;
    if (percent === null) {
      const body = await readJson(c, RolloutBody, maxBody, false, "rollout body");
      if (!body.ok) return send(c, body);
      percent = body.value.percent;
    }
    return answer(c, await service.setRollout(c.env, who, c.req.param("id"), percent));
  };
  app.post("/experiments/:id/rollout", (c) => rollout(c, null));
  app.post("/experiments/:id/rollback", (c) => rollout(c, 0));

  // One experiment's results, per variant and per day, for a spreadsheet or a notebook.
  const results = async (c: C<Env>, format: "json" | "csv") => {
    const denied = c.get("access").denied("dashboard.view");
    if (denied) return send(c, denied);
    const file = await service.results(c.env, c.req.param("id"), format);
    if (!file.ok) return send(c, file);
    return c.body(file.value.body, 200, {
      "content-type": file.value.contentType,
      "content-disposition": `attachment; filename="${file.value.filename}"`,
    });
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
    const denied = c.get("access").denied("dashboard.view");
    if (denied) return send(c, denied);
    return reply(c, await service.dashboard(c.env, c.req.param("id")));
  });

  // The plan from the experiment's own numbers (?baseline_rate=&relative_mde=&power=&alpha=).
  app.get("/experiments/:id/plan", async (c) => {
    const denied = c.get("access").denied("dashboard.view");
    if (denied) return send(c, denied);
    const q = c.req.query();
    return reply(
      c,
      await service.plan(c.env, c.req.param("id"), {
        baseline_rate: q.baseline_rate,
        relative_mde: q.relative_mde,
        power: q.power,
        alpha: q.alpha,
      }),
    );
  });

  // A link per variant that shows it on the real site without assigning or counting (docs/cookies.md#qa-links).
  app.get("/experiments/:id/qa-links", async (c) => {
    const denied = c.get("access").denied("dashboard.view");
    if (denied) return send(c, denied);
    const record = await service.record(c.env, c.req.param("id"));
    if (!record.ok) return send(c, record);
    return reply(c, await service.qaLinks(c.env, record.value, c.req.url));
  });

  // "Sign out everywhere": ends every page session of an operator (yourself by default; another
  // operator's needs operators.sign_out), audited. Bearer tokens are not sessions and stay valid.
  app.post("/sessions/sign-out-everywhere", async (c) => {
    const body = await readJson(c, SignOutBody, maxBody, true, "sign-out body");
    if (!body.ok) return send(c, body);
    return reply(c, await service.signOutEverywhere(c.env, c.get("access"), body.value.operator));
  });

  // ---- holdouts: visitors kept out of every experiment they cover (docs/audiences.md) -------------

  const noHoldout = (c: C<Env>) => send(c, { status: 404, code: "not_found", message: "no such holdout" });

  app.get("/holdouts", async (c) => {
    const denied = c.get("access").denied("experiments.list");
    if (denied) return send(c, denied);
    return reply(c, await service.holdouts(c.env));
  });

  app.post("/holdouts", async (c) => {
    const who = c.get("access");
    const denied = who.denied("holdouts.manage");
    if (denied) return send(c, denied);
    const body = await readJson(c, HoldoutInput, maxBody, false, "holdout");
    if (!body.ok) return send(c, body);
    return answer(c, await service.createHoldout(c.env, who, body.value), 201);
  });

  app.get("/holdouts/:id", async (c) => {
    const denied = c.get("access").denied("experiments.view");
    if (denied) return send(c, denied);
    return reply(c, await service.holdout(c.env, c.req.param("id")));
  });

  app.put("/holdouts/:id", async (c) => {
    const who = c.get("access");
    const denied = who.denied("holdouts.manage");
    if (denied) return send(c, denied);
    if (parseId(c.req.param("id")) === null) return noHoldout(c);
    const body = await readJson(c, HoldoutInput, maxBody, false, "holdout");
    if (!body.ok) return send(c, body);
    return answer(c, await service.replaceHoldout(c.env, who, c.req.param("id"), body.value, c.req.query("confirm") === "reset"));
  });

  app.delete("/holdouts/:id", async (c) => {
    const who = c.get("access");
    const denied = who.denied("holdouts.manage");
    if (denied) return send(c, denied);
    return answer(c, await service.deleteHoldout(c.env, who, c.req.param("id")));
  });

  app.get("/holdouts/:id/dashboard", async (c) => {
    const denied = c.get("access").denied("dashboard.view");
    if (denied) return send(c, denied);
    return reply(c, await service.holdoutDashboard(c.env, c.req.param("id")));
  });

  app.get("/activity", async (c) => {
    const denied = c.get("access").denied("activity.view");
    if (denied) return send(c, denied);
    const ids: Record<"experiment_id" | "holdout_id", number | null> = { experiment_id: null, holdout_id: null };
    for (const name of ["experiment_id", "holdout_id"] as const) {
      const raw = c.req.query(name);
      if (raw === undefined || raw === "") continue;
      ids[name] = parseId(raw);
      if (ids[name] === null) {
        return send(c, {
          status: 400,
          code: "invalid_query",
          message: `${name} must be a positive integer`,
          issues: [{ path: name, message: "not an id" }],
        });
      }
    }
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const entries = await service.activity(c.env, ids.experiment_id, limit, ids.holdout_id);
    return entries.ok ? c.json({ entries: entries.value }) : send(c, entries);
  });

  // Webhooks (docs/metrics.md, "Notifications"): Administrators add, remove and test them, and read the
  // log of every delivery attempt. A hook's secret is in the answer to its creation only.
  app.get("/webhooks", async (c) => {
    const hooks = await service.webhooks(c.env, c.get("access"));
    return hooks.ok ? c.json({ webhooks: hooks.value }) : send(c, hooks);
  });
  app.post("/webhooks", async (c) => {
    const who = c.get("access");
    const denied = who.denied("webhooks.manage");
    if (denied) return send(c, denied);
    const body = await readJson(c, WebhookInput, maxBody);
    if (!body.ok) return send(c, body);
    const made = await service.createWebhook(c.env, who, body.value);
    return made.ok ? c.json(made.value, 201) : send(c, made);
  });
  const limitOf = (c: C<Env>) => Math.min(Math.max(Number(c.req.query("limit") ?? 50) || 50, 1), 500);
  app.get("/webhooks/deliveries", async (c) => {
    const log = await service.webhookDeliveries(c.env, c.get("access"), null, limitOf(c));
    return log.ok ? c.json({ deliveries: log.value }) : send(c, log);
  });
  app.get("/webhooks/:id/deliveries", async (c) => {
    const log = await service.webhookDeliveries(c.env, c.get("access"), c.req.param("id"), limitOf(c));
    return log.ok ? c.json({ deliveries: log.value }) : send(c, log);
  });
  app.post("/webhooks/:id/test", async (c) => reply(c, await service.pingWebhook(c.env, c.get("access"), c.req.param("id"))));
  app.delete("/webhooks/:id", async (c) => reply(c, await service.deleteWebhook(c.env, c.get("access"), c.req.param("id"))));

  app.notFound((c) => send(c, { status: 404, code: "not_found", message: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }));
  app.onError((err, c) => {
    console.error("sgen-ab admin: unexpected error", err);
    return c.json(
      { error: { code: "internal_error", message: "something went wrong; nothing was changed by this request's failure", issues: [] } },
      500,
    );
  });
  // Its own Variables are internal to it: a site sees the app by its Bindings alone.
  return app as unknown as Hono<{ Bindings: Env }>;
}
