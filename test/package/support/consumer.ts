// Consumer projects built from the packed tarball, as a user's project gets sgen-ab: `npm pack`, then
// the tarball unpacked into the project's node_modules/sgen-ab, exactly the files npm would install.
//
// Why not `npm install <tgz>`: offline it would still copy wrangler, workerd and vitest (hundreds of MB)
// into every copy, a minute or more each on this machine, to test nothing of ours. Instead the project's
// other packages are symlinked from this repository's node_modules, and only those the project (or
// sgen-ab's own package.json) declares: the copy lives outside the repository, so Node's resolution
// cannot walk up into our node_modules, and a dependency the package forgot to declare fails to
// resolve here as it would for a user.
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..", "..");

/** A child's environment without the Vitest run this test is part of (a nested Vitest would take it as its own). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const key of Object.keys(env)) if (key.startsWith("VITEST") || key === "NODE_ENV" || key === "TEST") delete env[key];
  return { ...env, ...extra };
}

export interface Ran {
  status: number | null;
  stdout: string;
  /** Standard output and standard error together. */
  output: string;
  ms: number;
}

/** Runs a command; throws with its whole output when it fails, so the test report shows why. */
export function run(command: string, args: readonly string[], cwd: string, options: { allowFailure?: boolean; input?: string } = {}): Ran {
  const started = Date.now();
  const r: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd,
    env: cleanEnv(),
    encoding: "utf8",
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const ran = { status: r.status, stdout: r.stdout ?? "", output, ms: Date.now() - started };
  if (!options.allowFailure && r.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${r.status}${r.error ? ` (${r.error.message})` : ""}:\n${output}`);
  }
  return ran;
}

/** `node <bin>` with the Node running the tests (22, which wrangler and workerd need). */
export function node(script: string, args: readonly string[], cwd: string, options: { allowFailure?: boolean; input?: string } = {}): Ran {
  return run(process.execPath, [script, ...args], cwd, options);
}

/** Where the packed tarball is (what the package project's global setup provides to each test file). */
export interface PackedInfo {
  /** A folder holding the tarball and, in unpacked/, its contents. */
  dir: string;
  tarball: string;
  /** The package.json inside the tarball. */
  manifest: { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
}

export interface Packed extends PackedInfo {
  cleanup(): void;
}

/** `npm pack` of the repository (its prepack builds dist/ fresh) into a temporary folder. */
export function pack(): Packed {
  const dir = mkdtempSync(join(tmpdir(), "sgen-ab-pack-"));
  const json = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir], ROOT).stdout);
  const tarball = join(dir, json[0].filename);
  const unpacked = join(dir, "unpacked");
  mkdirSync(unpacked);
  run("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"], dir);
  const manifest = JSON.parse(readFileSync(join(unpacked, "package.json"), "utf8"));
  return { dir, tarball, manifest, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function link(nodeModules: string, name: string): void {
  const target = join(nodeModules, name);
  if (existsSync(target)) return;
  const source = join(ROOT, "node_modules", name);
  if (!existsSync(source))
    throw new Error(`${name} is declared but this repository's node_modules lacks it: add it to the devDependencies`);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(source, target, "dir");
}

/**
 * Installs the tarball into `project` (a folder with a package.json): sgen-ab unpacked into
 * node_modules/sgen-ab, its dependencies and peers and the project's declared packages linked.
 */
export function installPacked(project: string, packed: PackedInfo): void {
  const nodeModules = join(project, "node_modules");
  rmSync(nodeModules, { recursive: true, force: true });
  const into = join(nodeModules, "sgen-ab");
  mkdirSync(into, { recursive: true });
  run("tar", ["-xzf", packed.tarball, "-C", into, "--strip-components=1"], project);
  const own = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
  const names = new Set([
    ...Object.keys(own.dependencies ?? {}),
    ...Object.keys(own.devDependencies ?? {}),
    ...Object.keys(packed.manifest.dependencies ?? {}),
    // npm installs a package's peers when the project does not name them.
    ...Object.keys(packed.manifest.peerDependencies ?? {}),
  ]);
  names.delete("sgen-ab");
  for (const name of names) link(nodeModules, name);
  // The package's bin, linked as npm links it.
  const bins = JSON.parse(readFileSync(join(into, "package.json"), "utf8")).bin as Record<string, string>;
  mkdirSync(join(nodeModules, ".bin"), { recursive: true });
  for (const [name, path] of Object.entries(bins)) symlinkSync(join("..", "sgen-ab", path), join(nodeModules, ".bin", name));
}

/** A copy of an example project (without what a run of it leaves behind) in a fresh temporary folder. */
export function copyExample(name: string): { dir: string; cleanup(): void } {
  const parent = mkdtempSync(join(tmpdir(), `sgen-ab-${name}-`));
  const dir = join(parent, name);
  cpSync(join(ROOT, "examples", name), dir, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|\.wrangler|dist)([/\\]|$)/.test(src.slice(join(ROOT, "examples", name).length)),
  });
  return { dir, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}

/** Wrangler's own account of a dry run: "Total Upload: 123.45 KiB / gzip: 30.12 KiB". */
export function uploadSize(output: string): { kib: number; gzipKib: number } {
  const m = /Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(output);
  if (m === null) throw new Error(`no upload size in wrangler's output:\n${output}`);
  return { kib: Number(m[1]), gzipKib: Number(m[2]) };
}

export const bin = {
  tsc: (project: string) => join(project, "node_modules", "typescript", "bin", "tsc"),
  wrangler: (project: string) => join(project, "node_modules", "wrangler", "bin", "wrangler.js"),
  vitest: (project: string) => join(project, "node_modules", "vitest", "vitest.mjs"),
};
