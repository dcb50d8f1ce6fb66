import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { TIERS } from "@tickwire/protocol";
import { MAX_INPUT_DEPTH_CEILING } from "../core/input-bounds.js";
import { parseClusterNode } from "../engines/redis/redis-client.js";
import { DEFAULT_OPTIONS, type GatewayOptions } from "./options.js";

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

type Env = Record<string, string | undefined>;

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/**
 * Reads the TICKWIRE_* variables of protocol.md section 1 (and a few more).
 * Values are checked in resolveOptions, so a bad number is reported, not ignored.
 */
export function optionsFromEnv(env: Env): Partial<Record<keyof GatewayOptions, unknown>> {
  const out: Partial<Record<keyof GatewayOptions, unknown>> = {};
  const set = (key: keyof GatewayOptions, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  set("mode", env.NODE_ENV === "production" ? "production" : undefined);
  set("port", nonEmpty(env.TICKWIRE_PORT));
  set("host", nonEmpty(env.TICKWIRE_HOST));
  set("listenBacklog", nonEmpty(env.TICKWIRE_LISTEN_BACKLOG));
  set("admissionTurnMs", nonEmpty(env.TICKWIRE_ADMISSION_TURN_MS));
  set("jwtSecret", nonEmpty(env.TICKWIRE_JWT_SECRET));
  set("jwtPublicKey", nonEmpty(env.TICKWIRE_JWT_PUBLIC_KEY));
  set("jwksFile", nonEmpty(env.TICKWIRE_JWKS_FILE));
  set("jwtAudience", nonEmpty(env.TICKWIRE_JWT_AUDIENCE));
  set("jwtIssuer", nonEmpty(env.TICKWIRE_JWT_ISSUER));
  set("jwtRequireExp", nonEmpty(env.TICKWIRE_JWT_REQUIRE_EXP));
  set("apiKeys", list(nonEmpty(env.TICKWIRE_API_KEYS)));
  set("dataDir", nonEmpty(env.TICKWIRE_DATA_DIR));
  set("databaseUrl", nonEmpty(env.TICKWIRE_DATABASE_URL));
  set("redisUrl", nonEmpty(env.TICKWIRE_REDIS_URL));
  set("redisClusterNodes", list(nonEmpty(env.TICKWIRE_REDIS_CLUSTER_NODES)));
  set("redisPrefix", nonEmpty(env.TICKWIRE_REDIS_PREFIX));
  set("simulator", nonEmpty(env.TICKWIRE_SIMULATOR));
  set("legacyEvents", nonEmpty(env.TICKWIRE_LEGACY_EVENTS));
  set("corsOrigins", list(nonEmpty(env.TICKWIRE_CORS_ORIGINS)));
  set("ingestRedisUrl", nonEmpty(env.TICKWIRE_INGEST_REDIS_URL));
  set("ingestStream", nonEmpty(env.TICKWIRE_INGEST_STREAM));
  set("ingestGroup", nonEmpty(env.TICKWIRE_INGEST_GROUP));
  set("ingestConsumer", nonEmpty(env.TICKWIRE_INGEST_CONSUMER));
  set("feedUrl", nonEmpty(env.TICKWIRE_FEED_URL));
  set("feedReconnectMinMs", nonEmpty(env.TICKWIRE_FEED_RECONNECT_MIN_MS));
  set("feedReconnectMaxMs", nonEmpty(env.TICKWIRE_FEED_RECONNECT_MAX_MS));
  set("conflationMs", nonEmpty(env.TICKWIRE_CONFLATION_MS));
  set("stateBacklogPackets", nonEmpty(env.TICKWIRE_STATE_BACKLOG_PACKETS));
  set("maxQueuedPackets", nonEmpty(env.TICKWIRE_MAX_QUEUED_PACKETS));
  set("stateBacklogBytes", nonEmpty(env.TICKWIRE_STATE_BACKLOG_BYTES));
  set("maxQueuedBytes", nonEmpty(env.TICKWIRE_MAX_QUEUED_BYTES));
  set("writeWindowMs", nonEmpty(env.TICKWIRE_WRITE_WINDOW_MS));
  set("sessionRedisUrl", nonEmpty(env.TICKWIRE_SESSION_REDIS_URL));
  set("sessionRedisClusterNodes", list(nonEmpty(env.TICKWIRE_SESSION_REDIS_CLUSTER_NODES)));
  set("sessionPrefix", nonEmpty(env.TICKWIRE_SESSION_PREFIX));
  set("sessionUrl", nonEmpty(env.TICKWIRE_SESSION_URL));
  set("sessionTimeoutMs", nonEmpty(env.TICKWIRE_SESSION_TIMEOUT_MS));
  set("logLevel", nonEmpty(env.TICKWIRE_LOG_LEVEL));
  set("dashboardDir", nonEmpty(env.TICKWIRE_DASHBOARD_DIR));
  set("maxConnectionsPerUser", nonEmpty(env.TICKWIRE_MAX_CONNECTIONS_PER_USER));
  set("maxEventBytes", nonEmpty(env.TICKWIRE_MAX_EVENT_BYTES));
  set("maxPublicationBytes", nonEmpty(env.TICKWIRE_MAX_PUBLICATION_BYTES));
  set("maxAuthFailuresPerMinute", nonEmpty(env.TICKWIRE_MAX_AUTH_FAILURES_PER_MINUTE));
  set("trustedProxies", list(nonEmpty(env.TICKWIRE_TRUSTED_PROXIES)));
  set("maxInputDepth", nonEmpty(env.TICKWIRE_MAX_INPUT_DEPTH));
  set("idempotencyTtlMs", nonEmpty(env.TICKWIRE_IDEMPOTENCY_TTL_MS));
  set("shutdownTimeoutMs", nonEmpty(env.TICKWIRE_SHUTDOWN_TIMEOUT_MS));
  set("notificationDedupWindowMs", nonEmpty(env.TICKWIRE_NOTIFICATION_DEDUP_WINDOW_MS));
  set("notificationRetentionMs", nonEmpty(env.TICKWIRE_NOTIFICATION_RETENTION_MS));
  set("notificationMaxPerUser", nonEmpty(env.TICKWIRE_NOTIFICATION_MAX_PER_USER));
  const rate = nonEmpty(env.TICKWIRE_RATE_LIMIT);
  if (rate !== undefined) set("rateLimit", rate);
  set("userRateLimit", nonEmpty(env.TICKWIRE_USER_RATE_LIMIT));
  set("connectionLeaseTtlMs", nonEmpty(env.TICKWIRE_CONNECTION_LEASE_TTL_MS));
  set("expectedNodes", nonEmpty(env.TICKWIRE_EXPECTED_NODES));
  return out;
}

const INTEGER_KEYS = [
  "port",
  "listenBacklog",
  "admissionTurnMs",
  "sessionTimeoutMs",
  "maxConnectionsPerUser",
  "maxEventBytes",
  "maxFrameBytes",
  "maxPublicationBytes",
  "maxBodyBytes",
  "maxAuthFailuresPerMinute",
  "idempotencyTtlMs",
  "shutdownTimeoutMs",
  "reconnectAfterMs",
  "maxRecoveryPublications",
  "notificationDedupWindowMs",
  "notificationRetentionMs",
  "notificationMaxPerUser",
  "feedReconnectMinMs",
  "feedReconnectMaxMs",
  "stateBacklogPackets",
  "maxQueuedPackets",
  "stateBacklogBytes",
  "maxQueuedBytes",
  "connectionLeaseTtlMs",
  "expectedNodes",
  "maxInputDepth",
] as const;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/**
 * Parses `navigator=10:20,operator=100:200` (rate:burst per tier) or `50:100` for all tiers;
 * tiers left out keep `base` (the per-connection defaults; none for the per-user budget).
 */
function parseRateLimit(value: string, problems: string[], name = "TICKWIRE_RATE_LIMIT", base: Partial<GatewayOptions["rateLimit"]> = DEFAULT_OPTIONS.rateLimit): GatewayOptions["rateLimit"] | undefined {
  const result: Record<string, { eventsPerSecond: number; burst: number }> = { ...base };
  const parsePair = (pair: string): { eventsPerSecond: number; burst: number } | undefined => {
    const m = /^(\d+):(\d+)$/.exec(pair.trim());
    if (!m) return undefined;
    return { eventsPerSecond: Number(m[1]), burst: Number(m[2]) };
  };
  if (!value.includes("=")) {
    const pair = parsePair(value);
    if (!pair) {
      problems.push(`${name} "${value}" is not "rate:burst" or "tier=rate:burst,…".`);
      return undefined;
    }
    for (const tier of TIERS) result[tier] = pair;
    return result as GatewayOptions["rateLimit"];
  }
  for (const part of value.split(",")) {
    const [tier, pairText] = part.split("=");
    const pair = pairText === undefined ? undefined : parsePair(pairText);
    if (!tier || !(TIERS as readonly string[]).includes(tier.trim()) || !pair) {
      problems.push(`${name} part "${part}" is not "tier=rate:burst".`);
      continue;
    }
    result[tier.trim()] = pair;
  }
  return result as GatewayOptions["rateLimit"];
}

/** The per-user budget: known tiers, each with a rate ≥ 1 and a burst ≥ its rate. */
function checkUserRateLimit(value: unknown, problems: string[]): void {
  if (typeof value !== "object" || value === null) {
    problems.push("userRateLimit must map tiers to { eventsPerSecond, burst }.");
    return;
  }
  for (const [tier, rate] of Object.entries(value)) {
    const r = rate as Partial<{ eventsPerSecond: unknown; burst: unknown }> | undefined;
    const ok =
      (TIERS as readonly string[]).includes(tier) &&
      typeof r?.eventsPerSecond === "number" &&
      typeof r.burst === "number" &&
      Number.isInteger(r.eventsPerSecond) &&
      Number.isInteger(r.burst) &&
      r.eventsPerSecond >= 1 &&
      r.burst >= r.eventsPerSecond;
    if (!ok) problems.push(`userRateLimit entry ${JSON.stringify([tier, rate])} is not "tier: { eventsPerSecond ≥ 1, burst ≥ eventsPerSecond }".`);
  }
}

/**
 * Parses per-tier milliseconds: `navigator=1000,participant=250,…` or one number
 * for every tier (or an object of them); tiers left out keep `defaults`.
 */
function parsePerTierMs(key: "conflationMs" | "writeWindowMs", variable: string, value: unknown, defaults: Record<string, number>, problems: string[], max = Infinity): Record<string, number> {
  const result: Record<string, number> = {};
  const ms = (v: unknown): number | undefined => {
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
    return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
  };
  const bound = max === Infinity ? "ms ≥ 0" : `0 ≤ ms ≤ ${max}`;
  if ((typeof value === "string" && !value.includes("=")) || typeof value === "number") {
    const n = ms(value);
    if (n === undefined) problems.push(`${variable} "${String(value)}" is not a whole number of ms (${bound}) or "tier=ms,…".`);
    for (const tier of TIERS) result[tier] = n ?? 0;
    return result;
  }
  const entries = typeof value === "string" ? value.split(",").map((part) => part.split("=").map((x) => x.trim())) : typeof value === "object" && value !== null ? Object.entries(value) : [];
  if (entries.length === 0) problems.push(`${key} must map tiers to whole numbers of ms.`);
  for (const [tier, v] of entries) {
    const n = ms(v);
    if (typeof tier !== "string" || !(TIERS as readonly string[]).includes(tier) || n === undefined) problems.push(`${key} entry ${JSON.stringify([tier, v])} is not "tier=ms" with ${bound}.`);
    else result[tier] = n;
  }
  return { ...defaults, ...result };
}

/** Turns `on`/`off` (also true/false, 1/0) of an environment variable into a boolean option; a boolean stays. */
function switchOf(raw: Record<string, unknown>, key: keyof GatewayOptions, variable: string, problems: string[]): void {
  const value = raw[key];
  if (typeof value === "boolean") return;
  const v = typeof value === "string" ? value.toLowerCase() : undefined;
  if (v === "on" || v === "true" || v === "1") raw[key] = true;
  else if (v === "off" || v === "false" || v === "0") raw[key] = false;
  else if (typeof value === "string") problems.push(`${variable} must be "on" or "off" (got "${value}").`);
  else problems.push(`${key} must be true or false.`);
}

/** Named ranges of proxy-addr, which Fastify's trustProxy reads. */
const NAMED_RANGES = ["loopback", "linklocal", "uniquelocal"];

/** An IP address, a CIDR range (`10.0.0.0/8`, `fd00::/8`) or a named range. */
function isProxyEntry(entry: string): boolean {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address, bits, ...rest] = entry.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

/** Longest write window: it is a coalescing delay, not a conflation interval. */
const MAX_WRITE_WINDOW_MS = 1000;

/**
 * Merges options over the defaults, validates them and freezes the result.
 * In dev mode a missing secret or API key is generated; in production it is an error.
 * @throws ConfigError listing every problem.
 */
export function resolveOptions(input: Partial<Record<keyof GatewayOptions, unknown>> = {}): ResolvedOptions {
  const problems: string[] = [];
  const raw: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(input)) {
    if (!(key in DEFAULT_OPTIONS)) problems.push(`Unknown option "${key}".`);
    else if (value !== undefined) raw[key] = value;
  }

  if (raw.mode !== "development" && raw.mode !== "production") problems.push(`mode must be "development" or "production".`);
  const dev = raw.mode !== "production";

  for (const key of INTEGER_KEYS) {
    const n = typeof raw[key] === "string" ? Number(raw[key]) : raw[key];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) problems.push(`${key} must be a whole number ≥ 0 (got ${JSON.stringify(raw[key])}).`);
    else raw[key] = n;
  }
  if (typeof raw.port === "number" && raw.port > 65535) problems.push("port must be at most 65535.");
  if (typeof raw.listenBacklog === "number" && raw.listenBacklog < 1) problems.push("listenBacklog must be at least 1.");
  if (typeof raw.admissionTurnMs === "number" && raw.admissionTurnMs < 1) problems.push("admissionTurnMs must be at least 1.");
  if (typeof raw.maxConnectionsPerUser === "number" && raw.maxConnectionsPerUser < 1) problems.push("maxConnectionsPerUser must be at least 1.");
  if (typeof raw.notificationMaxPerUser === "number" && raw.notificationMaxPerUser < 1) problems.push("notificationMaxPerUser must be at least 1.");

  if (typeof raw.simulator === "string") switchOf(raw, "simulator", "TICKWIRE_SIMULATOR", problems);
  else if (input.simulator === undefined) raw.simulator = dev && input.jwtSecret === undefined;
  switchOf(raw, "legacyEvents", "TICKWIRE_LEGACY_EVENTS", problems);
  switchOf(raw, "jwtRequireExp", "TICKWIRE_JWT_REQUIRE_EXP", problems);
  if (typeof raw.maxInputDepth === "number" && (raw.maxInputDepth < 1 || raw.maxInputDepth > MAX_INPUT_DEPTH_CEILING)) {
    problems.push(`maxInputDepth must be from 1 to ${MAX_INPUT_DEPTH_CEILING}.`);
  }
  if (!Array.isArray(raw.trustedProxies) || raw.trustedProxies.some((p) => typeof p !== "string")) problems.push("trustedProxies must be a list of addresses.");
  else for (const entry of raw.trustedProxies as string[]) if (!isProxyEntry(entry)) problems.push(`trustedProxies entry "${entry}" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal.`);
  if (typeof raw.rateLimit === "string") raw.rateLimit = parseRateLimit(raw.rateLimit, problems);
  if (typeof raw.userRateLimit === "string") raw.userRateLimit = parseRateLimit(raw.userRateLimit, problems, "TICKWIRE_USER_RATE_LIMIT", {});
  if (raw.userRateLimit !== undefined) checkUserRateLimit(raw.userRateLimit, problems);
  if (typeof raw.expectedNodes === "number" && raw.expectedNodes < 1) problems.push("expectedNodes must be at least 1.");
  if (typeof raw.connectionLeaseTtlMs === "number" && raw.connectionLeaseTtlMs < 3) problems.push("connectionLeaseTtlMs must be at least 3.");
  // Tiers left out keep the catalogue's interval.
  if (raw.conflationMs !== undefined) raw.conflationMs = Object.freeze(parsePerTierMs("conflationMs", "TICKWIRE_CONFLATION_MS", raw.conflationMs, { navigator: 1000, participant: 250, builder: 100, operator: 0 }, problems));
  if (raw.writeWindowMs !== DEFAULT_OPTIONS.writeWindowMs) {
    raw.writeWindowMs = Object.freeze(parsePerTierMs("writeWindowMs", "TICKWIRE_WRITE_WINDOW_MS", raw.writeWindowMs, { ...DEFAULT_OPTIONS.writeWindowMs }, problems, MAX_WRITE_WINDOW_MS));
  }
  if (typeof raw.ingestGroup !== "string" || raw.ingestGroup === "") problems.push("ingestGroup must be a non-empty string.");
  if (typeof raw.redisPrefix !== "string" || raw.redisPrefix === "") problems.push("redisPrefix must be a non-empty string.");
  if (typeof raw.feedReconnectMinMs === "number" && typeof raw.feedReconnectMaxMs === "number" && raw.feedReconnectMinMs > raw.feedReconnectMaxMs) {
    problems.push("feedReconnectMinMs must not exceed feedReconnectMaxMs.");
  }
  if (typeof raw.logLevel !== "string" || !LOG_LEVELS.includes(raw.logLevel)) problems.push(`logLevel must be one of ${LOG_LEVELS.join(", ")}.`);

  for (const key of ["databaseUrl"] as const) {
    const v = raw[key];
    if (v !== undefined && (typeof v !== "string" || !/^postgres(ql)?:\/\//.test(v))) problems.push(`${key} must be a postgres:// URL.`);
  }
  for (const key of ["redisUrl", "ingestRedisUrl", "sessionRedisUrl"] as const) {
    const v = raw[key];
    if (v !== undefined && (typeof v !== "string" || !/^rediss?:\/\//.test(v))) problems.push(`${key} must be a redis:// URL.`);
  }
  for (const [key, single] of [
    ["redisClusterNodes", "redisUrl"],
    ["sessionRedisClusterNodes", "sessionRedisUrl"],
  ] as const) {
    const v: unknown = raw[key];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length === 0 || v.length > 64) problems.push(`${key} must be a list of 1 to 64 host:port cluster nodes.`);
    else for (const node of v) if (typeof node !== "string" || parseClusterNode(node) === undefined) problems.push(`${key} entry "${String(node)}" is not host:port.`);
    if (raw[single] !== undefined) problems.push(`Set only one of ${single} and ${key}.`);
  }
  for (const key of ["feedUrl"] as const) {
    const v = raw[key];
    if (v !== undefined && (typeof v !== "string" || !/^wss?:\/\//.test(v))) problems.push(`${key} must be a ws:// or wss:// URL.`);
  }
  if (raw.sessionUrl !== undefined && (typeof raw.sessionUrl !== "string" || !/^https?:\/\//.test(raw.sessionUrl))) {
    problems.push("sessionUrl must be an http(s):// URL.");
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
  if (!Array.isArray(raw.apiKeys) || raw.apiKeys.some((k) => typeof k !== "string" || k.length === 0)) {
    problems.push("apiKeys must be a list of non-empty strings.");
  } else if (raw.apiKeys.length === 0) {
    if (dev) {
      raw.apiKeys = [randomBytes(24).toString("base64url")];
      generatedApiKey = true;
    } else {
      problems.push("Production mode needs TICKWIRE_API_KEYS (comma-separated) for the HTTP API.");
    }
  }
  if (!Array.isArray(raw.corsOrigins)) problems.push("corsOrigins must be a list.");
  else if (raw.corsOrigins.length === 0 && dev && input.corsOrigins === undefined) raw.corsOrigins = ["*"];

  if (problems.length > 0) throw new ConfigError(problems);
  return { options: Object.freeze(raw) as unknown as GatewayOptions, generatedSecret, generatedApiKey };
}
