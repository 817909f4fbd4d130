// Notifications (docs/metrics.md, "Notifications"): what a webhook is, which audit entries it is told
// of, the body it gets (JSON, or a Slack-compatible `{ "text" }`), how that body is signed, and when a
// failed delivery is tried again. Pure apart from WebCrypto's HMAC (present in Workers, Node and
// browsers); the catalog stores the hooks and delivers (src/catalog/notifications.ts).
//
// Signing: `X-Sgen-Timestamp: <unix seconds>` and `X-Sgen-Signature: sha256=<hex>`, the HMAC-SHA256
// with the hook's secret of `<timestamp>.<body>`. A receiver recomputes it over the raw body it got,
// compares in constant time, and refuses a timestamp more than a few minutes old (a replay).
import * as z from "zod";

/** What a hook can be told of. An audit entry may be more than one (an automated conclusion is both). */
export const WEBHOOK_EVENTS = ["state_change", "automated_action", "guardrail_breach"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_FORMATS = ["json", "slack"] as const;

/** Where a hook may point: https anywhere, plain http only to this machine (a local receiver). */
export function webhookUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL";
  }
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) return null;
  return "must be https (plain http only to localhost)";
}

export const WebhookInput = z.strictObject({
  url: z
    .string()
    .max(2048)
    .superRefine((u, ctx) => {
      const problem = webhookUrlProblem(u);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
    }),
  /** What it is told of; all of it by default. */
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1)
    .max(WEBHOOK_EVENTS.length)
    .default([...WEBHOOK_EVENTS]),
  /** `json` (the event as below) or `slack` (`{ "text": "…" }`, for an incoming-webhook URL). */
  format: z.enum(WEBHOOK_FORMATS).default("json"),
  description: z.string().trim().max(200).default(""),
  /** The signing secret; one is made (and shown once) when none is given. */
  secret: z.string().min(16).max(256).optional(),
});
export type WebhookInput = z.infer<typeof WebhookInput>;

/** The audit entry a notification is made from (the catalog's AuditEntry has these fields). */
export interface NotifiedEntry {
  readonly id: number;
  readonly at: string;
  readonly operator: string;
  readonly role: string;
  readonly experiment_id: number | null;
  readonly experiment_slug: string | null;
  readonly action: string;
  readonly transition: { from: string | null; to: string | null } | null;
  readonly changes: object;
  readonly reason: string | null;
  readonly shipped_variant_slug: string | null;
}

/**
 * What an entry is, for the hooks: a state change is a lifecycle transition of an existing experiment
 * (a new draft is not one; a deletion is); nothing for an edit by an operator that changes no state.
 */
export function entryEvents(e: Pick<NotifiedEntry, "operator" | "action" | "transition" | "changes">): WebhookEvent[] {
  const out: WebhookEvent[] = [];
  const t = e.transition;
  if (t !== null && t.from !== null && t.from !== t.to) out.push("state_change");
  if (e.operator === "system") out.push("automated_action");
  // A guardrail breach is the circuit breaker's stop of a variant (reason `guardrail`).
  if (e.action === "stop_variant" && (e.changes as { reason?: unknown }).reason === "guardrail") out.push("guardrail_breach");
  return out;
}

/** The most specific of an entry's events: what its body calls it. */
export function primaryEvent(events: readonly WebhookEvent[]): WebhookEvent | "ping" {
  return events.includes("guardrail_breach")
    ? "guardrail_breach"
    : events.includes("automated_action")
      ? "automated_action"
      : (events[0] ?? "ping");
}

/** The JSON body of a notification. `id` is the event's, the same for every hook told of it. */
export function notificationBody(id: string, e: NotifiedEntry, events: readonly WebhookEvent[]) {
  return {
    id,
    type: primaryEvent(events),
    events,
    at: e.at,
    experiment: e.experiment_id === null ? null : { id: e.experiment_id, slug: e.experiment_slug },
    action: e.action,
    operator: e.operator,
    role: e.role,
    transition: e.transition,
    reason: e.reason,
    shipped_variant_slug: e.shipped_variant_slug,
    changes: e.changes,
    audit_id: e.id,
  };
}

/** The one line a Slack channel reads. */
export function slackText(e: NotifiedEntry, events: readonly WebhookEvent[]): string {
  const exp = e.experiment_slug === null ? "sgen-ab" : `sgen-ab · ${e.experiment_slug}`;
  const by = e.operator === "system" ? "automatically" : `by ${e.operator}`;
  const move =
    e.transition !== null && e.transition.from !== e.transition.to ? ` (${e.transition.from ?? "new"} → ${e.transition.to})` : "";
  const detail = typeof (e.changes as { detail?: unknown }).detail === "string" ? `: ${(e.changes as { detail: string }).detail}` : "";
  const lead = primaryEvent(events) === "guardrail_breach" ? ":rotating_light: guardrail breached" : e.action.replaceAll("_", " ");
  return `${exp}: ${lead}${move}, ${by}${detail}`;
}

const HEX = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** `sha256=<hex>`: the HMAC-SHA256 with `secret` of `<timestamp>.<body>`. */
export async function webhookSignature(secret: string, timestamp: number, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `sha256=${HEX(await crypto.subtle.sign("HMAC", key, enc.encode(`${timestamp}.${body}`)))}`;
}

/**
 * A receiver's check: the signature is the body's under `secret`, and the timestamp is within
 * `toleranceSeconds` of `now` (seconds). Compares in constant time.
 *
 * @example
 * const ok = await verifyWebhook(secret, req.headers.get("x-sgen-timestamp"), await req.text(), req.headers.get("x-sgen-signature"));
 */
export async function verifyWebhook(
  secret: string,
  timestamp: string | null,
  body: string,
  signature: string | null,
  toleranceSeconds = 300,
  now = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  if (timestamp === null || signature === null || !/^\d{1,12}$/.test(timestamp)) return false;
  const t = Number(timestamp);
  if (Math.abs(now - t) > toleranceSeconds) return false;
  const expected = await webhookSignature(secret, t, body);
  if (expected.length !== signature.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return diff === 0;
}

/** Waits before each retry of a failed delivery: 10 s, 1 min, 5 min, 30 min, 2 h, 6 h; then it has failed. */
export const WEBHOOK_BACKOFF_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000] as const;
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_BACKOFF_MS.length + 1;

/** When to try again after attempt `attempt` (1-based) failed, or null when it was the last. */
export function nextAttemptAt(attempt: number, now: number): number | null {
  const wait = WEBHOOK_BACKOFF_MS[attempt - 1];
  return wait === undefined ? null : now + wait;
}

/** A fresh signing secret: 32 random bytes in hex, behind a prefix that says what it is. */
export function newWebhookSecret(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return `whsec_${HEX(bytes.buffer)}`;
}
