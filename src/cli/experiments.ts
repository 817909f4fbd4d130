// `sgen-ab experiments …` (and, through `runAdminCommand`, `sgen-ab holdouts …`, holdouts.ts): config
// as code. Each command is one call to a deployed admin API (docs/admin-api.md): the answer's JSON on
// standard output, the API's error JSON on standard error, and an exit code a CI job can branch on. The token comes from SGEN_TOKEN only, never from a flag, so it stays out
// of shell history and process listings.

/** Exit codes: distinct, so a CI step can tell a typo in its own script from a refusal by the API. */
export const EXIT = { ok: 0, api: 1, usage: 2, unreachable: 3 } as const;

export const EXPERIMENTS_USAGE = `usage: sgen-ab experiments <command> [--url <admin API>]

  list [--q <text>] [--state <state>] [--sort <field>] [--order asc|desc] [--page <n>] [--per-page <n>]
  get <id>
  create -f <file.json>                      (-f - reads standard input)
  update <id> -f <file.json> [--confirm-reset]
  start <id> | pause <id> | resume <id>
  conclude <id> --ship <variant> [--reason <text>]   (with --reason: before the gate, as an override)

  --url   the admin API's base, e.g. https://www.example.com/sg-admin/api (default: $SGEN_URL)
  token   $SGEN_TOKEN (an operator token; never a flag)

  Output: the API's JSON on stdout. Exit 1 when the API refused (its error JSON on stderr), 2 for a
  usage error (this text on stderr), 3 when the API could not be reached or did not answer JSON.`;

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  fetch: typeof fetch;
  readFile: (path: string) => Promise<string>;
  readStdin: () => Promise<string>;
  out: (text: string) => void;
  err: (text: string) => void;
}

export class UsageError extends Error {}

export interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(["url", "f", "file", "ship", "reason", "q", "state", "sort", "order", "page", "per-page"]);
const BOOLEAN_FLAGS = new Set(["confirm-reset"]);

