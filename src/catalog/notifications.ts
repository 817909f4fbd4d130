// Webhooks, kept and delivered by the catalog (docs/metrics.md, "Notifications"). Hooks are records an
// Administrator manages through the API, so they change without a redeploy. Every audit entry that is a
// state change, an automated action or a guardrail breach becomes one delivery per hook that asked for
// it, written in the same transaction as the entry; the catalog's alarm sends what is due, outside the
// object's write lock, and retries a failure with backoff (core/webhooks.ts). Every attempt is logged.
import {
  entryEvents,
  type NotifiedEntry,
  newWebhookSecret,
  nextAttemptAt,
  notificationBody,
  primaryEvent,
  slackText,
  type WebhookEvent,
  type WebhookInput,
  webhookSignature,
} from "../core/webhooks.ts";

/** A hook as the API shows it: never its secret. */
export interface Webhook {
  id: number;
  url: string;
  events: WebhookEvent[];
  format: "json" | "slack";
  description: string;
  created_at: string;
  created_by: string;
}

export interface WebhookDelivery {
  id: number;
  webhook_id: number;
  event_id: string;
  type: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  next_at: string | null;
  created_at: string;
  delivered_at: string | null;
  last_status: number | null;
  last_error: string | null;
  /** Every attempt, oldest first. */
  log: WebhookAttempt[];
}

export interface WebhookAttempt {
  at: string;
  attempt: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

export const NOTIFICATION_TABLES = `
  CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL, secret TEXT NOT NULL, events TEXT NOT NULL, format TEXT NOT NULL,
    description TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id INTEGER NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER, created_at TEXT NOT NULL, delivered_at TEXT,
    last_status INTEGER, last_error TEXT
  );
  CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (state, next_at);
  CREATE TABLE IF NOT EXISTS webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL, at TEXT NOT NULL, attempt INTEGER NOT NULL,
    status INTEGER, error TEXT, duration_ms INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS webhook_attempts_of ON webhook_attempts (delivery_id, id);
`;

interface HookRow extends Record<string, SqlStorageValue> {
  id: number;
  url: string;
  secret: string;
  events: string;
  format: string;
  description: string;
  created_at: string;
  created_by: string;
}

interface DeliveryRow extends Record<string, SqlStorageValue> {
  id: number;
  webhook_id: number;
  event_id: string;
  type: string;
  body: string;
  state: string;
  attempts: number;
  next_at: number | null;
  created_at: string;
  delivered_at: string | null;
  last_status: number | null;
  last_error: string | null;
}

/** How long a claimed delivery is held before another alarm may take it again (a crashed attempt). */
const LEASE_MS = 60_000;
const ATTEMPT_TIMEOUT_MS = 10_000;
/** Deliveries sent by one alarm at most; the rest wait for the next. */
const PER_ALARM = 20;
/** Delivered and failed deliveries are kept this long, for the log. */
const KEEP_MS = 30 * 86_400_000;

function hookOf(r: HookRow): Webhook {
  let events: WebhookEvent[] = [];
  try {
    events = JSON.parse(r.events) as WebhookEvent[];
  } catch {}
  return {
    id: r.id,
    url: r.url,
    events,
    format: r.format === "slack" ? "slack" : "json",
    description: r.description,
    created_at: r.created_at,
    created_by: r.created_by,
  };
}

export type Fetcher = (request: Request) => Promise<Response>;

export class Notifications {
  private readonly sql: SqlStorage;
  private readonly fetcher: () => Fetcher;

  /** `fetcher` is asked at each delivery (the global fetch by default; tests bring a receiver). */
  constructor(sql: SqlStorage, fetcher: () => Fetcher = () => (r) => fetch(r)) {
    this.sql = sql;
    this.fetcher = fetcher;
    sql.exec(NOTIFICATION_TABLES);
  }

  // ---- hooks --------------------------------------------------------------------------------------

