import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, "../..");

/** The published packages, in dependency order. */
export const PACKAGES = ["@tickwire/protocol", "@tickwire/client", "@tickwire/server"] as const;
export type PackageName = (typeof PACKAGES)[number];

/** What the scratch app installs besides the tarballs: an app on React 18.3 with Node's types. */
const APP_DEPENDENCIES = ["react@18.3.1", "react-test-renderer@18.3.1", "@types/react@18.3", "@types/react-test-renderer@18.3", "@types/node@^20.19.0"];

const requireFromRoot = createRequire(join(ROOT, "package.json"));

/** The repository's TypeScript compiler, run as a project that installed TypeScript would run it. */
export const TSC = requireFromRoot.resolve("typescript/bin/tsc");

/**
 * The environment for a child npm or node: ours without the `npm_*` variables
 * that `npm test` sets, which would point a child npm back at the repository.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && key !== "INIT_CWD") env[key] = value;
  return { ...env, ...extra };
}

/** Runs a command to completion; rejects with its output when it fails or outlives `timeoutMs`. */
export function run(command: string, args: string[], options: { cwd: string; timeoutMs: number; env?: Record<string, string> }): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { cwd: options.cwd, env: cleanEnv(options.env), timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

/** Runs a node program and parses the one JSON line it prints. */
export async function runJson<T>(cwd: string, file: string, env: Record<string, string>, timeoutMs = 30_000): Promise<T> {
  const stdout = await run(process.execPath, [file], { cwd, env, timeoutMs });
  return JSON.parse(stdout.trim().split("\n").pop()!) as T;
}

/** One tarball made by `npm pack`. */
export interface PackedPackage {
  readonly name: PackageName;
  readonly path: string;
  /** Paths inside the package, as npm lists them. */
  readonly files: readonly string[];
}

/** Packs the three packages (each `prepack` builds it first) into `dest`. */
export async function packAll(dest: string): Promise<Map<PackageName, PackedPackage>> {
  mkdirSync(dest, { recursive: true });
  const workspaces = PACKAGES.flatMap((name) => ["-w", name]);
  const stdout = await run("npm", ["pack", ...workspaces, "--pack-destination", dest, "--json"], { cwd: ROOT, timeoutMs: 120_000 });
  const listed = JSON.parse(stdout.slice(stdout.indexOf("["))) as { name: PackageName; filename: string; files: { path: string }[] }[];
  return new Map(listed.map((p) => [p.name, { name: p.name, path: join(dest, p.filename), files: p.files.map((f) => f.path) }]));
}

/**
 * Makes a fresh app in `dir` with the fixture's sources and installs the
 * tarballs together with the app's own dependencies from the registry.
 *
 * Install scripts are skipped: our packages have none (a test checks that), and
 * the one third-party script, better-sqlite3's native build, takes about a minute
 * of CPU from source. Its compiled addon is taken from the repository's install
 * of the same version instead, or rebuilt when the versions differ.
 */
export async function createScratchProject(dir: string, tarballs: readonly string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  cpSync(join(import.meta.dirname, "fixture"), dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "scratch-app", private: true, type: "module" }, null, 2)}\n`);
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", ...tarballs, ...APP_DEPENDENCIES], { cwd: dir, timeoutMs: 180_000 });

  const addon = "build/Release/better_sqlite3.node";
  const version = (base: string) => (JSON.parse(readFileSync(join(base, "node_modules/better-sqlite3/package.json"), "utf8")) as { version: string }).version;
  if (version(dir) === version(ROOT) && existsSync(join(ROOT, "node_modules/better-sqlite3", addon))) {
    mkdirSync(join(dir, "node_modules/better-sqlite3/build/Release"), { recursive: true });
    copyFileSync(join(ROOT, "node_modules/better-sqlite3", addon), join(dir, "node_modules/better-sqlite3", addon));
  } else {
    await run("npm", ["rebuild", "better-sqlite3"], { cwd: dir, timeoutMs: 300_000 });
  }
}

/** A node program of the scratch app that prints one JSON line when ready and serves until stopped. */
export interface Served<T> {
  readonly ready: T;
  stop(): Promise<void>;
}

/** Starts `file` in the scratch app and waits for its first line of output. */
export function serve<T>(cwd: string, file: string, env: Record<string, string>, timeoutMs = 30_000): Promise<Served<T>> {
  const child: ChildProcess = spawn(process.execPath, [file], { cwd, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let errors = "";
  child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", () => done());
      child.kill("SIGTERM");
    });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${file} printed nothing within ${timeoutMs} ms\n${errors}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code}\n${output}\n${errors}`));
    });
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const newline = output.indexOf("\n");
      if (newline === -1) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolvePromise({ ready: JSON.parse(output.slice(0, newline)) as T, stop });
    });
  });
}
