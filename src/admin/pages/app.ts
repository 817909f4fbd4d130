// The operators' web pages (reference: the four views of the Experiments module), as a Hono sub-app.
// Sign-in turns an operator token into a signed session cookie; every state-changing form carries a
// CSRF token; every response carries security headers and no-store. Pages talk to the catalog directly,
// with the same core rules and the same capability checks as the API.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { type CatalogNamespace, catalogStub } from "../../catalog/names.ts";
import { type ApiError, issuesOf } from "../../core/errors.ts";
import { gateState } from "../../core/gate.ts";
import { ACTION_CAPABILITY, ACTIONS, type Action, editCapability, transition } from "../../core/lifecycle.ts";
import { ListQuery } from "../../core/list-query.ts";
import { type Capability, type Operator, roleCan } from "../../core/permissions.ts";
import { DecisionRecord, ExperimentInput, type ExperimentRecord, type LifecycleState } from "../../core/schema.ts";
import { withPath } from "../../core/url.ts";
import { applyOverrides } from "../../edge/overrides.ts";
import { fromHex, operatorForDigest, sha256, toHex } from "../auth.ts";
import { buildDashboard } from "../dashboard.ts";
import { reminderText } from "../reminder.ts";
import { resultsCsv, resultsJson } from "../results.ts";
import { rolesFrom } from "../roles.ts";
import { createSession, csrfToken, csrfValid, readSession, SESSION_COOKIE, SESSION_HOURS, type Session } from "../session.ts";
import { clientKey, noteFailedSignIn, retryAfterSeconds } from "../signin-limit.ts";
import { ADMIN_CSS } from "./admin.css.ts";
import { formFromRecord, inputFromForm } from "./form.ts";
import { archivePage, dashboardPage, editorPage, listPage, loginPage, type PageContext } from "./views.ts";

export interface AdminPagesOptions<Env> {
  /** Where the pages live. Default `/sg-admin`; views under `/experiments/`. */
  basePath?: string;
  catalog: (env: Env) => CatalogNamespace | undefined;
  tokens: (env: Env) => string | undefined;
  roles?: (env: Env) => string | undefined;
  /** Secret that signs session cookies (`SGEN_SESSION_SECRET`); without it nobody can sign in. */
  sessionSecret: (env: Env) => string | undefined;
  /** Fetches a page of the site, for previews of a variant (never through the edge, so never counted). */
  origin?: (request: Request, env: Env) => Promise<Response>;
  onPublished?: () => void;
}

type Vars = { session: Session; operator: Operator; csrf: string; roles: Readonly<Record<string, readonly Capability[]>> };

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

