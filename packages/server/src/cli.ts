#!/usr/bin/env node
import { parseArgs } from "node:util";
import { isTier, TIERS } from "@tickwire/protocol";
import { TokenVerifier } from "./auth/token-verifier.js";
import { DEFAULT_OPTIONS } from "./config/options.js";
import { ConfigError, optionsFromEnv } from "./config/resolve-options.js";
import { loadDevCredentials } from "./dev-credentials.js";
import { createGateway } from "./gateway.js";

const USAGE = `Usage:
  tickwire start                                   start the gateway (configured by TICKWIRE_* variables)
  tickwire token --sub ID [--tier TIER] [--ttl SECONDS] [--roles a,b]
                                                   print a client token signed with the configured secret
Tiers: ${TIERS.join(", ")}.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** Dev mode per protocol.md: not production and no secret given. */
function devMode(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV !== "production" && !env.TICKWIRE_JWT_SECRET && !env.TICKWIRE_JWT_PUBLIC_KEY && !env.TICKWIRE_JWKS_FILE;
}

/** The running gateway, for the process-level handlers. */
let running: Awaited<ReturnType<typeof createGateway>> | undefined;

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

async function start(): Promise<void> {
  process.on("unhandledRejection", onUnhandledRejection);
  const env = process.env;
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
  let gateway;
  try {
    gateway = await createGateway(input, { devMode: dev });
    await gateway.listen();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
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
        `                 -d '{"channel":"quotes:AAPL","data":{"symbol":"AAPL","price":191.2}}' ${base}/api/v1/publish`,
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

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { sub: { type: "string" }, tier: { type: "string" }, ttl: { type: "string" }, roles: { type: "string" } },
    strict: true,
  });
  if (!values.sub) fail(`--sub is required.\n${USAGE}`);
  if (values.tier !== undefined && !isTier(values.tier)) fail(`--tier must be one of ${TIERS.join(", ")}.`);
  const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) fail("--ttl must be a whole number of seconds.");
  const env = process.env;
  const secret = env.TICKWIRE_JWT_SECRET ?? (devMode(env) ? loadDevCredentials(env.TICKWIRE_DATA_DIR ?? DEFAULT_OPTIONS.dataDir).jwtSecret : undefined);
  if (!secret) fail("Set TICKWIRE_JWT_SECRET: tokens can be signed only with an HS256 secret.");
  const verifier = new TokenVerifier({ secret, audience: env.TICKWIRE_JWT_AUDIENCE, issuer: env.TICKWIRE_JWT_ISSUER });
  const roles = values.roles?.split(",").map((r) => r.trim()).filter(Boolean);
  process.stdout.write(`${await verifier.sign({ sub: values.sub, tier: values.tier, roles, ttlSeconds: ttl })}\n`);
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === "start") await start();
  else if (command === "token") await token(rest);
  else if (command === undefined || command === "help" || command === "--help") process.stdout.write(`${USAGE}\n`);
  else fail(`Unknown command "${command}".\n${USAGE}`);
} catch (err) {
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) fail(`${err.message}\n${USAGE}`);
  throw err;
}