function parseArgs(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (m === null || arg === "-") {
      positional.push(arg);
      continue;
    }
    const name = m[1] as string;
    if (BOOLEAN_FLAGS.has(name)) {
      if (m[2] !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else if (VALUE_FLAGS.has(name)) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      flags.set(name === "file" ? "f" : name, value);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { positional, flags };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

export function idOf(raw: string | undefined, of = "an experiment"): string {
  if (raw === undefined || !/^[1-9][0-9]{0,14}$/.test(raw))
    throw new UsageError(`${of} id (a positive integer) is required, not ${raw ?? "nothing"}`);
  return raw;
}

export function onlyFlags(p: Parsed, allowed: readonly string[]): void {
  for (const name of p.flags.keys()) {
    if (name !== "url" && !allowed.includes(name)) throw new UsageError(`--${name} does not apply here`);
  }
}

export interface Call {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
}

export async function readBody(p: Parsed, io: CliIo): Promise<unknown> {
  const file = str(p, "f");
  if (file === undefined) throw new UsageError("-f <file.json> is required");
  let text: string;
  try {
    text = file === "-" ? await io.readStdin() : await io.readFile(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

/** Refuses positional arguments past the first `n`. */
export function atMost(p: Parsed, n: number): void {
  if (p.positional.length > n) throw new UsageError(`unexpected argument ${p.positional[n]}`);
}

async function callFor(command: string, p: Parsed, io: CliIo): Promise<Call> {
  const args = p.positional;
  const extra = (n: number) => atMost(p, n);
  switch (command) {
    case "list": {
      const names = ["q", "state", "sort", "order", "page", "per-page"];
      onlyFlags(p, names);
      extra(0);
      const query = new URLSearchParams();
      for (const name of names) {
        const v = str(p, name);
        if (v !== undefined) query.set(name.replace("-", "_"), v);
      }
      const qs = query.toString();
      return { method: "GET", path: `/experiments${qs === "" ? "" : `?${qs}`}` };
    }
    case "get":
      onlyFlags(p, []);
      extra(1);
      return { method: "GET", path: `/experiments/${idOf(args[0])}` };
    case "create":
      onlyFlags(p, ["f"]);
      extra(0);
      return { method: "POST", path: "/experiments", body: await readBody(p, io) };
    case "update": {
      onlyFlags(p, ["f", "confirm-reset"]);
      extra(1);
      const id = idOf(args[0]);
      const confirm = p.flags.get("confirm-reset") === true ? "?confirm=reset" : "";
      return { method: "PUT", path: `/experiments/${id}${confirm}`, body: await readBody(p, io) };
    }
    case "start":
    case "pause":
    case "resume":
      onlyFlags(p, []);
      extra(1);
      return { method: "POST", path: `/experiments/${idOf(args[0])}/${command}` };
    case "conclude": {
      onlyFlags(p, ["ship", "reason"]);
      extra(1);
      const id = idOf(args[0]);
      const ship = str(p, "ship");
      if (ship === undefined) throw new UsageError("--ship <variant slug> is required");
      const reason = str(p, "reason");
      // Before the gate is reached a conclusion is an override, and the API keeps the reason with it.
      return reason === undefined
        ? { method: "POST", path: `/experiments/${id}/conclude`, body: { shipped_variant_slug: ship } }
        : { method: "POST", path: `/experiments/${id}/override`, body: { shipped_variant_slug: ship, reason } };
    }
    default:
      throw new UsageError(command === "" ? "a command is required" : `unknown command ${command}`);
  }
}

const errorJson = (code: string, message: string) => JSON.stringify({ error: { code, message, issues: [] } }, null, 2);

/** A command of the CLI that talks to the admin API: its name, its usage text, and its calls. */
export interface AdminCommand {
  readonly name: string;
  readonly usage: string;
  callFor(command: string, p: Parsed, io: CliIo): Promise<Call>;
}

const EXPERIMENTS: AdminCommand = { name: "experiments", usage: EXPERIMENTS_USAGE, callFor };

export function runExperiments(argv: readonly string[], io: CliIo): Promise<number> {
  return runAdminCommand(EXPERIMENTS, argv, io);
}

/** Parses `argv` for `spec`, makes its one call to the admin API, and writes the answer. */
export async function runAdminCommand(spec: AdminCommand, argv: readonly string[], io: CliIo): Promise<number> {
  let call: Call;
  let base: string;
  let token: string;
  try {
    const [command = "", ...rest] = argv;
    if (command === "--help" || command === "-h" || command === "help") {
      io.out(spec.usage);
      return EXIT.ok;
    }
    const p = parseArgs(rest);
    call = await spec.callFor(command, p, io);
    const url = str(p, "url") ?? io.env.SGEN_URL;
    if (url === undefined || url === "")
      throw new UsageError("the admin API's URL is required: --url https://site/sg-admin/api or SGEN_URL");
    if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http(s) URL, not ${url}`);
    base = url.replace(/\/+$/, "");
    token = io.env.SGEN_TOKEN ?? "";
    if (token === "") throw new UsageError("SGEN_TOKEN must hold an operator token (it is never taken from a flag)");
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`sgen-ab ${spec.name}: ${err.message}\n\n${spec.usage}`);
    return EXIT.usage;
  }

  let res: Response;
  try {
    res = await io.fetch(`${base}${call.path}`, {
      method: call.method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(call.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      redirect: "manual",
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    io.err(errorJson("unreachable", `${call.method} ${base}${call.path}: ${(err as Error).message}${cause ? ` (${cause})` : ""}`));
    return EXIT.unreachable;
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    io.err(
      errorJson("not_json", `${call.method} ${base}${call.path} answered ${res.status} without JSON (is --url the admin API's base?)`),
    );
    return EXIT.unreachable;
  }
  const pretty = JSON.stringify(json, null, 2);
  if (!res.ok) {
    io.err(pretty);
    return EXIT.api;
  }
  io.out(pretty);
  return EXIT.ok;
}
