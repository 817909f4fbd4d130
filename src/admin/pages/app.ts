// The operators' web pages (reference: the four views of the Experiments module), as a Hono sub-app.
// Sign-in turns an operator token into a signed session cookie and returns to the page that asked for
// it; every state-changing form carries a CSRF token; every response carries security headers and
// no-store. Every write answers with a redirect and a success message (flash.ts); irreversible ones
// (delete, conclude, override, roll back) go through a confirmation step first. Refusals are pages in
// the app's frame with a way back. Sign-in, the capability checks and every read and write go through
// the admin service (../service.ts), the same one the API uses.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { variantsChanged } from "../../core/edit-rules.ts";
import type { ApiError } from "../../core/errors.ts";
import { HoldoutInput, type HoldoutRecord } from "../../core/holdout-schema.ts";
import { ACTION_CAPABILITY, ACTIONS, type Action, editCapability, transition } from "../../core/lifecycle.ts";
import { ListQuery } from "../../core/list-query.ts";
import { unsafeOverride } from "../../core/markup-policy.ts";
import { samePathProblem } from "../../core/paths.ts";
import type { Capability } from "../../core/permissions.ts";
import { DecisionRecord, ExperimentInput, type ExperimentRecord } from "../../core/schema.ts";
import { withPath } from "../../core/url.ts";
import { applyOverrides } from "../../edge/overrides.ts";
import { sameOriginRequest } from "../same-origin.ts";
import { type Access, AdminService, type AdminServiceOptions, parseId } from "../service.ts";
import {
  csrfToken,
  csrfValid,
  LOGIN_COOKIE,
  LOGIN_MINUTES,
  loginTokenValid,
  newLoginToken,
  newSession,
  readSessionCookie,
  SESSION_COOKIE,
  SESSION_HOURS,
  type SessionRef,
} from "../session.ts";
import { ADMIN_CSS } from "./admin.css.ts";
import { type FlashCode, setFlash, takeFlash } from "./flash.ts";
import { esc, num, validTimeZone } from "./html.ts";
import { safeNext } from "./next.ts";
import { archivePage } from "./views/archive.ts";
import { type Confirmation, confirmPage } from "./views/confirm.ts";
import { type Allowed, type DashboardModel, type DecisionDraft, dashboardPage } from "./views/dashboard/index.ts";
import { support } from "./views/dashboard/model.ts";
import { editableOf, formFromRecord, inputFromForm, newExperimentForm } from "./views/editor/form.ts";
import { type EditorMode, editorPage, type FieldErrors, type Fields } from "./views/editor/index.ts";
import { fieldErrors, NO_ERRORS, type RawIssue, REFUSAL_WORDS } from "./views/editor/issues.ts";
import { type EditorPlan, fractionOf, PLAN_FIELDS, planErrors } from "./views/editor/plan.ts";
import { addVariantRow, removeVariantRow, shareTotal } from "./views/editor/variants.ts";
import { addConditionRow, compactConditions } from "./views/editor/who-enters.ts";
import { holdoutEditorPage, holdoutFieldErrors, holdoutFormFromRecord, holdoutInputFromForm } from "./views/holdout-editor.ts";
import { holdoutDashboardPage, holdoutListPage } from "./views/holdouts.ts";
import { errorPage, loginPage, type PageContext } from "./views/layout.ts";
import { listPage } from "./views/list.ts";
import { runDataUnavailablePage } from "./views/run-data-unavailable.ts";

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
  /** Signs the dashboard's QA links; the edge must check them with the same secret. Default: `sessionSecret`. */
  qaSecret?: (env: Env) => string | undefined;
  /** The IANA time zone the pages write times in (`SGEN_ADMIN_TIME_ZONE`). Default UTC. */
  timeZone?: (env: Env) => string | undefined;
  /**
   * Paths of the site that page fields suggest, beside those of existing experiments and goals
   * (`SGEN_SITE_PATHS`: paths separated by commas, spaces or new lines).
   */
  sitePaths?: (env: Env) => string | readonly string[] | undefined;
  /** The clock sessions are timed by (milliseconds). Default `Date.now`; tests move it. */
  now?: () => number;
  /**
   * Origins whose form posts are accepted besides the request's own (`["https://admin.example.com"]`),
   * for a proxy in front that rewrites the host. Default none: only the pages' own origin.
   */
  trustedOrigins?: (env: Env) => readonly string[] | undefined;
}

/** The page session (null behind Cloudflare Access, whose assertion is the session). */
type Vars = { session: SessionRef | null; access: Access; csrf: string; flash: string | null };

/** The request's form, or null when the body is not a form that can be read (a broken multipart body, say). */
async function readForm(c: Context): Promise<Record<string, string | File | (string | File)[]> | null> {
  try {
    return await c.req.parseBody();
  } catch {
    return null;
  }
}

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

/** A capability in the words of a 403 page ("Your role (editor) may not edit an experiment that has started"). */
const CAPABILITY_WORDS: Record<string, string> = {
  list: "list experiments",
  view: "view experiments",
  "dashboard.view": "see dashboards",
  "activity.view": "see the activity",
  create: "create experiments",
  edit_draft: "edit drafts",
  edit_live: "edit an experiment that has started",
  edit: "edit experiments",
  start: "start experiments",
  pause: "pause experiments",
  resume: "resume experiments",
  conclude: "conclude experiments",
  override: "conclude experiments early",
  archive: "archive experiments",
  restore: "restore experiments",
  delete: "delete experiments",
  script_overrides: "allow overrides that run script",
  "holdouts.manage": "manage holdouts",
};

