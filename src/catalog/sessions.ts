// The operators' page sessions, kept in the catalog so that ending one is real: sign-out, "sign out
// everywhere", a removed token and an idle timeout delete the row, and a copied cookie then names
// nothing. The cookie holds a random id; only its SHA-256 is stored here, so a copy of this table signs
// nobody in. Times are the caller's clock (milliseconds), so that tests can move it.

export interface StoredSession {
  readonly operator: string;
  readonly role: string;
  /** Hex SHA-256 of the token the operator signed in with (checked against the token list on every use). */
  readonly tokenDigest: string;
  readonly createdAt: number;
  readonly lastSeen: number;
  readonly expiresAt: number;
}

interface SessionRow extends Record<string, SqlStorageValue> {
  operator: string;
  role: string;
  token_digest: string;
  created_at: number;
  last_seen: number;
  expires_at: number;
}

export class SessionStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** Stores a new session under `key` (the hex SHA-256 of its id); forgets sessions past their lifetime. */
  open(key: string, operator: string, role: string, tokenDigest: string, now: number, lifetimeMs: number): void {
    this.sql.exec("DELETE FROM sessions WHERE expires_at <= ?", now);
    this.sql.exec(
      "INSERT OR REPLACE INTO sessions (key, operator, role, token_digest, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      key,
      operator,
      role,
      tokenDigest,
      now,
      now,
      now + lifetimeMs,
    );
  }

  /**
   * The session under `key`, if it is still alive at `now`: not past its lifetime and used within the
   * last `idleMs`. Using it moves its idle deadline; a dead one is deleted.
   */
  touch(key: string, now: number, idleMs: number): StoredSession | null {
    const row = this.sql.exec<SessionRow>("SELECT * FROM sessions WHERE key = ?", key).toArray()[0];
    if (row === undefined) return null;
    if (now >= row.expires_at || now - row.last_seen >= idleMs) {
      this.close(key);
      return null;
    }
    this.sql.exec("UPDATE sessions SET last_seen = ? WHERE key = ?", now, key);
    return {
      operator: row.operator,
      role: row.role,
      tokenDigest: row.token_digest,
      createdAt: row.created_at,
      lastSeen: now,
      expiresAt: row.expires_at,
    };
  }

  /** Ends one session; true when it existed. */
  close(key: string): boolean {
    return this.sql.exec("DELETE FROM sessions WHERE key = ? RETURNING 1", key).toArray().length > 0;
  }

  /** Ends every session of `operator`; the number ended. */
  closeAllOf(operator: string): number {
    return this.sql.exec("DELETE FROM sessions WHERE operator = ? RETURNING 1", operator).toArray().length;
  }

  /** Ends every session signed in with the token of this digest (the token was removed). */
  closeAllOfToken(tokenDigest: string): number {
    return this.sql.exec("DELETE FROM sessions WHERE token_digest = ? RETURNING 1", tokenDigest).toArray().length;
  }
}
