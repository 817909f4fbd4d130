// `sgen-ab experiments …` as a CI job runs it: the compiled command against `npm start`, with the token
// in SGEN_TOKEN, JSON on stdout, the API's error JSON on stderr, and exit codes that tell usage errors,
// refusals and an unreachable API apart.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoServer, freePort, startDemo } from "./support/demo-server.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "sgen-ab.mjs");

let demo: DemoServer;
let dir: string;

beforeAll(async () => {
  demo = await startDemo();
  dir = mkdtempSync(join(tmpdir(), "sgen-ab-cli-"));
});
afterAll(async () => {
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  // biome-ignore lint/suspicious/noExplicitAny: the answers are inspected field by field
  out: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  err: any;
  stderr: string;
}

/** Runs the command with Node (the one running the tests unless `node` says otherwise), asynchronously so the demo keeps serving. */
function sgen(
  args: string[],
  opts: { token?: string; url?: string | null; input?: string; node?: string; command?: "experiments" | "holdouts" } = {},
): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, SGEN_TOKEN: opts.token ?? "demo-admin", SGEN_URL: undefined };
  if (opts.token === "") delete env.SGEN_TOKEN;
  const url = opts.url === undefined ? ["--url", `${demo.base}/sg-admin/api`] : opts.url === null ? [] : ["--url", opts.url];
  return new Promise((resolve) => {
    const child = spawn(opts.node ?? process.execPath, [BIN, opts.command ?? "experiments", ...args, ...url], { env, cwd: dir });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdin.end(opts.input ?? "");
    child.on("close", (status) => {
      const parse = (s: string) => {
        try {
          return JSON.parse(s);
        } catch {
          return null;
        }
      };
      resolve({ status, out: parse(stdout), err: parse(stderr), stderr });
    });
  });
}

function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

const config = (slug: string, shares: [number, number] = [50, 50]) => ({
  slug,
  name: `CLI ${slug}`,
  target_page: `/${slug}`,
  variants: [
    { slug: "a", label: "Control", traffic_share: shares[0] },
    { slug: "b", label: "New", page: `/${slug}-b`, traffic_share: shares[1] },
  ],
  conversion_event: { type: "page_view", path: "/thanks" },
  min_sample_threshold: 100,
  max_runtime_days: null,
  notes: "",
  post_test: { on_winner: "assign_winner", on_inconclusive: "keep_running" },
  secondary_goals: [],
});

describe("npx sgen-ab experiments", () => {
  it("runs a lifecycle from files: create, get, update, start, pause, resume, conclude with a reason", async () => {
    const created = await sgen(["create", "-f", file("exp.json", config("cli-one"))]);
    expect(created.status).toBe(0);
    expect(created.out).toMatchObject({ slug: "cli-one", lifecycle_state: "draft" });
    const id = String(created.out.id);

    const got = await sgen(["get", id], { token: "demo-viewer" });
    expect(got.status).toBe(0);
    expect(got.out.name).toBe("CLI cli-one");

    const renamed = await sgen(["update", id, "--file", file("renamed.json", { ...config("cli-one"), name: "Renamed" })]);
    expect(renamed.status).toBe(0);
    expect(renamed.out.name).toBe("Renamed");

    for (const [command, state] of [
      ["start", "live"],
      ["pause", "paused"],
      ["resume", "live"],
    ] as const) {
      const r = await sgen([command, id], { token: "demo-editor" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.out.lifecycle_state).toBe(state);
    }

    // A live change of shares needs the explicit reset, as in the API.
    const reshare = file("reshare.json", config("cli-one", [30, 70]));
    const refused = await sgen(["update", id, "-f", reshare]);
    expect(refused.status).toBe(1);
    expect(refused.out).toBeNull();
    expect(refused.err.error.code).toBe("confirm_reset_required");
    const reset = await sgen(["update", id, "-f", reshare, "--confirm-reset"]);
    expect(reset.status).toBe(0);
    expect(reset.out.variants[1].traffic_share).toBe(70);

    const early = await sgen(["conclude", id, "--ship", "b"]);
    expect(early.status).toBe(1);
    expect(early.err.error.code).toBe("gate_pending");
    const overridden = await sgen(["conclude", id, "--ship", "b", "--reason", "launch date moved"]);
    expect(overridden.status).toBe(0);
    expect(overridden.out).toMatchObject({
      lifecycle_state: "done",
      shipped_variant_slug: "b",
      significance_override_reason: "launch date moved",
    });

    const listed = await sgen(["list", "--q", "cli-one", "--state", "done"], { token: "demo-viewer" });
    expect(listed.status).toBe(0);
    expect(listed.out.rows.map((r: { id: number }) => String(r.id))).toEqual([id]);
  });

  it("reads a file from standard input with -f -", async () => {
    const r = await sgen(["create", "-f", "-"], { input: JSON.stringify(config("cli-stdin")) });
    expect(r.status).toBe(0);
    expect(r.out.slug).toBe("cli-stdin");
  });

  it("passes the API's refusals through: exit 1, its error JSON on stderr, nothing on stdout", async () => {
    const forbidden = await sgen(["create", "-f", file("viewer.json", config("cli-viewer"))], { token: "demo-viewer" });
    expect(forbidden.status).toBe(1);
    expect(forbidden.err.error.code).toBe("forbidden");
    const invalid = await sgen(["create", "-f", file("bad.json", { ...config("cli-bad"), slug: "Not A Slug" })]);
    expect(invalid.status).toBe(1);
    expect(invalid.err.error.code).toBe("validation_failed");
    expect(invalid.err.error.issues.map((i: { path: string }) => i.path)).toContain("slug");
    const missing = await sgen(["get", "999999"]);
    expect(missing.status).toBe(1);
    expect(missing.err.error.code).toBe("not_found");
    const wrongToken = await sgen(["list"], { token: "not-a-token" });
    expect(wrongToken.status).toBe(1);
    expect(wrongToken.err.error.code).toBe("unauthorized");
  });

  it("exits 2 on usage errors before calling anyone, and never takes the token from a flag", async () => {
    for (const [args, message, opts] of [
      [["get", "x"], /experiment id/, {}],
      [["frobnicate"], /unknown command frobnicate/, {}],
      [["create"], /-f <file.json> is required/, {}],
      [["create", "-f", join(dir, "absent.json")], /cannot read/, {}],
      [["create", "-f", file("broken.json", "{not json")], /is not JSON/, {}],
      [["conclude", "1"], /--ship/, {}],
      [["list", "--token", "demo-admin"], /unknown option --token/, {}],
      [["list"], /SGEN_TOKEN/, { token: "" }],
      [["list"], /URL is required/, { url: null }],
    ] as const) {
      const r = await sgen([...args], opts);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/usage: sgen-ab experiments/);
    }
  });

  it("exits 3 when the API cannot be reached or does not answer JSON", async () => {
    const closed = await sgen(["list"], { url: `http://127.0.0.1:${await freePort()}/sg-admin/api` });
    expect(closed.status).toBe(3);
    expect(closed.err.error.code).toBe("unreachable");
    const site = await sgen(["list"], { url: demo.base }); // the site, not its admin API
    expect(site.status).toBe(3);
    expect(site.err.error.code).toBe("not_json");
  });

  it("takes SGEN_URL, and runs on the machine's Node (20) as well as the tools' (22)", async () => {
    const which = spawnSync("bash", ["-c", "type -ap node"], { encoding: "utf8", env: { PATH: process.env.PATH } });
    const nodes = [
      ...new Set(
        which.stdout
          .split("\n")
          .filter((p) => p !== "" && !p.includes("node_modules"))
          .map((p) => realpathSync(p)),
      ),
    ];
    for (const node of [process.execPath, ...nodes]) {
      const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
      const r = await new Promise<Run>((resolve) => {
        const child = spawn(node, [BIN, "experiments", "list", "--per-page", "1"], {
          env: { ...process.env, SGEN_TOKEN: "demo-viewer", SGEN_URL: `${demo.base}/sg-admin/api/` },
          cwd: dir,
        });
        let out = "";
        let stderr = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("close", (status) => resolve({ status, out: out === "" ? null : JSON.parse(out), err: null, stderr }));
      });
      expect(r.status, `${node} ${version}: ${r.stderr}`).toBe(0);
      expect(r.out.rows).toHaveLength(1);
    }
  });
});

