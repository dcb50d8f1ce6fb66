#!/usr/bin/env node
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_NAMESPACES, isTier, TIERS, type NamespaceDefinition } from "@tickwire/protocol";
import { type GatewayOptions } from "./config/options.js";
import { DEFAULT_OPTIONS } from "./config/defaults.js";
import { OPTION_TABLE } from "./config/option-table.js";
import { ConfigError, optionsFromEnv, resolveOptions, unknownEnvVariables } from "./config/resolve-options.js";
import { presenceEventProblems } from "./core/presence-events.js";
import { loadDevCredentials, readDevCredentials } from "./dev-credentials.js";
import type { Gateway } from "./gateway.js";

/** The server package's version (gateway.ts reports the same); read here so that --help and --version load nothing else. */
const VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

const COMMANDS = `Commands:
  start          start the gateway (configured by TICKWIRE_* variables)
  token          print a client token signed with the configured secret
  check-config   print the resolved configuration (secrets masked) and every problem in it
Run \`tickwire COMMAND --help\` for a command's options; \`tickwire --version\` prints the version.`;

const USAGE = `Usage: tickwire COMMAND [OPTIONS]\n${COMMANDS}`;

const HELP: Record<string, string> = {
  start: `Usage: tickwire start
Starts the gateway. It is configured by TICKWIRE_* variables (docs/configuration.md);
without NODE_ENV=production and without a secret it runs in dev mode: a generated secret
and API key are kept in the data folder (TICKWIRE_DATA_DIR, default ./data), the simulator is on.
A TICKWIRE_* variable the gateway does not read is reported at start.
Options:
  --help         print this help`,
  token: `Usage: tickwire token --sub ID [--tier TIER] [--ttl SECONDS] [--roles a,b] [--data-dir DIR]
Prints a client token (HS256) signed with TICKWIRE_JWT_SECRET or, in dev mode, with the
secret the dev-mode server generated in its data folder. The folder is --data-dir, else
TICKWIRE_DATA_DIR, else the nearest ./data with dev credentials in this folder or a parent.
Which secret signed the token is said on stderr.
Options:
  --sub ID         user id (required)
  --tier TIER      one of ${TIERS.join(", ")} (default: the gateway's default tier)
  --ttl SECONDS    lifetime (default 3600)
  --roles a,b      comma-separated roles
  --data-dir DIR   data folder of the dev-mode server
  --help           print this help`,
  "check-config": `Usage: tickwire check-config
Resolves the configuration from the TICKWIRE_* variables as \`tickwire start\` would, prints
every option with its value (secrets masked) and where it came from, then every problem:
invalid values and unknown TICKWIRE_* variables. Exits 0 when there is none, 2 otherwise.
Nothing is started and nothing is written.
Options:
  --help         print this help`,
};

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Dev mode per protocol.md: not production and no secret given. */
function devMode(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV !== "production" && !env.TICKWIRE_JWT_SECRET && !env.TICKWIRE_JWT_PUBLIC_KEY && !env.TICKWIRE_JWKS_FILE;
}

/** One line per TICKWIRE_* variable no option reads, with the closest known name. */
function unknownVariableLines(env: NodeJS.ProcessEnv): string[] {
  return unknownEnvVariables(env).map(({ name, suggestion }) => `${name} is not a Tickwire variable${suggestion ? ` (did you mean ${suggestion}?)` : ""}; it is ignored.`);
}

/** The running gateway, for the process-level handlers. */
let running: Gateway | undefined;

/**
 * A rejection nothing handled is a bug, not a reason to drop every connection:
 * it is logged and counted (`tickwire_unhandled_rejections_total`), and the
 * process carries on.
 */
