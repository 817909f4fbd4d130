// Failure counters in fixed windows, kept in the one catalog object so that every isolate counts into
// the same place: no isolate can be used to get around a limit. The admin's sign-in limit
// (admin/signin-limit.ts) decides what the counts mean; this only keeps them.

/** The failures counted for a key in its current window. */
export interface FailureWindow {
  readonly windowStart: number;
  readonly failures: number;
}

export class FailureCounters {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** The window last opened for `key`, however old; null when none was. */
  window(key: string): FailureWindow | null {
    const row = this.sql
      .exec<{ window_start: number; failures: number }>("SELECT window_start, failures FROM failed_signins WHERE key = ?", key)
      .toArray()[0];
    return row === undefined ? null : { windowStart: row.window_start, failures: row.failures };
  }

  /** Counts one failure for `key`, in a new window from `now` when its last one is `windowMs` old; forgets windows past. */
  note(key: string, windowMs: number, now: number): void {
    const open = this.window(key);
    if (open === null || now - open.windowStart >= windowMs) {
      this.sql.exec("INSERT OR REPLACE INTO failed_signins (key, window_start, failures) VALUES (?, ?, 1)", key, now);
    } else {
      this.sql.exec("UPDATE failed_signins SET failures = failures + 1 WHERE key = ?", key);
    }
    this.sql.exec("DELETE FROM failed_signins WHERE window_start < ?", now - windowMs);
  }
}
