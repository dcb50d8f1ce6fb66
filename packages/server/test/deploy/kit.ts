import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { optionsFromEnv, resolveOptions, type GatewayOptions } from "@tickwire/server";

/** Reading and checking the deployment kit in deploy/ (docs/deployment.md). */

export const ROOT = resolve(import.meta.dirname, "../../../..");
export const path = (rel: string): string => resolve(ROOT, rel);
export const read = (rel: string): string => readFileSync(path(rel), "utf8");
export const exists = (rel: string): boolean => existsSync(path(rel));

export const COMPOSE_FILE = "deploy/compose/compose.yaml";
export const COMPOSE_ENV_EXAMPLE = "deploy/compose/.env.example";
export const NGINX_CONF = "deploy/compose/nginx/tickwire.conf";
export const KUSTOMIZATION = "deploy/kubernetes/kustomization.yaml";
export const SECRET_EXAMPLE = "deploy/kubernetes/secret.example.yaml";
export const SYSTEMD_UNIT = "deploy/systemd/tickwire.service";
export const SYSTEMD_ENV = "deploy/systemd/tickwire.env.example";
export const DOCKERFILE = "deploy/Dockerfile";
export const HEALTHCHECK_SCRIPT = "deploy/docker/healthcheck.mjs";

// ---------------------------------------------------------------- tools

/** True when `cmd args` runs and exits 0. */
export function runs(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: "ignore", timeout: 20_000 }).status === 0;
}

/**
 * Whether a tool a check needs is here. Without it the check is skipped with a printed
 * reason, except under CI=true, where a missing tool is a failure (.ci/run installs them).
 */
export function toolAvailable(tool: string, available: boolean, check: string): boolean {
  if (available) return true;
  if (process.env.CI) throw new Error(`${tool} is missing, and CI=true does not allow skipping ${check}.`);
  process.stdout.write(`\n[skip] ${tool} is not installed: ${check} is skipped (it runs where ${tool} is, and CI=true requires it).\n`);
  return false;
}

// ---------------------------------------------------------------- environment names and values

/** Variables the gateway's process reads that are not TICKWIRE_* options. */
const NODE_VARIABLES = new Set(["NODE_ENV", "NODE_OPTIONS"]);

/**
 * The names among `names` that the gateway does not read: a TICKWIRE_* name must be mapped
 * by the server's own optionsFromEnv and listed in docs/configuration.md.
 */
export function unknownEnvNames(names: Iterable<string>): string[] {
  const docs = read("docs/configuration.md");
  const unknown: string[] = [];
  for (const name of names) {
    if (NODE_VARIABLES.has(name)) continue;
    const mapped = name.startsWith("TICKWIRE_") && Object.keys(optionsFromEnv({ [name]: "1" })).length > 0;
    const documented = docs.includes(`| \`${name}\` |`);
    if (!mapped || !documented) unknown.push(`${name}${mapped ? " (not in docs/configuration.md)" : ""}`);
  }
  return unknown;
}

/** The options a gateway started with `env` would run with; throws the server's ConfigError otherwise. */
export function optionsOf(env: Record<string, string | number | boolean | null | undefined>): GatewayOptions {
  const strings = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? undefined : String(v)]));
  return resolveOptions(optionsFromEnv(strings)).options;
}

/** KEY=value lines (comments and blanks skipped), as in an env file. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`not KEY=value: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

// ---------------------------------------------------------------- units

/** Seconds of a duration such as `20s`, `1m30s`, `500ms` or `90` (seconds). */
export function seconds(value: string | number): number {
  if (typeof value === "number") return value;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6 };
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)(ms|us|h|m|s)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) throw new Error(`not a duration: ${value}`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** A Kubernetes quantity: CPU in cores (`500m` = 0.5), memory in bytes (`384Mi`). */
export function quantity(value: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(String(value));
  if (!m) throw new Error(`not a quantity: ${value}`);
  const factor: Record<string, number> = { m: 0.001, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] === undefined ? 1 : factor[m[2]]!);
}

export const MiB = 2 ** 20;
export const KiB = 2 ** 10;

// ---------------------------------------------------------------- docs/benchmarks.md

