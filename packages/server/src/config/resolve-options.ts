import { randomBytes } from "node:crypto";
import { distance } from "./env-variables.js";
import { checkRow } from "./option-checks.js";
import { OPTION_TABLE, type AnyOptionRow } from "./option-table.js";
import { type GatewayOptions } from "./options.js";
import { DEFAULT_OPTIONS } from "./defaults.js";

export { ENV_VARIABLES, optionsFromEnv, unknownEnvVariables, type EnvVariable, type UnknownVariable } from "./env-variables.js";

/** A configuration that cannot start a gateway; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Tickwire configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** Options after merging and validation, plus what dev mode generated. */
export interface ResolvedOptions {
  readonly options: GatewayOptions;
  /** True when the secret was generated (dev mode). */
  readonly generatedSecret: boolean;
  /** True when the API key was generated (dev mode). */
  readonly generatedApiKey: boolean;
}

/** Options people reach for when embedding, and what to use instead. */
const EMBEDDING_HINTS: Readonly<Record<string, string>> = {
  server: "to use a server the app already has, call attach(server, options), or register tickwirePlugin in a Fastify app (docs/embedding.md)",
  httpServer: "to use a server the app already has, call attach(server, options), or register tickwirePlugin in a Fastify app (docs/embedding.md)",
  path: 'the Socket.IO path is "socketPath"',
  prefix: 'the HTTP API prefix is "apiPrefix"',
};

/** The problem of an option no gateway has: with what was likely meant. */
function unknownOption(key: string): string {
  const hint = EMBEDDING_HINTS[key];
  if (hint !== undefined) return `Unknown option "${key}": ${hint}.`;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of Object.keys(DEFAULT_OPTIONS)) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? `Unknown option "${key}" (did you mean "${best}"?).` : `Unknown option "${key}".`;
}

/** True when `path` is `base` or below it. */
export function underPath(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}

const ROWS = Object.entries(OPTION_TABLE) as Array<[keyof GatewayOptions, AnyOptionRow]>;

/**
 * Merges options over the defaults, checks each given one by its row (kind, bounds), then
 * what no single row can say (dev mode's defaults, options that exclude one another), and
 * freezes the result. In dev mode a missing secret or API key is generated; in production
 * it is an error.
 * @throws ConfigError listing every problem.
 */
export function resolveOptions(input: Partial<Record<keyof GatewayOptions, unknown>> = {}): ResolvedOptions {
  const problems: string[] = [];
  const raw: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(input)) {
    if (!(key in DEFAULT_OPTIONS)) problems.push(unknownOption(key));
    else if (value !== undefined) raw[key] = value;
  }
  const given = { ...raw };
  // The checks across options below read only values their rows accepted: one bad value is one problem.
  const refused = new Set<string>();
  for (const [key, row] of ROWS) {
    if (input[key] === undefined) continue;
    const before = problems.length;
    raw[key] = checkRow(key, row, given[key], { raw: given, problems });
    if (problems.length > before) refused.add(key);
  }
  const accepted = (...keys: Array<keyof GatewayOptions>): boolean => keys.every((key) => !refused.has(key));

  const dev = raw.mode !== "production";
  // Dev mode (generated credentials, the demo token) stays on this machine unless told otherwise.
  if (dev && input.host === undefined) raw.host = "127.0.0.1";
  if (input.simulator === undefined) raw.simulator = dev && input.jwtSecret === undefined;
  if (accepted("feedReconnectMinMs", "feedReconnectMaxMs") && (raw.feedReconnectMinMs as number) > (raw.feedReconnectMaxMs as number)) {
    problems.push("feedReconnectMinMs must not exceed feedReconnectMaxMs.");
  }
  if (accepted("occupancyNamespaces") && raw.simulatorOnDemand === true && !(raw.occupancyNamespaces as string[]).includes("quotes")) problems.push('simulatorOnDemand needs "quotes" among occupancyNamespaces.');
  if (accepted("socketPath", "apiPrefix") && (underPath(raw.socketPath as string, raw.apiPrefix as string) || underPath(raw.apiPrefix as string, raw.socketPath as string))) {
    problems.push(`socketPath "${raw.socketPath}" and apiPrefix "${raw.apiPrefix}" must not contain one another.`);
  }
  for (const [single, nodes] of [
    ["redisUrl", "redisClusterNodes"],
    ["sessionRedisUrl", "sessionRedisClusterNodes"],
    ["ingestRedisUrl", "ingestRedisClusterNodes"],
    ["redisUrl", "redisSentinels"],
    ["redisClusterNodes", "redisSentinels"],
  ] as const) {
    if (raw[single] !== undefined && raw[nodes] !== undefined) problems.push(`Set only one of ${single} and ${nodes}.`);
  }

  const verifiers = [raw.jwtSecret, raw.jwtPublicKey, raw.jwksFile].filter((v) => v !== undefined).length;
  if (verifiers > 1) problems.push("Set only one of TICKWIRE_JWT_SECRET, TICKWIRE_JWT_PUBLIC_KEY and TICKWIRE_JWKS_FILE.");
  if (typeof raw.jwtSecret === "string" && raw.jwtSecret.length < 16 && !dev) {
    problems.push("TICKWIRE_JWT_SECRET must be at least 16 characters in production.");
  }

  let generatedSecret = false;
  let generatedApiKey = false;
  if (verifiers === 0) {
    if (dev) {
      raw.jwtSecret = randomBytes(32).toString("base64url");
      generatedSecret = true;
    } else {
      problems.push("Production mode needs TICKWIRE_JWT_SECRET (or TICKWIRE_JWT_PUBLIC_KEY / TICKWIRE_JWKS_FILE) to verify client tokens.");
    }
  }
  if (accepted("apiKeys") && (raw.apiKeys as string[]).length === 0) {
    if (dev) {
      raw.apiKeys = [randomBytes(24).toString("base64url")];
      generatedApiKey = true;
    } else {
      problems.push("Production mode needs TICKWIRE_API_KEYS (comma-separated) for the HTTP API.");
    }
  }
  if (dev && input.corsOrigins === undefined) raw.corsOrigins = ["*"];

  if (problems.length > 0) throw new ConfigError(problems);
  return { options: Object.freeze(raw) as unknown as GatewayOptions, generatedSecret, generatedApiKey };
}