export function createAdminPages<Env extends object>(o: AdminPagesOptions<Env>) {
  const base = o.basePath ?? "/sg-admin";
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
    const ns = o.catalog(c.env);
    const client = clientKey(c.req.raw);
    const retryAfter = ns === undefined ? 0 : await retryAfterSeconds(catalogStub(ns), client, c.env as Record<string, unknown>);
    if (retryAfter > 0)
      return c.html(loginPage(anonymous, `Too many failed sign-ins; try again in ${retryAfter} seconds.`), 429, {
        "retry-after": String(retryAfter),
      });
    const secret = o.sessionSecret(c.env);
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token : "";
    const digest = await sha256(token);
    const operator = secret === undefined || token === "" ? null : operatorForDigest(digest, o.tokens(c.env));
    if (operator === null || secret === undefined) {
      if (ns !== undefined) await noteFailedSignIn(catalogStub(ns), client);
      return c.html(loginPage(anonymous, "That token is not valid."), 401);
    }
    // A fresh session value on every sign-in: a cookie planted before sign-in is never promoted (fixation).
    setCookie(c, SESSION_COOKIE, await createSession(secret, operator, toHex(digest)), {
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
    const operator = session === null ? null : operatorForDigest(fromHex(session.digest), o.tokens(c.env));
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
    c.set("operator", operator);
    c.set("csrf", csrf);
    c.set("roles", rolesFrom(o.roles?.(c.env)));
    await next();
  });

  const ctxOf = (c: C): PageContext => ({ base, operator: c.get("operator"), csrf: c.get("csrf") });
  const can = (c: C, cap: Capability) => roleCan(c.get("roles"), c.get("operator").role, cap);
  const catalogOf = (c: C) => {
    const ns = o.catalog(c.env);
    return ns === undefined ? null : catalogStub(ns);
  };
  const forbidden = (c: C) => c.html(`<p>Your role may not do that.</p>`, 403);
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
    const catalog = catalogOf(c);
    if (catalog === null) return c.text("The catalog is not bound.", 503);
    const page = await catalog.list(q);
    const rows = page.rows.map((r) => ({ ...r, reminder: reminderText(r.reminder) }));
    const total = page.total;
    // Each row's gate and sample are read fresh from run-data, as the dashboard does; a draft has none.
    const gates = await Promise.all(
      rows.map(async (r) => {
        if (r.lifecycle_state === "draft") return { ...r, gate: "—" };
        const st = await catalog.runState(r.id);
        if (!st.ok) return { ...r, gate: r.significance_override_reason !== null ? "override" : r.sample === 0 ? "pending" : "—" };
        const samples = st.value.run.samples;
        const gate = gateState(
          r.min_sample_threshold,
          r.variants.map((v) => v.slug),
          samples,
          r.significance_override_reason,
        );
        return { ...r, gate, sample: Object.values(samples).reduce((x, y) => x + y, 0) };
      }),
    );
    return c.html(listPage(ctxOf(c), q, gates, total, can(c, "experiments.create")));
  };
  app.get("/experiments", list);
  app.get("/experiments/", list);

  app.get("/experiments/archive", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c);
    const catalog = catalogOf(c);
    if (catalog === null) return c.text("The catalog is not bound.", 503);
    const done = (await catalog.list(ListQuery.parse({ state: "done", per_page: 100 }))).rows;
    const archived = (await catalog.list(ListQuery.parse({ state: "archived", per_page: 100 }))).rows;
    const rows = [];
    for (const r of [...done, ...archived]) {
      const st = await catalog.runState(r.id);
      if (st.ok) rows.push({ record: r as ExperimentRecord, dashboard: buildDashboard(st.value) });
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
    const catalog = catalogOf(c);
    if (catalog === null) return c.text("The catalog is not bound.", 503);
    const r = await catalog.create(c.get("operator"), parsed.data, can(c, "experiments.script_overrides"));
    if (!r.ok) return c.html(editorPage(ctxOf(c), { id: null, state: "draft" }, fields, r.issues ?? [], r.message), r.status);
    return c.redirect(`${base}/experiments/${r.value.value.id}`, 303);
  });

  const idOf = (c: C) => (/^[1-9][0-9]{0,14}$/.test(c.req.param("id") ?? "") ? Number(c.req.param("id")) : null);

  async function dashboard(c: C, id: number, message: string | null, status: 200 | ApiError["status"] = 200) {
    const catalog = catalogOf(c);
    if (catalog === null) return c.text("The catalog is not bound.", 503);
    const st = await catalog.runState(id);
    if (!st.ok) return c.html(`<p>${st.status === 404 ? "No such experiment." : "Unavailable."}</p>`, st.status);
    const state = st.value.record.lifecycle_state;
    const actions = ACTIONS.filter((a) => transition(state, a, null).ok && can(c, ACTION_CAPABILITY[a]));
    const canEdit = (state === "draft" || state === "live" || state === "paused") && can(c, editCapability(state));
    const canRollout = state === "done" && st.value.record.shipped_variant_slug !== null && can(c, "experiments.conclude");
    const log = await catalog.activity(id, 20);
    return c.html(dashboardPage(ctxOf(c), buildDashboard(st.value), { actions, canEdit, canRollout }, log, message), status);
  }

  app.get("/experiments/:id", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c);
    const id = idOf(c);
    return id === null ? c.html("<p>No such experiment.</p>", 404) : dashboard(c, id, null);
  });

  /** The experiment the editor is about, if it exists and the operator may edit it in its state; else the answer. */
  async function editable(c: C) {
    const id = idOf(c);
    const catalog = catalogOf(c);
    if (id === null || catalog === null) return c.html("<p>No such experiment.</p>", 404);
    const r = await catalog.get(id);
    if (!r.ok) return c.html("<p>No such experiment.</p>", 404);
    const state: LifecycleState = r.value.lifecycle_state;
    if (!can(c, editCapability(state))) return forbidden(c);
    return { id, catalog, state, record: r.value };
  }

  app.get("/experiments/:id/edit", async (c) => {
    const e = await editable(c);
    if (e instanceof Response) return e;
    return c.html(editorPage(ctxOf(c), { id: e.id, state: e.state }, formFromRecord(e.record), [], null));
  });

  app.post("/experiments/:id/edit", async (c) => {
    const e = await editable(c);
    if (e instanceof Response) return e;
    const { id, catalog, state } = e;
    const fields = await formFields(c);
    const parsed = ExperimentInput.safeParse(inputFromForm(fields));
    if (!parsed.success)
      return c.html(editorPage(ctxOf(c), { id, state }, fields, issuesOf(parsed.error), "Please correct the fields below."), 422);
    const r = await catalog.replace(
      c.get("operator"),
      id,
      parsed.data,
      fields.confirm_reset === "reset",
      can(c, "experiments.edit_live"),
      can(c, "experiments.script_overrides"),
    );
    if (!r.ok) {
      const message =
        r.code === "confirm_reset_required"
          ? "Changing variants or shares of a running experiment resets its sample: tick the confirmation and save again."
          : r.message;
      return c.html(editorPage(ctxOf(c), { id, state }, fields, r.issues ?? [], message), r.status);
    }
    if (r.value.published) o.onPublished?.();
    return c.redirect(`${base}/experiments/${id}`, 303);
  });

  // A variant as a visitor in it would see it, for the signed-in operator only: fetched from the origin
  // directly (not through the edge, so nothing is assigned or counted) with its overrides applied.
  app.get("/experiments/:id/preview/:variant", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c);
    const id = idOf(c);
    const catalog = catalogOf(c);
    if (id === null || catalog === null || o.origin === undefined) return c.html("<p>No preview.</p>", 404);
    const r = await catalog.get(id);
    const variant = r.ok ? r.value.variants.find((v) => v.slug === c.req.param("variant")) : undefined;
    if (!r.ok || variant === undefined) return c.html("<p>No such variant.</p>", 404);
    const page = withPath(c.req.url, variant.page ?? r.value.target_page).replace(/\?.*$/, "");
    const upstream = await o.origin(new Request(page, { headers: { accept: "text/html" } }), c.env);
    const shown = variant.overrides === undefined ? upstream : applyOverrides(upstream, variant.overrides);
    const res = new Response(shown.body, shown);
    // The site's own page: its scripts and styles may run here, but not be framed, nor cached.
    res.headers.set("x-sgen-preview", `${r.value.slug}/${variant.slug}`);
    res.headers.set("content-security-policy", "frame-ancestors 'none'");
    res.headers.set("cache-control", "no-store");
    return res;
  });

  app.post("/experiments/:id/rollout", async (c) => {
    const id = idOf(c);
    if (id === null) return c.html("<p>Not found.</p>", 404);
    if (!can(c, "experiments.conclude")) return forbidden(c);
    const catalog = catalogOf(c);
    if (catalog === null) return c.text("The catalog is not bound.", 503);
    const fields = await formFields(c);
    const r = await catalog.setRollout(c.get("operator"), id, Number(fields.percent));
    if (!r.ok) return dashboard(c, id, r.message, r.status);
    if (r.value.published) o.onPublished?.();
    return c.redirect(`${base}/experiments/${id}`, 303);
  });

  const results = async (c: C, format: "csv" | "json") => {
    if (!can(c, "dashboard.view")) return forbidden(c);
    const id = idOf(c);
    const catalog = catalogOf(c);
    if (id === null || catalog === null) return c.html("<p>Not found.</p>", 404);
    const st = await catalog.runState(id);
    if (!st.ok) return c.html("<p>Not found.</p>", 404);
    const name = `sgen-ab-${st.value.record.slug}-results.${format}`;
    return format === "csv"
      ? c.body(resultsCsv(st.value), 200, {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${name}"`,
        })
      : c.json(resultsJson(st.value), 200, { "content-disposition": `attachment; filename="${name}"` });
  };
  app.get("/experiments/:id/results.csv", (c) => results(c, "csv"));
  app.get("/experiments/:id/results.json", (c) => results(c, "json"));

  app.post("/experiments/:id/:action", async (c) => {
    const id = idOf(c);
    const action = c.req.param("action");
    if (id === null || !(ACTIONS as readonly string[]).includes(action)) return c.html("<p>Not found.</p>", 404);
    if (!can(c, ACTION_CAPABILITY[action as Action])) return forbidden(c);
    const catalog = catalogOf(c);
    if (catalog === null) return c.text("The catalog is not bound.", 503);
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
    const r = await catalog.act(c.get("operator"), id, action as Action, body);
    if (!r.ok)
      return dashboard(
        c,
        id,
        r.issues?.length ? `${r.message}: ${r.issues.map((i) => `${i.path} ${i.message}`).join("; ")}` : r.message,
        r.status,
      );
    if (r.value.published) o.onPublished?.();
    return c.redirect(action === "delete" ? `${base}/experiments/` : `${base}/experiments/${id}`, 303);
  });

  return app;
}
