// The operators' web pages (reference: the four views of the Experiments module), as a Hono sub-app.
// Sign-in turns an operator token into a signed session cookie; every state-changing form carries a
// CSRF token; every response carries security headers and no-store. Sign-in, the capability checks and
// every read and write go through the admin service (../service.ts), the same one the API uses.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { type ApiError, issuesOf } from "../../core/errors.ts";
import { ACTION_CAPABILITY, ACTIONS, type Action, editCapability, transition } from "../../core/lifecycle.ts";
import { ListQuery } from "../../core/list-query.ts";
import { unsafeOverride } from "../../core/markup-policy.ts";
import { runGate } from "../../core/run-look.ts";
import { DecisionRecord, ExperimentInput } from "../../core/schema.ts";
import { withPath } from "../../core/url.ts";
import { applyOverrides } from "../../edge/overrides.ts";
import { toHex } from "../auth.ts";
import { type Access, AdminService, type AdminServiceOptions, parseId } from "../service.ts";
import { createSession, csrfToken, csrfValid, readSession, SESSION_COOKIE, SESSION_HOURS, type Session } from "../session.ts";
import { ADMIN_CSS } from "./admin.css.ts";
import { esc } from "./charts.ts";
import { formFromRecord, inputFromForm } from "./form.ts";
import { archivePage, dashboardPage, type EditorPlan, editorPage, listPage, loginPage, type PageContext } from "./views.ts";