/** The lifecycle buttons of the dashboard's action bar; conclude, override and delete have their own steps. */
const BAR_ACTIONS: readonly Action[] = ["start", "pause", "resume", "archive", "restore"];
/** Actions that cannot be undone: they act only with `confirmed=yes`, after the confirmation page. */
const CONFIRMED_ACTIONS: readonly Action[] = ["conclude", "override", "delete"];

const zodIssue = (i: { path: readonly PropertyKey[]; message: string; code: string }): RawIssue => ({
  path: i.path.map(String).join(".") || "(body)",
  message: i.message,
  code: i.code,
});

// The declared type is the plain Hono app a site mounts: an inferred one names Hono's internal classes
// and generics (HonoBase with four parameters), which a site on an older Hono 4 cannot resolve.
export function createAdminPages<Env extends object>(o: AdminPagesOptions<Env>): Hono<{ Bindings: Env }> {
  const base = o.basePath ?? "/sg-admin";
  const service = new AdminService<Env>({ ...o, qaSecret: o.qaSecret ?? o.sessionSecret });
  const now = o.now ?? Date.now;
  const app = new Hono<{ Bindings: Env; Variables: Vars }>().basePath(base);
  type C = Context<{ Bindings: Env; Variables: Vars }>;

  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) {
      // The stylesheet keeps its own caching, a preview the site's own CSP (plus frame-ancestors).
      if ((k !== "cache-control" && k !== "content-security-policy") || !c.res.headers.has(k)) c.res.headers.set(k, v);
    }
  });
  app.use(
    "*",
    bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.html(errorPage(anonymous(c), 413, "The form is too large (64 KiB at most)."), 413) }),
  );

  // Every state-changing request, sign-in included, must come from this site's own pages: Hono's CSRF
  // check of Origin / Sec-Fetch-Site (../same-origin.ts), before anything else reads the request.
  app.use("*", async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !(await sameOriginRequest(c, { trustedOrigins: o.trustedOrigins?.(c.env) }))) {
      return c.html(errorPage(anonymous(c), 403, "This request did not come from this site, so it was not carried out."), 403);
    }
    await next();
  });

  app.get("/assets/admin.css", (c) =>
    c.body(ADMIN_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }),
  );

  const clockOf = (c: C) => ({ timeZone: validTimeZone(o.timeZone?.(c.env)), now: Date.now() });
  function anonymous(c: Context): PageContext {
    return { base, operator: null, csrf: "", can: () => false, flash: null, clock: clockOf(c as C) };
  }

  /** The login page with a fresh pre-session token: its nonce in a cookie, its HMAC in the form. */
  const login = async (
    c: C,
    error: string | null,
    next: string | null,
    status: 200 | 400 | 401 | 403 | 429 | 503 = 200,
    headers: Record<string, string> = {},
  ) => {
    const secret = o.sessionSecret(c.env);
    let loginToken = "";
    if (secret !== undefined) {
      const t = await newLoginToken(secret);
      loginToken = t.token;
      setCookie(c, LOGIN_COOKIE, t.nonce, {
        httpOnly: true,
        sameSite: "Strict",
        secure: new URL(c.req.url).protocol === "https:",
        path: `${base}/login`,
        maxAge: LOGIN_MINUTES * 60,
      });
    }
    return c.html(loginPage(anonymous(c), error, next, loginToken), status, headers);
  };

  // Behind Cloudflare Access, Access signs operators in: the pages take no tokens.
  const ACCESS_ONLY = "This admin signs in through Cloudflare Access: open it from your Access login. Operator tokens are for the API.";
  app.get("/login", (c) =>
    service.accessConfigured(c.env)
      ? c.html(loginPage(anonymous(c), ACCESS_ONLY, null, null), 200)
      : login(c as C, null, safeNext(c.req.query("next"), base)),
  );
  app.post("/login", async (c) => {
    if (service.accessConfigured(c.env)) return c.html(loginPage(anonymous(c), ACCESS_ONLY, null, null), 403);
    const secret = o.sessionSecret(c.env);
    const form = await readForm(c);
    if (form === null) return login(c as C, "The form could not be read.", null, 400);
    const token = typeof form.token === "string" ? form.token : "";
    const next = safeNext(form.next, base);
    // Login CSRF: the form must carry the token of this browser's own login cookie. Not a failed
    // sign-in (no token was tried), so a cross-site page cannot spend the victim's attempts either.
    if (secret === undefined || !(await loginTokenValid(secret, getCookie(c, LOGIN_COOKIE), form.login_csrf))) {
      return login(c as C, "This sign-in form has expired or did not come from this site. Please sign in again.", next, 403);
    }
    // An empty token is a failed attempt like a wrong one.
    const signIn = await service.signIn(c.env, c.req.raw, token === "" ? null : token);
    if (!signIn.ok && signIn.status === 429)
      return login(c as C, `Too many failed sign-ins; try again in ${signIn.retryAfter} seconds.`, next, 429, {
        "retry-after": String(signIn.retryAfter),
      });
    if (!signIn.ok) return login(c as C, "That token is not valid.", next, 401);
    // A fresh session id on every sign-in: a cookie planted before sign-in is never promoted (fixation).
    const session = await newSession(secret);
    const stored = await service.openSession(c.env, session.ref.key, signIn.operator, signIn.digest, now());
    if (!stored.ok) return login(c as C, "Sessions cannot be kept: the catalog is not bound.", next, 503);
    deleteCookie(c, LOGIN_COOKIE, { path: `${base}/login` });
    setCookie(c, SESSION_COOKIE, session.cookie, {
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      path: base,
      maxAge: SESSION_HOURS * 3600,
    });
    // Back to the page that asked for the sign-in: a path of these pages only (next.ts), never another site.
    return c.redirect(next ?? `${base}/experiments/`, 303);
  });

  // Behind Cloudflare Access, every request carries its own proof: a verified assertion of a listed
  // identity is the operator, and its form token is derived from the identity (the session secret signs it).
  app.use("*", async (c, next) => {
    if (!service.accessConfigured(c.env)) return next();
    const secret = o.sessionSecret(c.env);
    const identity = await service.accessIdentity(c.env, c.req.raw);
    if (identity.kind !== "operator") {
      const why =
        identity.kind === "unknown"
          ? `${identity.email ?? "This identity"} is not an operator of this admin.`
          : "Cloudflare Access did not vouch for this request. Open the admin from your Access login.";
      return c.html(errorPage(anonymous(c), identity.kind === "unknown" ? 403 : 401, why), identity.kind === "unknown" ? 403 : 401);
    }
    if (secret === undefined) return c.html(errorPage(anonymous(c), 503, "The pages need SGEN_SESSION_SECRET to sign their forms."), 503);
    const formId = `access:${identity.subject}`;
    c.set("session", null);
    c.set("access", service.access(c.env, identity.operator));
    c.set("csrf", await csrfToken(secret, formId));
    c.set("flash", c.req.method === "GET" ? takeFlash(c, base) : null);
    if (c.req.method === "POST") {
      const form = await readForm(c);
      if (form === null) return c.html(errorPage(ctxOf(c as C), 400, "The form could not be read."), 400);
      if (!(await csrfValid(secret, formId, form.csrf)))
        return c.html(
          errorPage(ctxOf(c as C), 403, "This form has expired or did not come from this site. Reload the page and try again."),
          403,
        );
    }
    await next();
  });

  // Everything else needs a live session (one catalog call: it may have been ended, or gone idle);
  // every POST needs its CSRF token.
  app.use("*", async (c, next) => {
    if (service.accessConfigured(c.env)) return next();
    const secret = o.sessionSecret(c.env);
    const session = secret === undefined ? null : await readSessionCookie(secret, getCookie(c, SESSION_COOKIE));
    const operator = session === null ? null : await service.resumeSession(c.env, session.key, now());
    if (session === null || operator === null || secret === undefined) {
      if (getCookie(c, SESSION_COOKIE) !== undefined) deleteCookie(c, SESSION_COOKIE, { path: base });
      const url = new URL(c.req.url);
      if (c.req.method === "GET") {
        // The list is where sign-in lands anyway; any other page of the admin is asked for by name.
        const asked = safeNext(`${url.pathname}${url.search}`, base);
        const back = asked === `${base}/experiments/` ? null : asked;
        return c.redirect(`${base}/login${back === null ? "" : `?${new URLSearchParams({ next: back })}`}`, 303);
      }
      return c.html(errorPage(anonymous(c), 401, "Your session has ended. Sign in again, then repeat what you were doing."), 401);
    }
    const csrf = await csrfToken(secret, session.id);
    c.set("session", session);
    c.set("access", service.access(c.env, operator));
    c.set("csrf", csrf);
    c.set("flash", c.req.method === "GET" ? takeFlash(c, base) : null);
    if (c.req.method === "POST") {
      const form = await readForm(c);
      if (form === null) return c.html(errorPage(ctxOf(c as C), 400, "The form could not be read."), 400);
      if (!(await csrfValid(secret, session.id, form.csrf)))
        return c.html(
          errorPage(ctxOf(c as C), 403, "This form has expired or did not come from this site. Reload the page and try again."),
          403,
        );
    }
    await next();
  });

  function ctxOf(c: C): PageContext {
    const access = c.get("access");
    return {
      base,
      operator: access.operator,
      csrf: c.get("csrf"),
      can: (cap) => access.can(cap),
      flash: c.get("flash"),
      clock: clockOf(c),
    };
  }
  const can = (c: C, cap: Capability) => c.get("access").can(cap);
  const forbidden = (c: C, what = "do that") =>
    c.html(errorPage(ctxOf(c), 403, `Your role (${c.get("access").operator.role}) may not ${what}. An Administrator can.`), 403);
  const notFoundPage = (c: C, what = "There is no experiment with this id: it may have been deleted.") =>
    c.html(errorPage(ctxOf(c), 404, what), 404);
  /** A refusal of the service as a page in the app's frame. */
  const refusal = (c: C, e: ApiError, id: number | null = null) => {
    if (e.status === 403) {
      const capability = /may not (\S+)$/.exec(e.message)?.[1] ?? "";
      return forbidden(c, CAPABILITY_WORDS[capability] ?? e.message.replace(/^the role \S+ may not /, ""));
    }
    if (e.status === 404) return notFoundPage(c);
    if (e.code === "catalog_unavailable")
      return c.html(errorPage(ctxOf(c), 503, "The catalog Durable Object is not bound, so there is nothing to show."), 503);
    const back = id === null ? null : { href: `${base}/experiments/${id}`, label: "Back to the experiment" };
    return c.html(errorPage(ctxOf(c), e.status, `${e.message[0]?.toUpperCase() ?? ""}${e.message.slice(1)}.`, back), e.status);
  };
  const formFields = async (c: C): Promise<Fields> =>
    Object.fromEntries(Object.entries((await readForm(c)) ?? {}).filter((e): e is [string, string] => typeof e[1] === "string"));
  const done = (c: C, code: FlashCode, to: string) => {
    setFlash(c, code, base);
    return c.redirect(to, 303);
  };

  // Signing out ends the session in the catalog, not only in this browser: a copy of the cookie is dead.
  app.post("/logout", async (c) => {
    const session = c.get("session");
    if (session === null) return c.redirect("/cdn-cgi/access/logout", 303); // Access holds the session
    await service.closeSession(c.env, session.key);
    deleteCookie(c, SESSION_COOKIE, { path: base });
    return c.redirect(`${base}/login`, 303);
  });

  // Every session of this operator, in every browser, ends (audited); this one with them.
  app.post("/logout-everywhere", async (c) => {
    const r = await service.signOutEverywhere(c.env, c.get("access"));
    if (!r.ok) return refusal(c, r);
    deleteCookie(c, SESSION_COOKIE, { path: base });
    return c.redirect(c.get("session") === null ? "/cdn-cgi/access/logout" : `${base}/login`, 303);
  });

  // ---- the list and the archive ---------------------------------------------------------------------

  const list = async (c: C) => {
    if (!can(c, "experiments.list")) return forbidden(c, "list experiments");
    const parsed = ListQuery.safeParse(c.req.query());
    const q = parsed.success ? parsed.data : ListQuery.parse({});
    const page = await service.list(c.env, q);
    if (!page.ok) return refusal(c, page);
    return c.html(listPage(ctxOf(c), q, page.value.rows, page.value.total));
  };
  app.get("/experiments", list);
  app.get("/experiments/", list);

  // ---- holdouts: read by anyone who may list and see dashboards, written by holdouts.manage ----------

  const holdouts = async (c: C) => {
    if (!can(c, "experiments.list")) return forbidden(c, "list holdouts");
    const r = await service.holdouts(c.env);
    return r.ok ? c.html(holdoutListPage(ctxOf(c), r.value.rows)) : refusal(c, r);
  };
  app.get("/holdouts", holdouts);
  app.get("/holdouts/", holdouts);
  const noHoldout = (c: C) => notFoundPage(c, "There is no holdout with this id: it may have been deleted.");
  const holdoutDashboard = async (c: C, rawId: string, error: string | null = null, status: 200 | 400 = 200) => {
    const r = await service.holdoutDashboard(c.env, rawId);
    if (!r.ok) return r.status === 404 || r.status === 400 ? noHoldout(c) : refusal(c, r);
    return c.html(holdoutDashboardPage(ctxOf(c), r.value, error), status);
  };
  app.get("/holdouts/new", (c) =>
    can(c, "holdouts.manage")
      ? c.html(holdoutEditorPage(ctxOf(c), null, holdoutFormFromRecord(null), NO_ERRORS))
      : forbidden(c, "manage holdouts"),
  );
  app.get("/holdouts/:id", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c, "see dashboards");
    return holdoutDashboard(c, c.req.param("id"));
  });
  app.get("/holdouts/:id/edit", async (c) => {
    if (!can(c, "holdouts.manage")) return forbidden(c, "manage holdouts");
    const r = await service.holdout(c.env, c.req.param("id"));
    if (!r.ok) return r.status === 404 || r.status === 400 ? noHoldout(c) : refusal(c, r);
    return c.html(holdoutEditorPage(ctxOf(c), r.value, holdoutFormFromRecord(r.value), NO_ERRORS));
  });
  /** A posted holdout form: validated here for words beside the fields, then written by the service. */
  async function holdoutPost(c: C, current: HoldoutRecord | null) {
    const f = await formFields(c);
    const again = (errors: FieldErrors, status: 409 | 422) => c.html(holdoutEditorPage(ctxOf(c), current, f, errors), status);
    const parsed = HoldoutInput.safeParse(holdoutInputFromForm(f));
    if (!parsed.success) return again(holdoutFieldErrors(parsed.error.issues.map(zodIssue)), 422);
    const r =
      current === null
        ? await service.createHoldout(c.env, c.get("access"), parsed.data)
        : await service.replaceHoldout(c.env, c.get("access"), current.id, parsed.data, f.confirm_reset === "reset");
    if (!r.ok) {
      if (r.status === 503 || r.status === 404 || r.status === 403) return refusal(c, r);
      const errors = holdoutFieldErrors(r.issues ?? []);
      const words = `${r.message[0]?.toUpperCase() ?? ""}${r.message.slice(1)}.`;
      if (r.code === "confirm_reset_required") return again({ byField: new Map([["confirm_reset", [words]]]), general: [] }, 409);
      return again(
        errors.byField.size > 0 ? errors : { byField: errors.byField, general: [...errors.general, words] },
        r.status === 409 ? 409 : 422,
      );
    }
    const saved = r.value.value;
    const code = current === null ? "holdout_created" : saved.epoch > current.epoch ? "holdout_saved_reset" : "holdout_saved";
    return done(c, code, `${base}/holdouts/${saved.id}`);
  }
  app.post("/holdouts/new", async (c) => (can(c, "holdouts.manage") ? holdoutPost(c, null) : forbidden(c, "manage holdouts")));
  app.post("/holdouts/:id/edit", async (c) => {
    if (!can(c, "holdouts.manage")) return forbidden(c, "manage holdouts");
    const r = await service.holdout(c.env, c.req.param("id"));
    if (!r.ok) return r.status === 404 || r.status === 400 ? noHoldout(c) : refusal(c, r);
    return holdoutPost(c, r.value);
  });
  app.post("/holdouts/:id/delete", async (c) => {
    if (!can(c, "holdouts.manage")) return forbidden(c, "manage holdouts");
    const f = await formFields(c);
    if (f.confirmed !== "yes")
      return holdoutDashboard(
        c,
        c.req.param("id"),
        "Nothing was deleted: tick the box to confirm that its counts are deleted with it.",
        400,
      );
    const r = await service.deleteHoldout(c.env, c.get("access"), c.req.param("id"));
    if (!r.ok) return r.status === 404 || r.status === 400 ? noHoldout(c) : refusal(c, r);
    return done(c, "holdout_deleted", `${base}/holdouts/`);
  });

  app.get("/experiments/archive", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c, "see results");
    const raw = c.req.query();
    const parsed = ListQuery.safeParse({ sort: "concluded", per_page: "10", ...raw, state: "concluded" });
    const q = parsed.success ? parsed.data : ListQuery.parse({ state: "concluded", sort: "concluded", per_page: 10 });
    const page = await service.list(c.env, q);
    if (!page.ok) return refusal(c, page);
    const entries = [];
    for (const r of page.value.rows) {
      const d = await service.dashboardAndRecord(c.env, r.id);
      if (d.ok) entries.push(d.value);
      else if (d.code === "run_data_unavailable") entries.push({ record: r, error: d.message });
    }
    return c.html(archivePage(ctxOf(c), q, entries, page.value.total));
  });

  // ---- the editor ------------------------------------------------------------------------------------

  /** Paths to suggest for page fields: the configured list, and those of the 100 latest experiments and their goals. */
  async function sitePaths(c: C): Promise<string[]> {
    const configured = o.sitePaths?.(c.env);
    const listed = typeof configured === "string" ? configured.split(/[\s,]+/) : [...(configured ?? [])];
    const paths = new Set(listed.filter((p) => p !== "" && samePathProblem(p) === null));
    const recent = await service.list(c.env, ListQuery.parse({ sort: "updated", per_page: 100 }));
    if (recent.ok) {
      for (const r of recent.value.rows) {
        paths.add(r.target_page);
        for (const v of r.variants) if (v.page !== undefined) paths.add(v.page);
        for (const g of [r.conversion_event, ...r.secondary_goals]) if (g.type !== "custom") paths.add(g.path);
      }
    }
    return [...paths].sort();
  }

  const modeOf = (c: C, current: ExperimentRecord | null): EditorMode => ({
    id: current?.id ?? null,
    state: current?.lifecycle_state ?? "draft",
    started: current !== null && current.lifecycle_state !== "draft",
    canAllowScripts: can(c, "experiments.script_overrides"),
  });

  async function editor(
    c: C,
    current: ExperimentRecord | null,
    f: Fields,
    errors: FieldErrors,
    status: 200 | 409 | 422 | 400 | 403 = 200,
    plan?: EditorPlan,
  ) {
    return c.html(editorPage(ctxOf(c), modeOf(c, current), f, errors, await sitePaths(c), current?.name ?? null, plan), status);
  }

  /**
   * "Work out the sample": the plan from the experiment's numbers and the percentages typed, and the form
   * back with everything typed and the planned sample and the gate's minimum filled in (not saved).
   */
  async function planned(c: C, current: ExperimentRecord, f: Fields) {
    const advice = await service.plan(c.env, current.id, {
      baseline_rate: fractionOf(f[PLAN_FIELDS.baseline]),
      relative_mde: fractionOf(f[PLAN_FIELDS.lift]),
      power: fractionOf(f[PLAN_FIELDS.power]),
    });
    if (!advice.ok) {
      if (advice.status !== 400 && advice.status !== 422) return refusal(c, advice);
      return editor(c, current, f, NO_ERRORS, 200, { advice: null, errors: planErrors(advice.issues ?? [], advice.code) });
    }
    const filled = {
      ...f,
      planned_sample_per_variant: String(advice.value.suggested.planned_sample_per_variant),
      min_sample_threshold: String(advice.value.suggested.min_sample_threshold),
    };
    return editor(c, current, filled, NO_ERRORS, 200, { advice: advice.value, errors: NO_ERRORS });
  }

  /** A refused save as errors beside the fields: the issues, and the refusal's own words by its code. */
  function refusedSave(e: ApiError, f: Fields): FieldErrors {
    const fromIssues = fieldErrors(e.issues ?? [], f);
    const known = REFUSAL_WORDS[e.code];
    const byField = new Map(fromIssues.byField);
    const general = [...fromIssues.general];
    if (known !== undefined && !(e.code === "slug_taken" && byField.has("slug"))) {
      byField.set(known.field, [
        ...(byField.get(known.field) ?? []),
        known.words ?? `${e.message[0]?.toUpperCase()}${e.message.slice(1)}.`,
      ]);
    } else if (known === undefined && (e.issues ?? []).length === 0) {
      general.push(`${e.message[0]?.toUpperCase() ?? ""}${e.message.slice(1)}.`);
    }
    return { byField, general };
  }

  /** A posted editor form: add or remove a variant row (the form comes back), or save. */
  async function editorPost(c: C, current: ExperimentRecord | null) {
    // Empty condition rows go last, so the validator's n-th condition is the page's n-th row.
    const f = compactConditions(await formFields(c));
    const intent = f.intent ?? "save";
    if (intent === "add_variant") return editor(c, current, addVariantRow(f), NO_ERRORS);
    if (intent === "add_condition") return editor(c, current, addConditionRow(f), NO_ERRORS);
    const remove = /^remove_variant_(\d{1,2})$/.exec(intent);
    if (remove !== null) return editor(c, current, removeVariantRow(f, Number(remove[1])), NO_ERRORS);
    if (intent === "plan" && current !== null) return planned(c, current, f);
    const mode = modeOf(c, current);
    const parsed = ExperimentInput.safeParse(inputFromForm(f, current === null ? {} : editableOf(current), mode));
    if (!parsed.success) {
      const issues = parsed.error.issues.map(zodIssue);
      // The schema checks the shares' sum only once every field parses; the form says it at once.
      const total = shareTotal(f);
      if (total !== null && total !== 100 && !issues.some((i) => i.path === "variants"))
        issues.push({ path: "variants", message: "traffic shares must sum to exactly 100", code: "custom" });
      return editor(c, current, f, fieldErrors(issues, f), 422);
    }
    const confirmReset = f.confirm_reset === "reset";
    const r =
      current === null
        ? await service.create(c.env, c.get("access"), parsed.data)
        : await service.replace(c.env, c.get("access"), current.id, parsed.data, confirmReset);
    if (!r.ok) {
      if (r.status === 503 || r.status === 404) return refusal(c, r);
      return editor(
        c,
        current,
        f,
        refusedSave(r, f),
        r.status === 409 || r.status === 422 || r.status === 403 || r.status === 400 ? r.status : 422,
      );
    }
    const id = r.value.value.id;
    const reset = current !== null && current.lifecycle_state !== "draft" && variantsChanged(current.variants, parsed.data.variants);
    return done(c, current === null ? "created" : reset ? "saved_reset" : "saved", `${base}/experiments/${id}`);
  }

  app.get("/experiments/new", async (c) =>
    can(c, "experiments.create") ? editor(c, null, newExperimentForm(), NO_ERRORS) : forbidden(c, "create experiments"),
  );
  app.post("/experiments/new", async (c) => (can(c, "experiments.create") ? editorPost(c, null) : forbidden(c, "create experiments")));

  app.get("/experiments/:id/edit", async (c) => {
    const e = await service.editable(c.env, c.get("access"), c.req.param("id"));
    if (!e.ok) return refusal(c, e);
    return editor(c, e.value.record, formFromRecord(e.value.record), NO_ERRORS);
  });

  app.post("/experiments/:id/edit", async (c) => {
    const e = await service.editable(c.env, c.get("access"), c.req.param("id"));
    if (!e.ok) return refusal(c, e);
    return editorPost(c, e.value.record);
  });

  // ---- the dashboard ---------------------------------------------------------------------------------

  async function qaLinksFor(c: C, r: ExperimentRecord): Promise<DashboardModel["qaLinks"]> {
    const links = await service.qaLinks(c.env, r, c.req.url);
    return links.ok ? links.value.links : null;
  }

  async function dashboard(
    c: C,
    id: number,
    extra: { draft?: DecisionDraft; draftErrors?: FieldErrors; error?: string; status?: ApiError["status"] | 200 } = {},
  ) {
    const got = await service.dashboardAndRecord(c.env, id);
    if (!got.ok && got.code === "run_data_unavailable")
      return runDataUnavailable(c, id, got.message, extra.status ?? 200, extra.error ?? null);
    if (!got.ok) return refusal(c, got);
    const { record, dashboard: d } = got.value;
    const state = d.lifecycle_state;
    const allowed: Allowed = {
      actions: BAR_ACTIONS.filter((a) => transition(state, a, null).ok && can(c, ACTION_CAPABILITY[a])),
      canEdit: (state === "draft" || state === "live" || state === "paused") && can(c, editCapability(state)),
      canConclude: can(c, "experiments.conclude"),
      canOverride: can(c, "experiments.override"),
      canDelete: state === "archived" && can(c, "experiments.delete"),
      canRollout: state === "done" && d.shipped_variant_slug !== null && can(c, "experiments.conclude"),
    };
    const log = can(c, "activity.view") ? await service.activity(c.env, id, 50) : null;
    const model: DashboardModel = {
      record,
      d,
      log: log?.ok ? log.value : [],
      allowed,
      qaLinks: await qaLinksFor(c, record),
      draft: extra.draft ?? null,
      draftErrors: extra.draftErrors ?? null,
      error: extra.error ?? null,
    };
    return c.html(dashboardPage(ctxOf(c), model), extra.status ?? 200);
  }

  /**
   * The dashboard of an experiment whose run-data cannot be read: the record, the error in words, and the
   * lifecycle actions (an operator may still pause it), never a 500.
   */
  async function runDataUnavailable(c: C, id: number, error: string, status: ApiError["status"] | 200, refused: string | null) {
    const r = await service.record(c.env, id);
    if (!r.ok) return refusal(c, r);
    const state = r.value.lifecycle_state;
    const actions = BAR_ACTIONS.filter((a) => transition(state, a, null).ok && can(c, ACTION_CAPABILITY[a]));
    const canEdit = (state === "draft" || state === "live" || state === "paused") && can(c, editCapability(state));
    const log = can(c, "activity.view") ? await service.activity(c.env, id, 50) : null;
    return c.html(runDataUnavailablePage(ctxOf(c), r.value, error, actions, canEdit, log?.ok ? log.value : [], refused), status);
  }

  app.get("/experiments/:id", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c, "see dashboards");
    const id = parseId(c.req.param("id"));
    return id === null ? notFoundPage(c) : dashboard(c, id);
  });

  const draftOf = (f: Fields): DecisionDraft => ({
    shipped_variant_slug: f.shipped_variant_slug ?? "",
    reason: f.reason ?? "",
    key_learning: f.key_learning ?? "",
    decision: f.decision ?? "",
    follow_up: f.follow_up ?? "",
    rollout_percent: f.rollout_percent ?? "100",
  });

  // Back from a confirmation step: the dashboard with the decision as it was typed.
  app.post("/experiments/:id/decision", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c, "see dashboards");
    const id = parseId(c.req.param("id"));
    return id === null ? notFoundPage(c) : dashboard(c, id, { draft: draftOf(await formFields(c)) });
  });

  // ---- confirmation steps ------------------------------------------------------------------------------

  async function confirmDecision(c: C, id: number, action: "conclude" | "override", f: Fields) {
    const got = await service.dashboardAndRecord(c.env, id);
    if (!got.ok) return refusal(c, got);
    const { record: r, dashboard: d } = got.value;
    const shipped = r.variants.find((v) => v.slug === f.shipped_variant_slug);
    const errors = new Map<string, string[]>();
    if (shipped === undefined) errors.set("shipped_variant_slug", ["Choose the variant to ship."]);
    if (action === "override" && (f.reason ?? "").trim() === "")
      errors.set("reason", ["Give the reason for concluding before the minimum sample is reached: it is kept with the result."]);
    const percent = Number((f.rollout_percent ?? "100").trim() || "100");
    if (!(Number.isFinite(percent) && percent >= 0 && percent <= 100 && Math.round(percent * 100) === percent * 100))
      errors.set("rollout_percent", ["The rollout is a percentage from 0 to 100, with at most two decimals."]);
    if (errors.size > 0 || shipped === undefined)
      return dashboard(c, id, { draft: draftOf(f), draftErrors: { byField: errors, general: [] }, status: 422 });
    const s = support(d, shipped.slug);
    const short = d.variants.filter((v) => v.sample < d.gate.min_sample_threshold);
    const record = [f.key_learning, f.decision, f.follow_up].some((x) => (x ?? "").trim() !== "");
    const confirmation: Confirmation = {
      title: action === "override" ? `Conclude “${r.name}” early?` : `Conclude “${r.name}”?`,
      experiment: { id, name: r.name },
      consequences: [
        percent === 100
          ? `Every visitor to <code>${esc(r.target_page)}</code> gets <strong>${esc(shipped.slug)}: ${esc(shipped.label)}</strong>.`
          : `${percent}% of the visitors to <code>${esc(r.target_page)}</code> get <strong>${esc(shipped.slug)}: ${esc(shipped.label)}</strong>, the others the control; you can raise the share later.`,
        "Assignment stops: cookies are no longer read and nothing more is counted. The run data is frozen as it stands.",
        ...(action === "override"
          ? [`The gate is overridden; your reason is kept on the record and in the activity log: “${esc((f.reason ?? "").trim())}”.`]
          : []),
        ...(record ? ["The decision record is kept with the result in the archive."] : []),
        "This cannot be undone: a concluded experiment cannot be started again.",
      ],
      warnings: [
        ...(action === "override"
          ? [
              `<strong>Statistically unsupported.</strong> The minimum sample of ${num(d.gate.min_sample_threshold)} per variant is not reached: ${short
                .map((v) => `${esc(v.slug)} has ${num(v.sample)}`)
                .join(", ")}.`,
            ]
          : []),
        ...(s.supported ? [] : [`<strong>The statistics do not support shipping ${esc(shipped.slug)}.</strong> ${esc(s.words)}`]),
      ],
      action,
      values: draftOf(f) as Record<string, string>,
      confirmLabel: action === "override" ? `Override the gate and ship ${shipped.slug}` : `Conclude and ship ${shipped.slug}`,
      backWithValues: true,
    };
    return c.html(confirmPage(ctxOf(c), confirmation));
  }

  async function confirmDelete(c: C, id: number) {
    const got = await service.dashboardAndRecord(c.env, id);
    if (!got.ok) return refusal(c, got);
    const { record: r, dashboard: d } = got.value;
    if (r.lifecycle_state !== "archived")
      return c.html(
        errorPage(
          ctxOf(c),
          409,
          "Only an archived experiment can be deleted: archive it first, so that it leaves the list but keeps its result.",
          {
            href: `${base}/experiments/${id}`,
            label: "Back to the experiment",
          },
        ),
        409,
      );
    const visitors = d.variants.reduce((n, v) => n + v.sample, 0);
    return c.html(
      confirmPage(ctxOf(c), {
        title: `Delete “${r.name}” permanently?`,
        experiment: { id, name: r.name },
        consequences: [
          "The experiment and its configuration are removed from the catalog and the result archive.",
          `Its run data is removed with it (${num(visitors)} visitor${visitors === 1 ? "" : "s"} counted); its results can no longer be exported.`,
          "The activity log keeps its entries.",
          "This cannot be undone.",
        ],
        warnings: [],
        action: "delete",
        values: {},
        confirmLabel: "Delete permanently",
        backWithValues: false,
      }),
    );
  }

  app.get("/experiments/:id/delete", async (c) => {
    if (!can(c, "experiments.delete")) return forbidden(c, "delete experiments");
    const id = parseId(c.req.param("id"));
    return id === null ? notFoundPage(c) : confirmDelete(c, id);
  });

  // A variant as a visitor in it would see it, for the signed-in operator only: fetched from the origin
  // directly (not through the edge, so nothing is assigned or counted) with its overrides applied.
  app.get("/experiments/:id/preview/:variant", async (c) => {
    if (!can(c, "dashboard.view")) return forbidden(c, "preview variants");
    if (o.origin === undefined || parseId(c.req.param("id")) === null) return notFoundPage(c, "Previews are not available here.");
    const r = await service.record(c.env, c.req.param("id"));
    if (!r.ok && r.status === 503) return notFoundPage(c, "Previews are not available here.");
    const variant = r.ok ? r.value.variants.find((v) => v.slug === c.req.param("variant")) : undefined;
    if (!r.ok || variant === undefined) return notFoundPage(c, "There is no such variant.");
    const page = withPath(c.req.url, variant.page ?? r.value.target_page).replace(/\?.*$/, "");
    const upstream = await o.origin(new Request(page, { headers: { accept: "text/html" } }), c.env, executionContextOf(c));
    // What the edge would serve: guarded the same way unless an Administrator allowed script overrides.
    const guarded = !r.value.allow_script_overrides;
    const overrides = guarded ? variant.overrides?.filter((v) => unsafeOverride(v) === null) : variant.overrides;
    const shown = overrides === undefined ? upstream : applyOverrides(upstream, overrides, guarded).response;
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
    if (id === null) return notFoundPage(c);
    if (!can(c, "experiments.conclude")) return forbidden(c, "change a rollout");
    const f = await formFields(c);
    const percent = Number(f.percent);
    if (percent === 0 && f.confirmed !== "yes") {
      const got = await service.record(c.env, id);
      if (!got.ok) return refusal(c, got);
      return c.html(
        confirmPage(ctxOf(c), {
          title: `Roll “${got.value.name}” back to the control?`,
          experiment: { id, name: got.value.name },
          consequences: [
            `Every visitor to <code>${esc(got.value.target_page)}</code> gets the control again.`,
            `${esc(got.value.shipped_variant_slug ?? "The shipped variant")} stays recorded as the shipped variant; you can roll it out again later.`,
          ],
          warnings: [],
          action: "rollout",
          values: { percent: "0" },
          confirmLabel: "Roll back to the control",
          backWithValues: false,
        }),
      );
    }
    const r = await service.setRollout(c.env, c.get("access"), id, percent);
    if (!r.ok) return r.status === 503 || r.status === 404 ? refusal(c, r) : dashboard(c, id, { error: r.message, status: r.status });
    return done(c, percent === 0 ? "rollback" : "rollout", `${base}/experiments/${id}`);
  });

  const results = async (c: C, format: "csv" | "json") => {
    if (!can(c, "dashboard.view")) return forbidden(c, "export results");
    const file = await service.results(c.env, c.req.param("id"), format);
    if (!file.ok) return refusal(c, file);
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
    if (id === null || !(ACTIONS as readonly string[]).includes(action)) return notFoundPage(c, "There is no such page.");
    const act = action as Action;
    if (!can(c, ACTION_CAPABILITY[act])) return forbidden(c, `${act} experiments`);
    const f = await formFields(c);
    if (CONFIRMED_ACTIONS.includes(act) && f.confirmed !== "yes") {
      return act === "delete" ? confirmDelete(c, id) : confirmDecision(c, id, act as "conclude" | "override", f);
    }
    const hasDecision = [f.key_learning, f.decision, f.follow_up].some((v) => (v ?? "").trim() !== "");
    const percent = Number((f.rollout_percent ?? "100").trim() || "100");
    const body = {
      shipped_variant_slug: f.shipped_variant_slug,
      reason: f.reason,
      ...(hasDecision
        ? {
            decision_record: DecisionRecord.parse({
              key_learning: (f.key_learning ?? "").slice(0, 2000),
              decision: (f.decision ?? "").slice(0, 2000),
              follow_up: (f.follow_up ?? "").slice(0, 2000),
            }),
          }
        : {}),
      ...(Number.isFinite(percent) && percent >= 0 && percent <= 100 ? { rollout_percent: Math.round(percent * 100) / 100 } : {}),
    };
    const r = await service.act(c.env, c.get("access"), id, act, body);
    if (!r.ok) {
      if (r.status === 503 || r.status === 404 || r.status === 403) return refusal(c, r, id);
      const words =
        r.code === "gate_pending"
          ? "The minimum sample is not reached yet, so the experiment cannot be concluded normally: conclude early with a reason instead."
          : `${r.message[0]?.toUpperCase() ?? ""}${r.message.slice(1)}${r.issues?.length ? `: ${r.issues.map((i) => i.message).join("; ")}` : ""}.`;
      // A failed conclusion keeps what was chosen and typed.
      return dashboard(c, id, {
        error: words,
        status: r.status,
        ...(act === "conclude" || act === "override" ? { draft: draftOf(f) } : {}),
      });
    }
    if (act === "delete") return done(c, "delete", `${base}/experiments/`);
    return done(c, act, safeNext(f.back, base) ?? `${base}/experiments/${id}`);
  });

  app.notFound((c) => {
    const ctx = c.get("access") === undefined ? anonymous(c) : ctxOf(c as C);
    return c.html(errorPage(ctx, 404, "There is no such page here."), 404);
  });
  app.onError((err, c) => {
    console.error("sgen-ab pages: unexpected error", err);
    const ctx = c.get("access") === undefined ? anonymous(c) : ctxOf(c as C);
    return c.html(errorPage(ctx, 500, "Something went wrong on our side; nothing was changed by this request's failure. Try again."), 500);
  });

  // Its own Variables are internal to it: a site sees the app by its Bindings alone.
  return app as unknown as Hono<{ Bindings: Env }>;
}
