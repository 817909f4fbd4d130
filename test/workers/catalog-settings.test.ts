// The catalog's settings (catalog/settings.ts) and the sign-in limit's (admin/signin-limit.ts): one
// schema each, a default for an unset or blank value, and for a bad one the default and a log line that
// names the variable and the value, once per isolate, never a failure.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { SignInSettings } from "../../src/admin/signin-limit.ts";
import type { CatalogEnv, CatalogObject } from "../../src/catalog/catalog-object.ts";
import { catalogStub } from "../../src/catalog/names.ts";
import { CatalogSettings } from "../../src/catalog/settings.ts";
import { readSettings, settingsReader } from "../../src/core/settings.ts";
import { MAX_SHARDS } from "../../src/core/shards.ts";
import { newExperiment } from "./admin-helpers.ts";

const admin = { name: "test-admin", role: "administrator" };

describe("settings from environment variables", () => {
  it("unset and blank give the defaults; good values are read as numbers", () => {
    const logs: string[] = [];
    expect(readSettings(CatalogSettings, {}, (m) => logs.push(m))).toEqual({
      SGEN_AUDIT_RETENTION_DAYS: 400,
      SGEN_RUN_DATA_SHARDS: 4,
      SGEN_SHIPPED_REMINDER_DAYS: 14,
      SGEN_CONFIG_CHECK_MINUTES: 5,
    });
    expect(readSettings(CatalogSettings, { SGEN_AUDIT_RETENTION_DAYS: " ", SGEN_RUN_DATA_SHARDS: "" }, (m) => logs.push(m))).toMatchObject({
      SGEN_AUDIT_RETENTION_DAYS: 400,
      SGEN_RUN_DATA_SHARDS: 4,
    });
    expect(
      readSettings(
        CatalogSettings,
        { SGEN_AUDIT_RETENTION_DAYS: "30", SGEN_RUN_DATA_SHARDS: String(MAX_SHARDS), SGEN_SHIPPED_REMINDER_DAYS: "0" },
        (m) => logs.push(m),
      ),
    ).toEqual({
      SGEN_AUDIT_RETENTION_DAYS: 30,
      SGEN_RUN_DATA_SHARDS: MAX_SHARDS,
      SGEN_SHIPPED_REMINDER_DAYS: 0,
      SGEN_CONFIG_CHECK_MINUTES: 5,
    });
    expect(readSettings(SignInSettings, { SGEN_SIGNIN_MAX_FAILURES: "5" }, (m) => logs.push(m))).toEqual({ SGEN_SIGNIN_MAX_FAILURES: 5 });
    expect(logs).toEqual([]);
  });

  it.each([
    ["SGEN_AUDIT_RETENTION_DAYS", "forever", 400],
    ["SGEN_AUDIT_RETENTION_DAYS", "0", 400],
    ["SGEN_AUDIT_RETENTION_DAYS", "-3", 400],
    ["SGEN_RUN_DATA_SHARDS", "2.5", 4],
    ["SGEN_RUN_DATA_SHARDS", String(MAX_SHARDS + 1), 4],
    ["SGEN_RUN_DATA_SHARDS", "0", 4],
    ["SGEN_SHIPPED_REMINDER_DAYS", "-1", 14],
    ["SGEN_SHIPPED_REMINDER_DAYS", "Infinity", 14],
    ["SGEN_CONFIG_CHECK_MINUTES", "0", 5],
  ])("%s=%s is logged by name and value, and the default %d applies", (name, value, fallback) => {
    const logs: string[] = [];
    const read = readSettings(CatalogSettings, { [name]: value }, (m) => logs.push(m));
    expect(read[name as keyof typeof read]).toBe(fallback);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(`${name}=${JSON.stringify(value)}`);
    expect(logs[0]).toContain(`using the default ${fallback}`);
  });

  it("SGEN_SIGNIN_MAX_FAILURES must be a whole number of at least 1", () => {
    for (const bad of ["0", "1.5", "many"]) {
      const logs: string[] = [];
      expect(readSettings(SignInSettings, { SGEN_SIGNIN_MAX_FAILURES: bad }, (m) => logs.push(m)).SGEN_SIGNIN_MAX_FAILURES).toBe(20);
      expect(logs).toHaveLength(1);
    }
  });

  it("a bad value is logged once per isolate, not on every read", () => {
    const logs: string[] = [];
    const read = settingsReader(CatalogSettings, (m) => logs.push(m));
    for (let i = 0; i < 5; i++) read({ SGEN_RUN_DATA_SHARDS: "lots" });
    expect(logs).toHaveLength(1);
    read({ SGEN_RUN_DATA_SHARDS: "8" });
    read({ SGEN_RUN_DATA_SHARDS: "lots" });
    expect(logs).toHaveLength(2);
  });

  it("the catalog gives a new experiment the default shards when SGEN_RUN_DATA_SHARDS is bad, and says so", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const shards = await runInDurableObject(catalogStub(env.SGEN_CATALOG), async (instance: CatalogObject, state) => {
        const self = instance as unknown as { env: CatalogEnv };
        const real = self.env;
        self.env = { ...real, SGEN_RUN_DATA_SHARDS: "sixty-five" };
        try {
          const r = await instance.create(admin, newExperiment());
          if (!r.ok) throw new Error(r.message);
          return state.storage.sql.exec<{ shards: number }>("SELECT shards FROM experiments WHERE id = ?", r.value.value.id).one().shards;
        } finally {
          self.env = real;
        }
      });
      expect(shards).toBe(4);
      expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringContaining('SGEN_RUN_DATA_SHARDS="sixty-five"'));
    } finally {
      warn.mockRestore();
    }
  });
});