export interface AdminPagesOptions<Env> extends AdminServiceOptions<Env> {
  /** Where the pages live. Default `/sg-admin`; views under `/experiments/`. */
  basePath?: string;
  /** Secret that signs session cookies (`SGEN_SESSION_SECRET`); without it nobody can sign in. */
  sessionSecret: (env: Env) => string | undefined;
  /**
   * Fetches a page of the site, for previews of a variant (never through the edge, so never counted).
   * `ctx` is the request's own ExecutionContext, so an origin may hand work to `ctx.waitUntil`.
   */
  origin?: (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;
}

type Vars = { session: Session; access: Access; csrf: string };

// Hono throws when an app is called without an execution context (`app.request` in a test); a preview
// then runs its origin's background work unawaited rather than fail the page.
const DETACHED = { waitUntil: (p: Promise<unknown>) => void p.catch(() => {}), passThroughOnException: () => {}, props: {} };

function executionContextOf(c: Context): ExecutionContext {
  try {
    return c.executionCtx as unknown as ExecutionContext;
  } catch {
    return DETACHED as unknown as ExecutionContext;
  }
}

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** Scripts run (a site's page often needs them to render) but without `allow-same-origin`: see SECURITY.md. */
export const PREVIEW_CSP = "sandbox allow-scripts; frame-ancestors 'none'";

// The declared type is the plain Hono app a site mounts: an inferred one names Hono's internal classes
// and generics (HonoBase with four parameters), which a site on an older Hono 4 cannot resolve.
export function createAdminPages<Env extends object>(o: AdminPagesOptions<Env>): Hono<{ Bindings: Env }> {
  const base = o.basePath ?? "/sg-admin";
  const service = new AdminService<Env>(o);
  const app = new Hono<{ Bindings: Env; Variables: Vars }>().basePath(base);
  type C = Context<{ Bindings: Env; Variables: Vars }>;

  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) {
      // The stylesheet keeps its own caching, a preview the site's own CSP (plus frame-ancestors).
      if ((k !== "cache-control" && k !== "content-security-policy") || !c.res.headers.has(k)) c.res.headers.set(k, v);
    }
  });
  app.use("*", bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text("The form is too large.", 413) }));

  app.get("/assets/admin.css", (c) =>
    c.body(ADMIN_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }),
  );

  const anonymous: PageContext = { base, operator: null, csrf: "" };

  app.get("/login", (c) => c.html(loginPage(anonymous, null)));
  app.post("/login", async (c) => {
    const secret = o.sessionSecret(c.env);
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token : "";
    // Without a session secret nobody can sign in; an empty token is a failed attempt like a wrong one.
    const signIn = await service.signIn(c.env, c.req.raw, secret === undefined || token === "" ? null : token);
    if (!signIn.ok && signIn.status === 429)
      return c.html(loginPage(anonymous, `Too many failed sign-ins; try again in ${signIn.retryAfter} seconds.`), 429, {
        "retry-after": String(signIn.retryAfter),
      });
    if (!signIn.ok || secret === undefined) return c.html(loginPage(anonymous, "That token is not valid."), 401);
    // A fresh session value on every sign-in: a cookie planted before sign-in is never promoted (fixation).
    setCookie(c, SESSION_COOKIE, await createSession(secret, signIn.operator, toHex(signIn.digest)), {
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      path: base,
      maxAge: SESSION_HOURS * 3600,
    });
    return c.redirect(`${base}/experiments/`, 303);
  });

  // Everything else needs a session; every POST needs its CSRF token.
  app.use("*", async (c, next) => {
    const secret = o.sessionSecret(c.env);
    const session = secret === undefined ? null : await readSession(secret, getCookie(c, SESSION_COOKIE));
    const operator = session === null ? null : service.operatorForSession(c.env, session.digest);
    if (session === null || operator === null || secret === undefined) {
      if (c.req.method === "GET") return c.redirect(`${base}/login`, 303);
      return c.text("Sign in first.", 401);
    }
    const csrf = await csrfToken(secret, session);
    if (c.req.method === "POST") {
      const form = await c.req.parseBody();
      if (!(await csrfValid(secret, session, form.csrf)))
        return c.text("This form has expired or did not come from this site. Reload and try again.", 403);
    }
    c.set("session", session);
    c.set("access", service.access(c.env, operator));
    c.set("csrf", csrf);
    await next();
  });

  const ctxOf = (c: C): PageContext => ({ base, operator: c.get("access").operator, csrf: c.get("csrf") });
  const can = (c: C, cap: Parameters<Access["can"]>[0]) => c.get("access").can(cap);
  const forbidden = (c: C) => c.html(`<p>Your role may not do that.</p>`, 403);
  const unavailable = (c: C) => c.text("The catalog is not bound.", 503);
  /** A refusal of the service as a page: the forbidden page, the catalog's absence, or the reason. */
  const refusal = (c: C, e: ApiError, notFound = "<p>No such experiment.</p>") => {
    if (e.status === 403) return forbidden(c);
    if (e.status === 503) return unavailable(c);
    if (e.status === 404) return c.html(notFound, 404);
    return c.html(`<p>${esc(e.message)}</p>`, e.status);
  };
  const formFields = async (c: C): Promise<Record<string, string>> =>
    Object.fromEntries(Object.entries(await c.req.parseBody()).filter((e): e is [string, string] => typeof e[1] === "string"));

  app.post("/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: base });
    return c.redirect(`${base}/login`, 303);
  });

  const list = async (c: C) => {
    if (!can(c, "experiments.list")) return forbidden(c);
    const parsed = ListQuery.safeParse(c.req.query());
    const q = parsed.success ? parsed.data : ListQuery.parse({});
    const page = await service.list(c.env, q);
    if (!page.ok) return unavailable(c);
    // Each row's gate and sample are read fresh from run-data, as the dashboard does; a draft has none.
    const gates = await Promise.all(
      page.value.rows.map(async (r) => {
        if (r.lifecycle_state === "draft") return { ...r, gate: "—" };
        const st = await service.runState(c.env, r.id);
        if (!st.ok) return { ...r, gate: r.significance_override_reason !== null ? "override" : r.sample === 0 ? "pending" : "—" };
        const samples = st.value.run.samples;
        // Over the running variants: a stopped one no longer grows.
        const gate = runGate(r, samples);
        return { ...r, gate, sample: Object.values(samples).reduce((x, y) => x + y, 0) };
      }),
    );
    return c.html(listPage(ctxOf(c), q, gates, page.value.total, can(c, "experiments.create")));
  };
  app.get("/experiments", list);
  app.get("/experiments/", list);

  app.get("/experiments/archive", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c);
    const done = await service.list(c.env, ListQuery.parse({ state: "done", per_page: 100 }));
    const archived = await service.list(c.env, ListQuery.parse({ state: "archived", per_page: 100 }));
    if (!done.ok || !archived.ok) return unavailable(c);
    const rows = [];
    for (const r of [...done.value.rows, ...archived.value.rows]) {
      const d = await service.dashboard(c.env, r.id);
      if (d.ok) rows.push({ record: r, dashboard: d.value });
    }
    return c.html(archivePage(ctxOf(c), rows));
  });

  app.get("/experiments/new", (c) =>
    can(c, "experiments.create") ? c.html(editorPage(ctxOf(c), { id: null, state: "draft" }, formFromRecord({}), [], null)) : forbidden(c),
  );
  app.post("/experiments/new", async (c) => {
    if (!can(c, "experiments.create")) return forbidden(c);
    const fields = await formFields(c);
    const parsed = ExperimentInput.safeParse(inputFromForm(fields));
    if (!parsed.success)
      return c.html(
        editorPage(ctxOf(c), { id: null, state: "draft" }, fields, issuesOf(parsed.error), "Please correct the fields below."),
        422,
      );
    const r = await service.create(c.env, c.get("access"), parsed.data);
    if (!r.ok && r.status === 503) return unavailable(c);
    if (!r.ok) return c.html(editorPage(ctxOf(c), { id: null, state: "draft" }, fields, r.issues ?? [], r.message), r.status);
    return c.redirect(`${base}/experiments/${r.value.value.id}`, 303);
  });

  async function dashboard(c: C, id: number, message: string | null, status: 200 | ApiError["status"] = 200) {
    const d = await service.dashboard(c.env, id);
    if (!d.ok)
      return d.status === 503 ? unavailable(c) : c.html(`<p>${d.status === 404 ? "No such experiment." : "Unavailable."}</p>`, d.status);
    const state = d.value.lifecycle_state;
    const actions = ACTIONS.filter((a) => transition(state, a, null).ok && can(c, ACTION_CAPABILITY[a]));
    const canEdit = (state === "draft" || state === "live" || state === "paused") && can(c, editCapability(state));
    const canRollout = state === "done" && d.value.shipped_variant_slug !== null && can(c, "experiments.conclude");
    const log = await service.activity(c.env, id, 20);
    return c.html(dashboardPage(ctxOf(c), d.value, { actions, canEdit, canRollout }, log.ok ? log.value : [], message), status);
  }

  app.get("/experiments/:id", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c);
    const id = parseId(c.req.param("id"));
    return id === null ? c.html("<p>No such experiment.</p>", 404) : dashboard(c, id, null);
  });

  app.get("/experiments/:id/edit", async (c) => {
    const e = await service.editable(c.env, c.get("access"), c.req.param("id"));
    if (!e.ok) return refusal(c, e);
    const fields = formFromRecord(e.value.record);
    // The plan section asks again with ?plan_mde=…: the plan from the experiment's numbers, filled in.
    const mde = c.req.query("plan_mde");
    let plan: EditorPlan | undefined;
    if (mde !== undefined) {
      const query = { baseline_rate: c.req.query("plan_baseline") ?? "", relative_mde: mde, power: c.req.query("plan_power") ?? "" };
      const advice = await service.plan(c.env, e.value.id, query);
      const why = advice.ok ? null : [advice.message, ...(advice.issues ?? []).map((i) => `${i.path}: ${i.message}`)].join("; ");
      plan = { query, advice: advice.ok ? advice.value : null, error: why };
      if (advice.ok) {
        fields.planned_sample_per_variant = String(advice.value.suggested.planned_sample_per_variant);
        fields.min_sample_threshold = String(advice.value.suggested.min_sample_threshold);
      }
    }
    return c.html(editorPage(ctxOf(c), { id: e.value.id, state: e.value.record.lifecycle_state }, fields, [], null, plan));
  });

  app.post("/experiments/:id/edit", async (c) => {
    const e = await service.editable(c.env, c.get("access"), c.req.param("id"));
    if (!e.ok) return refusal(c, e);
    const { id } = e.value;
    const state = e.value.record.lifecycle_state;
    const fields = await formFields(c);
    const parsed = ExperimentInput.safeParse(inputFromForm(fields));
    if (!parsed.success)
      return c.html(editorPage(ctxOf(c), { id, state }, fields, issuesOf(parsed.error), "Please correct the fields below."), 422);
    const r = await service.replace(c.env, c.get("access"), id, parsed.data, fields.confirm_reset === "reset");
    if (!r.ok) {
      const message =
        r.code === "confirm_reset_required"
          ? "Changing variants or shares of a running experiment resets its sample: tick the confirmation and save again."
          : r.message;
      return c.html(editorPage(ctxOf(c), { id, state }, fields, r.issues ?? [], message), r.status);
    }
    return c.redirect(`${base}/experiments/${id}`, 303);
  });

  // A variant as a visitor in it would see it, for the signed-in operator only: fetched from the origin
  // directly (not through the edge, so nothing is assigned or counted) with its overrides applied.
  app.get("/experiments/:id/preview/:variant", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c);
    if (o.origin === undefined || parseId(c.req.param("id")) === null) return c.html("<p>No preview.</p>", 404);
    const r = await service.record(c.env, c.req.param("id"));
    if (!r.ok && r.status === 503) return c.html("<p>No preview.</p>", 404);
    const variant = r.ok ? r.value.variants.find((v) => v.slug === c.req.param("variant")) : undefined;
    if (!r.ok || variant === undefined) return c.html("<p>No such variant.</p>", 404);
    const page = withPath(c.req.url, variant.page ?? r.value.target_page).replace(/\?.*$/, "");
    const upstream = await o.origin(new Request(page, { headers: { accept: "text/html" } }), c.env, executionContextOf(c));
    // What the edge would serve: guarded the same way unless an Administrator allowed script overrides.
    const guarded = !r.value.allow_script_overrides;
    const overrides = guarded ? variant.overrides?.filter((v) => unsafeOverride(v) === null) : variant.overrides;
    const shown = overrides === undefined ? upstream : applyOverrides(upstream, overrides, guarded);
    const res = new Response(shown.body, shown);
    // The site's own page, under the admin's origin: it runs sandboxed in an opaque origin, so its
    // scripts (and any an override adds) cannot read or use the operator's session: no cookies, no
    // storage, no forms, no popups, no top navigation, and what it fetches from the admin is cross-site.
    // The site's own CSP stays; ours is added. Not framed, not cached.
    res.headers.set("x-sgen-preview", `${r.value.slug}/${variant.slug}`);
    res.headers.append("content-security-policy", PREVIEW_CSP);
    res.headers.set("cache-control", "no-store");
    return res;
  });

  app.post("/experiments/:id/rollout", async (c) => {
    const id = parseId(c.req.param("id"));
    if (id === null) return c.html("<p>Not found.</p>", 404);
    if (!can(c, "experiments.conclude")) return forbidden(c);
    const fields = await formFields(c);
    const r = await service.setRollout(c.env, c.get("access"), id, Number(fields.percent));
    if (!r.ok) return r.status === 503 ? unavailable(c) : dashboard(c, id, r.message, r.status);
    return c.redirect(`${base}/experiments/${id}`, 303);
  });

  const results = async (c: C, format: "csv" | "json") => {
    if (!can(c, "dashboard.view")) return forbidden(c);
    const file = await service.results(c.env, c.req.param("id"), format);
    if (!file.ok) return c.html("<p>Not found.</p>", 404);
    return c.body(file.value.body, 200, {
      "content-type": file.value.contentType,
      "content-disposition": `attachment; filename="${file.value.filename}"`,
    });
  };
  app.get("/experiments/:id/results.csv", (c) => results(c, "csv"));
  app.get("/experiments/:id/results.json", (c) => results(c, "json"));

  app.post("/experiments/:id/:action", async (c) => {
    const id = parseId(c.req.param("id"));
    const action = c.req.param("action");
    if (id === null || !(ACTIONS as readonly string[]).includes(action)) return c.html("<p>Not found.</p>", 404);
    if (!can(c, ACTION_CAPABILITY[action as Action])) return forbidden(c);
    const fields = await formFields(c);
    const hasDecision = [fields.key_learning, fields.decision, fields.follow_up].some((v) => (v ?? "").trim() !== "");
    const percent = Number(fields.rollout_percent ?? "100");
    const body = {
      shipped_variant_slug: fields.shipped_variant_slug,
      reason: fields.reason,
      ...(hasDecision
        ? {
            decision_record: DecisionRecord.parse({
              key_learning: (fields.key_learning ?? "").slice(0, 2000),
              decision: (fields.decision ?? "").slice(0, 2000),
              follow_up: (fields.follow_up ?? "").slice(0, 2000),
            }),
          }
        : {}),
      ...(Number.isFinite(percent) && percent >= 0 && percent <= 100 ? { rollout_percent: Math.round(percent * 100) / 100 } : {}),
    };
    const r = await service.act(c.env, c.get("access"), id, action as Action, body);
    if (!r.ok && r.status === 503) return unavailable(c);
    if (!r.ok)
      return dashboard(
        c,
        id,
        r.issues?.length ? `${r.message}: ${r.issues.map((i) => `${i.path} ${i.message}`).join("; ")}` : r.message,
        r.status,
      );
    return c.redirect(action === "delete" ? `${base}/experiments/` : `${base}/experiments/${id}`, 303);
  });

  // Its own Variables are internal to it: a site sees the app by its Bindings alone.
  return app as unknown as Hono<{ Bindings: Env }>;
}
