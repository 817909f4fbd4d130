// Settings that come from environment variables (Worker vars): strings or nothing, read into numbers
// with a default. A value that does not parse never stops the service: it is reported once, by name and
// value, and the default applies, so a typo in wrangler.toml shows up in the log instead of silently
// meaning "never" or "zero".
import * as z from "zod";

/**
 * A numeric setting: unset or blank gives `fallback`; anything else must pass `check`. The fallback
 * itself must pass `check` (it is what applies when the value does not).
 */
export function numberSetting(fallback: number, check: z.ZodNumber) {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw.trim() === "" ? fallback : Number(raw)))
    .pipe(check);
}

type Shape = Record<string, ReturnType<typeof numberSetting>>;

/** Each field of `schema` from `env`, the default where a value is bad; `log` hears of every bad value. */
export function readSettings<S extends Shape>(
  schema: z.ZodObject<S>,
  env: Readonly<Record<string, unknown>>,
  log: (message: string) => void,
): { [K in keyof S]: number } {
  const out: Record<string, number> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    const raw = env[name];
    const parsed = field.safeParse(typeof raw === "string" ? raw : undefined);
    if (parsed.success) {
      out[name] = parsed.data;
      continue;
    }
    const fallback = field.parse(undefined);
    const why = parsed.error.issues.map((i) => i.message).join("; ");
    log(`sgen-ab: ${name}=${JSON.stringify(raw)} is not a valid setting (${why}); using the default ${fallback}`);
    out[name] = fallback;
  }
  return out as { [K in keyof S]: number };
}

/**
 * `readSettings`, remembered per distinct set of values: settings are read on every request, but a bad
 * value is worth one log line per isolate, not one per request.
 */
export function settingsReader<S extends Shape>(schema: z.ZodObject<S>, log = (message: string) => console.warn(message)) {
  let seen: { key: string; value: { [K in keyof S]: number } } | undefined;
  const names = Object.keys(schema.shape);
  return (env: Readonly<Record<string, unknown>>): { [K in keyof S]: number } => {
    const key = JSON.stringify(names.map((n) => env[n] ?? null));
    if (seen?.key !== key) seen = { key, value: readSettings(schema, env, log) };
    return seen.value;
  };
}
