// The catalog's settings, from the Worker's vars: one schema, each with its default. A bad value is
// logged once and the default applies (core/settings.ts).
import * as z from "zod";
import { numberSetting, settingsReader } from "../core/settings.ts";
import { MAX_SHARDS } from "../core/shards.ts";

export const CatalogSettings = z.object({
  /** Days an audit entry is kept (default 400). */
  SGEN_AUDIT_RETENTION_DAYS: numberSetting(400, z.number().positive("a positive number of days")),
  /** Run-data objects per new experiment (default 4); fixed for an experiment's life. */
  SGEN_RUN_DATA_SHARDS: numberSetting(4, z.number().int("a whole number").min(1, "at least 1").max(MAX_SHARDS, `at most ${MAX_SHARDS}`)),
  /** Days a shipped variant may be served before the list and dashboard remind (default 14). */
  SGEN_SHIPPED_REMINDER_DAYS: numberSetting(14, z.number().min(0, "zero or more days")),
  /** Minutes between the alarm's checks that KV still holds the published config (default 5). */
  SGEN_CONFIG_CHECK_MINUTES: numberSetting(5, z.number().min(1, "at least a minute").max(1440, "at most a day")),
});

export interface CatalogSettings {
  readonly auditRetentionDays: number;
  readonly runDataShards: number;
  readonly shippedReminderDays: number;
  readonly configCheckMinutes: number;
}

const read = settingsReader(CatalogSettings);

export function catalogSettings(env: Readonly<Record<string, unknown>>): CatalogSettings {
  const s = read(env);
  return {
    auditRetentionDays: s.SGEN_AUDIT_RETENTION_DAYS,
    runDataShards: s.SGEN_RUN_DATA_SHARDS,
    shippedReminderDays: s.SGEN_SHIPPED_REMINDER_DAYS,
    configCheckMinutes: s.SGEN_CONFIG_CHECK_MINUTES,
  };
}