  create(input: WebhookInput, by: string): { webhook: Webhook; secret: string } {
    const secret = input.secret ?? newWebhookSecret();
    const row = this.sql
      .exec<HookRow>(
        "INSERT INTO webhooks (url, secret, events, format, description, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        input.url,
        secret,
        JSON.stringify(input.events),
        input.format,
        input.description,
        new Date().toISOString(),
        by,
      )
      .one();
    return { webhook: hookOf(row), secret };
  }

  list(): Webhook[] {
    return this.sql.exec<HookRow>("SELECT * FROM webhooks ORDER BY id").toArray().map(hookOf);
  }

  get(id: number): Webhook | null {
    const row = this.sql.exec<HookRow>("SELECT * FROM webhooks WHERE id = ?", id).toArray()[0];
    return row === undefined ? null : hookOf(row);
  }

  /** Removes a hook; its pending deliveries are dropped, its log kept until it ages out. */
  remove(id: number): boolean {
    const gone = this.sql.exec("DELETE FROM webhooks WHERE id = ? RETURNING id", id).toArray().length > 0;
    if (gone)
      this.sql.exec(
        "UPDATE webhook_deliveries SET state = 'failed', next_at = NULL, last_error = 'hook deleted' WHERE webhook_id = ? AND state = 'pending'",
        id,
      );
    return gone;
  }

  // ---- what to send -------------------------------------------------------------------------------

  /** An audit entry was written: a delivery for each hook that asked for one of its events. True when any. */
  entryWritten(entry: NotifiedEntry): boolean {
    const events = entryEvents(entry);
    if (events.length === 0) return false;
    let queued = false;
    const id = crypto.randomUUID();
    for (const hook of this.list()) {
      if (!hook.events.some((e) => events.includes(e))) continue;
      this.enqueue(hook, id, primaryEvent(events), this.bodyFor(hook, id, entry, events));
      queued = true;
    }
    return queued;
  }

  /** A test notification for one hook ("ping"). */
  ping(hookId: number, by: string): boolean {
    const hook = this.get(hookId);
    if (hook === null) return false;
    const id = crypto.randomUUID();
    const entry: NotifiedEntry = {
      id: 0,
      at: new Date().toISOString(),
      operator: by,
      role: "",
      experiment_id: null,
      experiment_slug: null,
      action: "ping",
      transition: null,
      changes: { detail: "a test notification from sgen-ab" },
      reason: null,
      shipped_variant_slug: null,
    };
    const body =
      hook.format === "slack"
        ? JSON.stringify({ text: "sgen-ab: a test notification; this hook works." })
        : JSON.stringify({ ...notificationBody(id, entry, []), type: "ping" });
    this.enqueue(hook, id, "ping", body);
    return true;
  }

  private bodyFor(hook: Webhook, id: string, entry: NotifiedEntry, events: readonly WebhookEvent[]): string {
    return hook.format === "slack"
      ? JSON.stringify({ text: slackText(entry, events) })
      : JSON.stringify(notificationBody(id, entry, events));
  }

  private enqueue(hook: Webhook, eventId: string, type: string, body: string): void {
    this.sql.exec(
      "INSERT INTO webhook_deliveries (webhook_id, event_id, type, body, state, attempts, next_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
      hook.id,
      eventId,
      type,
      body,
      Date.now(),
      new Date().toISOString(),
    );
  }

  // ---- delivering ---------------------------------------------------------------------------------