describe("npx sgen-ab holdouts", () => {
  const holdouts = (args: string[], opts: Parameters<typeof sgen>[1] = {}) => sgen(args, { ...opts, command: "holdouts" });
  const holdout = (percent: number) => ({ slug: "cli-holdout", name: "CLI holdout", percent, layer: null, goals: [] });

  it("creates, reads, lists, updates, shows and deletes a holdout from files", async () => {
    const created = await holdouts(["create", "-f", file("holdout.json", holdout(5))]);
    expect(created.status, created.stderr).toBe(0);
    expect(created.out).toMatchObject({ slug: "cli-holdout", percent: 5, epoch: 0 });
    const id = String(created.out.id);

    const got = await holdouts(["get", id], { token: "demo-viewer" });
    expect(got.status).toBe(0);
    expect(got.out.name).toBe("CLI holdout");
    const listed = await holdouts(["list"], { token: "demo-viewer" });
    expect(listed.status).toBe(0);
    expect(JSON.stringify(listed.out)).toContain('"cli-holdout"');

    // Changing who is held needs the explicit reset, as in the API.
    const wider = file("wider.json", holdout(10));
    const refused = await holdouts(["update", id, "-f", wider]);
    expect(refused.status).toBe(1);
    expect(refused.err.error.code).toBe("confirm_reset_required");
    const reset = await holdouts(["update", id, "-f", wider, "--confirm-reset"]);
    expect(reset.status, reset.stderr).toBe(0);
    expect(reset.out).toMatchObject({ percent: 10, epoch: 1 });

    const dashboard = await holdouts(["dashboard", id], { token: "demo-viewer" });
    expect(dashboard.status, dashboard.stderr).toBe(0);

    const byViewer = await holdouts(["delete", id], { token: "demo-viewer" });
    expect(byViewer.status).toBe(1);
    expect(byViewer.err.error.code).toBe("forbidden");
    const deleted = await holdouts(["delete", id]);
    expect(deleted.status, deleted.stderr).toBe(0);
    const gone = await holdouts(["get", id]);
    expect(gone.status).toBe(1);
    expect(gone.err.error.code).toBe("not_found");
  });

  it("exits 2 on usage errors, with the holdouts' usage", async () => {
    for (const [args, message] of [
      [["get", "x"], /holdout id/],
      [["start", "1"], /unknown command start/],
      [["delete"], /holdout id/],
      [["list", "extra"], /unexpected argument extra/],
    ] as const) {
      const r = await holdouts([...args]);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/usage: sgen-ab holdouts/);
    }
  });
});