/** The figures of docs/benchmarks.md the Kubernetes resources are sized from. */
export function benchmarkFigures(): { cpuMsPer1000Deliveries: number; cpuPercentAt20kDeliveries: number; idleRssMiB: number; perConnectionKiB: number } {
  const text = read("docs/benchmarks.md");
  const cells = (prefix: string): string[] => {
    const row = text.split("\n").find((line) => line.startsWith(prefix));
    if (!row) throw new Error(`docs/benchmarks.md has no row starting "${prefix}": re-size deploy/kubernetes/deployment.yaml from the new figures and update this test`);
    return row.split("|").map((c) => c.trim()).filter((c) => c !== "");
  };
  // The watchlist's slowest rate: one update per client per turn, so every delivery is its own write (the costliest case).
  const fanout = cells("| 2/s (40 000) | Tickwire |");
  const memory = cells("| Tickwire | 10 000 |");
  const number = (cell: string | undefined): number => {
    const n = Number(/\d[\d ]*(?:\.\d+)?/.exec(String(cell))?.[0].replace(/ /g, ""));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a figure: ${cell}`);
    return n;
  };
  const offered = 40_000;
  return {
    cpuMsPer1000Deliveries: number(fanout[4]),
    cpuPercentAt20kDeliveries: (number(fanout[6]) * 20_000) / offered,
    idleRssMiB: number(memory[4]),
    perConnectionKiB: number(memory[6]),
  };
}

// ---------------------------------------------------------------- Dockerfile

export interface Instruction {
  readonly cmd: string;
  readonly args: string;
}
export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Instructions by stage (line continuations joined, comments dropped, global ARGs substituted in FROM). */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && current === "")) continue;
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== "") logical.push(current.trim());
    current = "";
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.search(/\s/);
    const cmd = line.slice(0, space).toUpperCase();
    const rest = line.slice(space + 1).trim();
    if (cmd === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!m) throw new Error(`FROM not understood: ${line}`);
      const image = m[1]!.replace(/\$\{(\w+)\}/g, (_all, name: string) => args[name] ?? "");
      stages.push({ image, name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      if (cmd !== "ARG") throw new Error(`only ARG may come before FROM: ${line}`);
      const [name, value] = rest.split("=");
      args[name!] = value ?? "";
    } else {
      stages[stages.length - 1]!.instructions.push({ cmd, args: rest });
    }
  }
  return { args, stages };
}

/** `A=b C=d` of ENV instructions. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.cmd === "ENV")) {
    for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  return env;
}

/** Arguments of an exec-form instruction (`["a", "b"]`). */
export function execForm(args: string): string[] {
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw new Error(`not exec form: ${args}`);
  return value;
}

/** Source and destination of COPY instructions, with --from when given. */
export function copiesOf(stage: Stage): { from: string | undefined; sources: string[]; dest: string }[] {
  return stage.instructions
    .filter((i) => i.cmd === "COPY")
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith("--"));
      const paths = words.filter((w) => !w.startsWith("--"));
      const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
      return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1]! };
    });
}

/** The HEALTHCHECK's command (exec form). */
export function healthcheckOf(stage: Stage): string[] {
  const hc = stage.instructions.find((i) => i.cmd === "HEALTHCHECK");
  if (!hc) throw new Error("no HEALTHCHECK");
  const at = hc.args.indexOf("CMD ");
  return execForm(hc.args.slice(at + 4).trim());
}

/**
 * Whether `.dockerignore` keeps `file` out of the build context, with Docker's rules: each
 * line a pattern (`*`, `?`, `**`) matching the path or a folder above it, `!` re-includes,
 * the last matching line wins.
 */
export function dockerIgnored(dockerignore: string, file: string): boolean {
  const rules = dockerignore
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => ({ negate: l.startsWith("!"), pattern: (l.startsWith("!") ? l.slice(1) : l).replace(/^\/+|\/+$/g, "") }));
  const toRegExp = (pattern: string): RegExp => {
    let re = "";
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === "*" && pattern[i + 1] === "*") {
        re += pattern[i + 2] === "/" ? "(?:.*/)?" : ".*";
        i += pattern[i + 2] === "/" ? 2 : 1;
      } else if (c === "*") re += "[^/]*";
      else if (c === "?") re += "[^/]";
      else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
    return new RegExp(`^${re}$`);
  };
  const parts = file.replace(/^\/+|\/+$/g, "").split("/");
  const prefixes = parts.map((_p, i) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const rule of rules) {
    const re = toRegExp(rule.pattern);
    if (prefixes.some((p) => re.test(p))) ignored = !rule.negate;
  }
  return ignored;
}

// ---------------------------------------------------------------- YAML

/** Every document of a YAML file, failing on any parse error or warning. */
export function yamlDocuments(rel: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(read(rel));
  if (!Array.isArray(docs)) throw new Error(`${rel}: not a YAML stream`);
  const out: Record<string, unknown>[] = [];
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new Error(`${rel}: ${problems.map((p) => p.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value as Record<string, unknown>);
  }
  return out;
}

/** One YAML document; `<<` merge keys (compose files use them) are merged. */
export const parseYaml = (text: string): unknown => parse(text, { merge: true });

// ---------------------------------------------------------------- nginx

export interface NginxNode {
  readonly name: string;
  readonly args: string[];
  readonly children: NginxNode[] | undefined;
}

/** nginx configuration as a tree of directives and blocks (quotes and comments handled). */
export function parseNginx(text: string): NginxNode[] {
  const tokens: string[] = [];
  const re = /#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)/g;
  for (const m of text.matchAll(re)) {
    if (m[0].startsWith("#")) continue;
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  }
  let i = 0;
  const block = (top: boolean): NginxNode[] => {
    const nodes: NginxNode[] = [];
    let words: string[] = [];
    while (i < tokens.length) {
      const t = tokens[i++]!;
      if (t === ";") {
        nodes.push({ name: words[0]!, args: words.slice(1), children: undefined });
        words = [];
      } else if (t === "{") {
        const children = block(false);
        nodes.push({ name: words[0]!, args: words.slice(1), children });
        words = [];
      } else if (t === "}") {
        if (top) throw new Error("unbalanced }");
        return nodes;
      } else words.push(t);
    }
    if (!top || words.length > 0) throw new Error("unterminated block or directive");
    return nodes;
  };
  return block(true);
}

/** Direct children named `name` (optionally with these first arguments). */
export function nginxFind(nodes: readonly NginxNode[] | undefined, name: string, ...args: string[]): NginxNode[] {
  return (nodes ?? []).filter((n) => n.name === name && args.every((a, k) => n.args[k] === a));
}

/** `proxy_set_header` values of a location, by lower-cased header name. */
export function proxyHeaders(location: NginxNode): Record<string, string> {
  return Object.fromEntries(nginxFind(location.children, "proxy_set_header").map((d) => [d.args[0]!.toLowerCase(), d.args[1] ?? ""]));
}