  /** When the next pending delivery is due (ms), or +Infinity. */
  nextDue(): number {
    const row = this.sql.exec<{ next: number | null }>("SELECT MIN(next_at) AS next FROM webhook_deliveries WHERE state = 'pending'").one();
    return row.next ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Sends the deliveries due at `now`. Each is claimed first (its next attempt moved a lease ahead), so
   * an alarm that dies mid-send does not send it twice at once; the sends run without the object's
   * write lock, since a receiver may take seconds. Returns how many were attempted.
   */
  async deliverDue(now: number): Promise<number> {
    this.sql.exec("DELETE FROM webhook_deliveries WHERE state != 'pending' AND created_at < ?", new Date(now - KEEP_MS).toISOString());
    this.sql.exec("DELETE FROM webhook_attempts WHERE delivery_id NOT IN (SELECT id FROM webhook_deliveries)");
    const due = this.sql
      .exec<DeliveryRow>(
        "SELECT * FROM webhook_deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?",
        now,
        PER_ALARM,
      )
      .toArray();
    for (const d of due) this.sql.exec("UPDATE webhook_deliveries SET next_at = ? WHERE id = ?", now + LEASE_MS, d.id);
    await Promise.all(due.map((d) => this.attempt(d)));
    return due.length;
  }

  private async attempt(d: DeliveryRow): Promise<void> {
    const hook = this.sql.exec<HookRow>("SELECT * FROM webhooks WHERE id = ?", d.webhook_id).toArray()[0];
    const attempt = d.attempts + 1;
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    if (hook === undefined) error = "hook deleted";
    else {
      try {
        const timestamp = Math.floor(started / 1000);
        const res = await this.fetcher()(
          new Request(hook.url, {
            method: "POST",
            body: d.body,
            redirect: "manual",
            signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
            headers: {
              "content-type": "application/json",
              "user-agent": "sgen-ab-webhooks",
              "x-sgen-event": d.type,
              "x-sgen-delivery": String(d.id),
              "x-sgen-timestamp": String(timestamp),
              "x-sgen-signature": await webhookSignature(hook.secret, timestamp, d.body),
            },
          }),
        );
        status = res.status;
        await res.body?.cancel();
        if (status < 200 || status >= 300) error = `answered ${status}`;
      } catch (err) {
        error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : String(err).slice(0, 500);
      }
    }
    const at = new Date();
    this.sql.exec(
      "INSERT INTO webhook_attempts (delivery_id, at, attempt, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)",
      d.id,
      at.toISOString(),
      attempt,
      status,
      error,
      Math.max(0, at.getTime() - started),
    );
    if (error === null) {
      this.sql.exec(
        "UPDATE webhook_deliveries SET state = 'delivered', attempts = ?, next_at = NULL, delivered_at = ?, last_status = ?, last_error = NULL WHERE id = ?",
        attempt,
        at.toISOString(),
        status,
        d.id,
      );
      return;
    }
    const next = hook === undefined ? null : nextAttemptAt(attempt, at.getTime());
    this.sql.exec(
      "UPDATE webhook_deliveries SET state = ?, attempts = ?, next_at = ?, last_status = ?, last_error = ? WHERE id = ?",
      next === null ? "failed" : "pending",
      attempt,
      next,
      status,
      error,
      d.id,
    );
    if (next === null)
      console.warn(`sgen-ab catalog: webhook delivery ${d.id} to hook ${d.webhook_id} failed after ${attempt} attempts: ${error}`);
  }

  // ---- the log ------------------------------------------------------------------------------------

  /** The newest deliveries, of one hook or all, each with its attempts. */
  deliveries(hookId: number | null, limit: number): WebhookDelivery[] {
    const rows =
      hookId === null
        ? this.sql.exec<DeliveryRow>("SELECT * FROM webhook_deliveries ORDER BY id DESC LIMIT ?", limit)
        : this.sql.exec<DeliveryRow>("SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?", hookId, limit);
    return rows.toArray().map((d) => ({
      id: d.id,
      webhook_id: d.webhook_id,
      event_id: d.event_id,
      type: d.type,
      state: d.state === "delivered" ? "delivered" : d.state === "failed" ? "failed" : "pending",
      attempts: d.attempts,
      next_at: d.next_at === null ? null : new Date(d.next_at).toISOString(),
      created_at: d.created_at,
      delivered_at: d.delivered_at,
      last_status: d.last_status,
      last_error: d.last_error,
      log: this.sql
        .exec<WebhookAttempt & Record<string, SqlStorageValue>>(
          "SELECT at, attempt, status, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY id",
          d.id,
        )
        .toArray()
        .map((a) => ({ at: a.at, attempt: a.attempt, status: a.status, error: a.error, duration_ms: a.duration_ms })),
    }));
  }
}