function onUnhandledRejection(reason: unknown): void {
  if (!running) {
    process.stderr.write(`Unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    return;
  }
  running.metrics.unhandledRejections.inc();
  running.logger.error({ err: reason }, "unhandled rejection; carrying on");
}

/** A listen error as one line, when it is one a user can fix (port in use, no permission); undefined otherwise. */
function listenProblem(err: unknown, input: Record<string, unknown>): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const port = String(input.port ?? DEFAULT_OPTIONS.port);
  const host = String(input.host ?? DEFAULT_OPTIONS.host);
  if (code === "EADDRINUSE") return `Port ${port} on ${host} is already in use: stop what listens there or set TICKWIRE_PORT to a free port.`;
  if (code === "EACCES") return `No permission to listen on port ${port} on ${host}: use a port above 1023 (TICKWIRE_PORT) or grant the permission.`;
  if (code === "EADDRNOTAVAIL") return `Cannot listen on ${host}: no network interface has that address (TICKWIRE_HOST).`;
  return undefined;
}

async function start(args: string[]): Promise<void> {
  parseArgs({ args, options: {}, strict: true });
  process.on("unhandledRejection", onUnhandledRejection);
  const env = process.env;
  for (const line of unknownVariableLines(env)) process.stderr.write(`Warning: ${line}\n`);
  const input = optionsFromEnv(env) as Record<string, unknown>;
  const dev = devMode(env);
  let apiKey: string | undefined;
  if (dev) {
    const creds = loadDevCredentials(String(input.dataDir ?? DEFAULT_OPTIONS.dataDir));
    input.jwtSecret = creds.jwtSecret;
    input.apiKeys ??= [creds.apiKey];
    input.simulator ??= "on";
    input.corsOrigins ??= ["*"];
    apiKey = (input.apiKeys as string[])[0];
  }
  // Loaded here: the other commands do without the gateway's modules.
  const { createGateway } = await import("./gateway.js");
  let gateway;
  try {
    gateway = await createGateway(input, { devMode: dev });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  try {
    await gateway.listen();
  } catch (err) {
    const problem = listenProblem(err, input);
    if (problem === undefined) throw err;
    await gateway.close().catch(() => undefined);
    fail(problem, 1);
  }
  const gw = gateway;
  running = gw;
  const host = gw.options.host === "0.0.0.0" ? "localhost" : gw.options.host;
  const base = `http://${host}:${gw.port}`;
  gw.logger.info({ url: base, host: gw.options.host, port: gw.port, mode: dev ? "dev" : gw.options.mode, simulator: gw.options.simulator }, "Tickwire listening");
  if (dev) {
    const token = await gw.issueToken({ sub: "demo", tier: "operator", ttlSeconds: 12 * 3600 });
    // The banner is for the person at the terminal: on stderr, so stdout stays one JSON object per line.
    process.stderr.write(
      [
        "",
        "  Tickwire is running in dev mode (generated secret and API key, kept in the data folder).",
        `  Dashboard:   ${base}/`,
        `  Ops page:    ${base}/ops?token=${token}`,
        `  Demo token:  ${token}   (user "demo", tier operator, 12 h)`,
        `  API key:     ${apiKey}`,
        `  Publish:     curl -s -H 'authorization: Bearer ${apiKey}' -H 'content-type: application/json' \\`,
        `                 -d '{"channel":"quotes:AAPL","data":{"symbol":"AAPL","price":191.2}}' ${base}${gw.options.apiPrefix}/publish`,
        `  Simulator:   ${gw.options.simulator ? "on" : "off"}`,
        "",
      ].join("\n") + "\n",
    );
  }

  let stopping = false;
  const stop = (signal: string, code = 0): void => {
    if (stopping) return;
    stopping = true;
    gw.logger.info({ signal }, "shutting down");
    // The last resort, if the graceful sequence does not end in time.
    const timer = setTimeout(() => {
      gw.logger.error("shutdown timed out; exiting");
      process.exit(1);
    }, gw.options.shutdownTimeoutMs);
    timer.unref();
    gw.close().then(
      () => process.exit(code),
      (err: unknown) => {
        gw.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // An exception nothing caught leaves the process in an unknown state: log it, shut down gracefully, exit 1.
  process.on("uncaughtException", (err) => {
    gw.logger.fatal({ err }, "uncaught exception; shutting down");
    stop("uncaughtException", 1);
  });
}

/** The nearest `data` folder holding dev credentials, from `from` up to the root. */
function findDataDir(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, "data");
    if (existsSync(join(candidate, "dev-credentials.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The secret `token` signs with, and the words that say which it is. */
function signingSecret(env: NodeJS.ProcessEnv, dataDirFlag: string | undefined): { secret: string; source: string } {
  if (env.TICKWIRE_JWT_SECRET) return { secret: env.TICKWIRE_JWT_SECRET, source: "TICKWIRE_JWT_SECRET" };
  if (!devMode(env)) fail("Set TICKWIRE_JWT_SECRET: tokens can be signed only with an HS256 secret.");
  const given = dataDirFlag ?? env.TICKWIRE_DATA_DIR;
  const dataDir = given !== undefined ? resolve(given) : findDataDir(process.cwd());
  const creds = dataDir === undefined ? undefined : readDevCredentials(dataDir);
  if (!creds) {
    const where = dataDir !== undefined ? `in ${join(dataDir, "dev-credentials.json")}` : `in ${join(process.cwd(), "data")} or the data folder of a parent folder`;
    fail(
      `No dev-mode credentials found ${where}: start the server in dev mode first (tickwire start), ` +
        "pass --data-dir (or TICKWIRE_DATA_DIR) to the data folder it uses, or set TICKWIRE_JWT_SECRET.",
    );
  }
  return { secret: creds.jwtSecret, source: `the dev-mode secret in ${join(dataDir!, "dev-credentials.json")}` };
}

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { sub: { type: "string" }, tier: { type: "string" }, ttl: { type: "string" }, roles: { type: "string" }, "data-dir": { type: "string" } },
    strict: true,
  });
  if (!values.sub) fail(`--sub is required.\n${HELP.token}`);
  if (values.tier !== undefined && !isTier(values.tier)) fail(`--tier must be one of ${TIERS.join(", ")}.`);
  const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) fail("--ttl must be a whole number of seconds.");
  const env = process.env;
  for (const line of unknownVariableLines(env)) process.stderr.write(`Warning: ${line}\n`);
  const { secret, source } = signingSecret(env, values["data-dir"]);
  const { TokenVerifier } = await import("./auth/token-verifier.js");
  const verifier = new TokenVerifier({ secret, audience: env.TICKWIRE_JWT_AUDIENCE, issuer: env.TICKWIRE_JWT_ISSUER });
  const roles = values.roles?.split(",").map((r) => r.trim()).filter(Boolean);
  const signed = await verifier.sign({ sub: values.sub, tier: values.tier, roles, ttlSeconds: ttl });
  process.stderr.write(`Signed with ${source}.\n`);
  process.stdout.write(`${signed}\n`);
}

/** Options whose values are secrets: shown as set or not, never printed. */
const SECRET_OPTIONS: ReadonlySet<string> = new Set(["jwtSecret", "apiKeys"]);
/** Options holding URLs: a password in them is masked. */
const URL_OPTIONS: ReadonlySet<string> = new Set(["databaseUrl", "redisUrl", "ingestRedisUrl", "sessionRedisUrl", "sessionUrl", "feedUrl"]);

/** A value as check-config prints it: secrets masked, passwords in URLs masked. */
export function maskedValue(key: string, value: unknown): string {
  if (value === undefined) return "(unset)";
  if (SECRET_OPTIONS.has(key)) {
    const items = Array.isArray(value) ? value : [value];
    return items.map((v) => `*** (${String(v).length} character${String(v).length === 1 ? "" : "s"})`).join(", ") || "(none)";
  }
  if (URL_OPTIONS.has(key) && typeof value === "string") {
    try {
      const url = new URL(value);
      if (url.password) url.password = "***";
      return url.toString();
    } catch {
      return value;
    }
  }
  return JSON.stringify(value);
}

function checkConfig(args: string[]): void {
  parseArgs({ args, options: {}, strict: true });
  const env = process.env;
  const input = optionsFromEnv(env) as Record<string, unknown>;
  const dev = devMode(env);
  const notes: string[] = [];
  if (dev) {
    const dataDir = String(input.dataDir ?? DEFAULT_OPTIONS.dataDir);
    const creds = readDevCredentials(dataDir);
    if (creds) {
      input.jwtSecret = creds.jwtSecret;
      input.apiKeys ??= [creds.apiKey];
      notes.push(`Dev mode: the secret and API key are those in ${join(resolve(dataDir), "dev-credentials.json")}.`);
    } else {
      notes.push(`Dev mode: a secret and an API key are generated at the first start and kept in ${join(resolve(dataDir), "dev-credentials.json")}.`);
    }
    input.simulator ??= "on";
    input.corsOrigins ??= ["*"];
  }
  const problems: string[] = [];
  let options: Record<string, unknown>;
  let resolved = true;
  try {
    options = resolveOptions(input).options as unknown as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
    options = { ...DEFAULT_OPTIONS, ...input };
    resolved = false;
  }
  // Checked against the catalogue the options make, as the gateway does at start.
  if (resolved) problems.push(...presenceEventProblems([...DEFAULT_NAMESPACES, ...(options.namespaces as NamespaceDefinition[])], options.presenceEventNamespaces as string[]));
  problems.push(...unknownVariableLines(env));
  // What the environment set, each with the variable of its row (NODE_ENV for mode).
  const fromEnv = new Map(Object.keys(optionsFromEnv(env)).map((key) => [key, OPTION_TABLE[key as keyof GatewayOptions].env]));
  const width = Math.max(...Object.keys(DEFAULT_OPTIONS).map((k) => k.length));
  const lines = [`Tickwire ${VERSION}, ${options.mode === "production" ? "production" : "development"} mode`, ""];
  for (const key of Object.keys(DEFAULT_OPTIONS) as Array<keyof GatewayOptions>) {
    const source = fromEnv.get(key) ?? (dev && (key === "jwtSecret" || key === "apiKeys") && input[key] !== undefined ? "dev credentials" : "default");
    lines.push(`  ${key.padEnd(width)}  ${maskedValue(key, options[key])}   (${source})`);
  }
  lines.push("", ...notes);
  if (problems.length === 0) lines.push("No problems found.");
  else lines.push(`${problems.length} problem${problems.length === 1 ? "" : "s"}:`, ...problems.map((p) => `  - ${p}`));
  process.stdout.write(`${lines.join("\n")}\n`);
  if (problems.length > 0) process.exit(2);
}

const COMMAND_RUNNERS: Record<string, (args: string[]) => Promise<void> | void> = { start, token, "check-config": checkConfig };

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === "--version" || command === "-v" || command === "version") process.stdout.write(`${VERSION}\n`);
  else if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    const topic = rest[0];
    process.stdout.write(`${topic !== undefined && HELP[topic] ? HELP[topic] : USAGE}\n`);
  } else if (COMMAND_RUNNERS[command]) {
    if (rest.includes("--help") || rest.includes("-h")) process.stdout.write(`${HELP[command]}\n`);
    else await COMMAND_RUNNERS[command](rest);
  } else fail(`Unknown command "${command}".\n${USAGE}`);
} catch (err) {
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) fail(`${err.message}\n${command !== undefined && HELP[command] ? HELP[command] : USAGE}`);
  throw err;
}
