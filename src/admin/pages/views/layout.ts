// The frame of every page: a skip link, the header with the navigation the operator's role allows,
// the flash message of the last write, and the main content. Error pages (403, 404, 500) and the
// sign-in page use the same frame, so there is always a way back.
import type { Capability } from "../../../core/permissions.ts";
import { type Clock, esc } from "../html.ts";

export interface PageContext {
  base: string;
  operator: { name: string; role: string } | null;
  csrf: string;
  /** What the operator's role may do (nothing when signed out). */
  can: (capability: Capability) => boolean;
  /** The success message of the write that led here, from the fixed table (flash.ts). */
  flash: string | null;
  clock: Clock;
}

export const csrfField = (ctx: PageContext): string => `<input type="hidden" name="csrf" value="${esc(ctx.csrf)}">`;

export function layout(ctx: PageContext, title: string, body: string): string {
  const nav =
    ctx.operator === null
      ? ""
      : `<nav aria-label="Main"><a href="${ctx.base}/experiments/">Experiments</a><a href="${ctx.base}/experiments/archive">Result archive</a><a href="${ctx.base}/holdouts/">Holdouts</a>${
          ctx.can("experiments.create") ? `<a href="${ctx.base}/experiments/new">New experiment</a>` : ""
        }</nav>
<form method="post" action="${ctx.base}/logout" class="signout">${csrfField(ctx)}<span class="who">${esc(ctx.operator.name)} · ${esc(ctx.operator.role)}</span><button class="quiet">Sign out</button></form>
<form method="post" action="${ctx.base}/logout-everywhere" class="signout">${csrfField(ctx)}<button class="quiet" title="End this operator's sessions in every browser">Sign out everywhere</button></form>`;
  const flash = ctx.flash === null ? "" : `<div class="flash" role="status">✓ ${esc(ctx.flash)}</div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · sgen-ab</title><link rel="stylesheet" href="${ctx.base}/assets/admin.css"></head>
<body><a class="skip" href="#main">Skip to content</a><header><a class="brand" href="${ctx.base}/experiments/">sgen-ab</a>${nav}</header><main id="main">${flash}${body}</main></body></html>`;
}

/**
 * The sign-in page. `loginToken` is the form's pre-session token (login CSRF: its nonce is in this
 * browser's login cookie); null for no token form at all (the admin signs in through Cloudflare Access).
 */
export function loginPage(ctx: PageContext, error: string | null, next: string | null, loginToken: string | null = ""): string {
  if (loginToken === null) return layout(ctx, "Sign in", `<h1>Sign in</h1><p class="error" role="alert">${esc(error ?? "")}</p>`);
  return layout(
    ctx,
    "Sign in",
    `<h1>Sign in</h1>${error === null ? "" : `<p class="error" role="alert">${esc(error)}</p>`}
<form method="post" action="${ctx.base}/login" class="card narrow"><input type="hidden" name="login_csrf" value="${esc(loginToken)}">${next === null ? "" : `<input type="hidden" name="next" value="${esc(next)}">`}
<label for="token">Operator token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
<p class="hint">The token your administrator gave you. It is exchanged for a session of 8 hours.</p>
<button>Sign in</button></form>`,
  );
}

const ERROR_TITLES: Record<number, string> = {
  401: "Sign in again",
  403: "Not allowed",
  404: "Not found",
  409: "Not possible now",
  413: "Too large",
  500: "Something went wrong",
  503: "Unavailable",
};

/** An error page in the app's frame: what happened in plain words, and the ways back. */
export function errorPage(ctx: PageContext, status: number, message: string, back: { href: string; label: string } | null = null): string {
  const title = ERROR_TITLES[status] ?? "Error";
  const links = [
    ...(back === null ? [] : [back]),
    ...(ctx.operator === null
      ? [{ href: `${ctx.base}/login`, label: "Sign in" }]
      : [
          { href: `${ctx.base}/experiments/`, label: "All experiments" },
          { href: `${ctx.base}/experiments/archive`, label: "Result archive" },
        ]),
  ];
  return layout(
    ctx,
    title,
    `<section class="card narrow error-page"><p class="status">Error ${status}</p><h1>${esc(title)}</h1><p>${esc(message)}</p>
<ul class="ways-back">${links.map((l) => `<li><a href="${esc(l.href)}">${esc(l.label)}</a></li>`).join("")}</ul></section>`,
  );
}
