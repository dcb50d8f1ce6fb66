import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { buildCatalogue, DEFAULT_NAMESPACES, isChannelError, isTier, parseChannel, RPC_METHOD_PATTERN, TIERS, type NamespaceDefinition } from "@tickwire/protocol";
import { MAX_INPUT_DEPTH_CEILING } from "../core/input-bounds.js";
import { parseClusterNode } from "../engines/redis/redis-client.js";
import { DEFAULT_OPTIONS, type GatewayOptions, type RpcMethodRule } from "./options.js";

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

/** How a TICKWIRE_* variable maps onto an option; `list` values are comma-separated. */
export interface EnvVariable {
  readonly option: keyof GatewayOptions;
  readonly list?: true;
}

/**
 * Every TICKWIRE_* variable the gateway reads (docs/configuration.md), and its option.
 * `NODE_ENV=production` selects `mode` besides these.
 */
export const ENV_VARIABLES: Readonly<Record<string, EnvVariable>> = Object.freeze({
  TICKWIRE_PORT: { option: "port" },
  TICKWIRE_HOST: { option: "host" },
  TICKWIRE_SOCKET_PATH: { option: "socketPath" },
  TICKWIRE_API_PREFIX: { option: "apiPrefix" },
  TICKWIRE_LISTEN_BACKLOG: { option: "listenBacklog" },
  TICKWIRE_ADMISSION_TURN_MS: { option: "admissionTurnMs" },
  TICKWIRE_JWT_SECRET: { option: "jwtSecret" },
  TICKWIRE_JWT_PUBLIC_KEY: { option: "jwtPublicKey" },
  TICKWIRE_JWKS_FILE: { option: "jwksFile" },
  TICKWIRE_JWT_AUDIENCE: { option: "jwtAudience" },
  TICKWIRE_JWT_ISSUER: { option: "jwtIssuer" },
  TICKWIRE_JWT_REQUIRE_EXP: { option: "jwtRequireExp" },
  TICKWIRE_API_KEYS: { option: "apiKeys", list: true },
  TICKWIRE_DATA_DIR: { option: "dataDir" },
  TICKWIRE_DATABASE_URL: { option: "databaseUrl" },
  TICKWIRE_REDIS_URL: { option: "redisUrl" },
  TICKWIRE_REDIS_CLUSTER_NODES: { option: "redisClusterNodes", list: true },
  TICKWIRE_REDIS_SENTINELS: { option: "redisSentinels", list: true },
  TICKWIRE_REDIS_SENTINEL_NAME: { option: "redisSentinelName" },
  TICKWIRE_REDIS_PREFIX: { option: "redisPrefix" },
  TICKWIRE_SIMULATOR: { option: "simulator" },
  TICKWIRE_LEGACY_EVENTS: { option: "legacyEvents" },
  TICKWIRE_CORS_ORIGINS: { option: "corsOrigins", list: true },
  TICKWIRE_INGEST_REDIS_URL: { option: "ingestRedisUrl" },
  TICKWIRE_INGEST_REDIS_CLUSTER_NODES: { option: "ingestRedisClusterNodes", list: true },
  TICKWIRE_INGEST_STREAM: { option: "ingestStream" },
  TICKWIRE_INGEST_GROUP: { option: "ingestGroup" },
  TICKWIRE_INGEST_CONSUMER: { option: "ingestConsumer" },
  TICKWIRE_FEED_URL: { option: "feedUrl" },
  TICKWIRE_FEED_RECONNECT_MIN_MS: { option: "feedReconnectMinMs" },
  TICKWIRE_FEED_RECONNECT_MAX_MS: { option: "feedReconnectMaxMs" },
  TICKWIRE_CONFLATION_MS: { option: "conflationMs" },
  TICKWIRE_STATE_BACKLOG_PACKETS: { option: "stateBacklogPackets" },
  TICKWIRE_MAX_QUEUED_PACKETS: { option: "maxQueuedPackets" },
  TICKWIRE_STATE_BACKLOG_BYTES: { option: "stateBacklogBytes" },
  TICKWIRE_MAX_QUEUED_BYTES: { option: "maxQueuedBytes" },
  TICKWIRE_WRITE_WINDOW_MS: { option: "writeWindowMs" },
  TICKWIRE_SESSION_REDIS_URL: { option: "sessionRedisUrl" },
  TICKWIRE_SESSION_REDIS_CLUSTER_NODES: { option: "sessionRedisClusterNodes", list: true },
  TICKWIRE_SESSION_PREFIX: { option: "sessionPrefix" },
  TICKWIRE_SESSION_URL: { option: "sessionUrl" },
  TICKWIRE_SESSION_TIMEOUT_MS: { option: "sessionTimeoutMs" },
  TICKWIRE_DEFAULT_TIER: { option: "defaultTier" },
  TICKWIRE_PROXY_RPC_URL: { option: "proxyRpcUrl" },
  TICKWIRE_PROXY_RPC_METHOD_URLS: { option: "proxyRpcMethodUrls" },
  TICKWIRE_PROXY_RPC_METHODS: { option: "proxyRpcMethods" },
  TICKWIRE_PROXY_RPC_MAX_IN_FLIGHT: { option: "proxyRpcMaxInFlight" },
  TICKWIRE_PROXY_SUBSCRIBE_URL: { option: "proxySubscribeUrl" },
  TICKWIRE_PROXY_SUBSCRIBE_NAMESPACES: { option: "proxySubscribeNamespaces", list: true },
  TICKWIRE_PROXY_SUBSCRIBE_CACHE_MS: { option: "proxySubscribeCacheMs" },
  TICKWIRE_PROXY_TIMEOUT_MS: { option: "proxyTimeoutMs" },
  TICKWIRE_PROXY_OCCUPANCY_URL: { option: "proxyOccupancyUrl" },
  TICKWIRE_OCCUPANCY_NAMESPACES: { option: "occupancyNamespaces", list: true },
  TICKWIRE_PRESENCE_EVENT_NAMESPACES: { option: "presenceEventNamespaces", list: true },
  TICKWIRE_OCCUPANCY_DEBOUNCE_MS: { option: "occupancyDebounceMs" },
  TICKWIRE_SIMULATOR_ON_DEMAND: { option: "simulatorOnDemand" },
  TICKWIRE_FEED_ON_DEMAND: { option: "feedOnDemand" },
  TICKWIRE_RRR_STREAMS: { option: "rrrStreams" },
  TICKWIRE_LOG_LEVEL: { option: "logLevel" },
  TICKWIRE_ACCESS_LOG_LEVEL: { option: "accessLogLevel" },
  TICKWIRE_PROCESS_METRICS: { option: "processMetrics" },
  TICKWIRE_READINESS_TIMEOUT_MS: { option: "readinessTimeoutMs" },
  TICKWIRE_READINESS_CACHE_MS: { option: "readinessCacheMs" },
  TICKWIRE_READINESS_FEEDS: { option: "readinessFeeds" },
  TICKWIRE_DASHBOARD_DIR: { option: "dashboardDir" },
  TICKWIRE_MAX_CONNECTIONS_PER_USER: { option: "maxConnectionsPerUser" },
  TICKWIRE_MAX_EVENT_BYTES: { option: "maxEventBytes" },
  TICKWIRE_MAX_PUBLICATION_BYTES: { option: "maxPublicationBytes" },
  TICKWIRE_MAX_AUTH_FAILURES_PER_MINUTE: { option: "maxAuthFailuresPerMinute" },
  TICKWIRE_TRUSTED_PROXIES: { option: "trustedProxies", list: true },
  TICKWIRE_MAX_INPUT_DEPTH: { option: "maxInputDepth" },
  TICKWIRE_IDEMPOTENCY_TTL_MS: { option: "idempotencyTtlMs" },
  TICKWIRE_SHUTDOWN_TIMEOUT_MS: { option: "shutdownTimeoutMs" },
  TICKWIRE_RESUME_WINDOW_MS: { option: "resumeWindowMs" },
  TICKWIRE_RESUME_CHECKPOINT_MS: { option: "resumeCheckpointMs" },
  TICKWIRE_NOTIFICATION_DEDUP_WINDOW_MS: { option: "notificationDedupWindowMs" },
  TICKWIRE_NOTIFICATION_RETENTION_MS: { option: "notificationRetentionMs" },
  TICKWIRE_NOTIFICATION_MAX_PER_USER: { option: "notificationMaxPerUser" },
  TICKWIRE_RATE_LIMIT: { option: "rateLimit" },
  TICKWIRE_USER_RATE_LIMIT: { option: "userRateLimit" },
  TICKWIRE_CONNECTION_LEASE_TTL_MS: { option: "connectionLeaseTtlMs" },
  TICKWIRE_EXPECTED_NODES: { option: "expectedNodes" },
});

/**
 * Reads the TICKWIRE_* variables of docs/configuration.md, "Variables".
 * Values are checked in resolveOptions, so a bad number is reported, not ignored.
 */
export function optionsFromEnv(env: Env): Partial<Record<keyof GatewayOptions, unknown>> {
  const out: Partial<Record<keyof GatewayOptions, unknown>> = {};
  if (env.NODE_ENV === "production") out.mode = "production";
  for (const [variable, { option, list: isList }] of Object.entries(ENV_VARIABLES)) {
    const value = nonEmpty(env[variable]);
    if (value !== undefined) out[option] = isList ? list(value) : value;
  }
  return out;
}

/** Edit distance of two names (insertions, deletions, substitutions, transpositions of neighbours). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
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

/** A TICKWIRE_* variable the gateway does not read, and the known name closest to it. */
export interface UnknownVariable {
  readonly name: string;
  /** The closest known variable, when one is near enough to be a likely typo. */
  readonly suggestion: string | undefined;
}

/** The TICKWIRE_* variables of `env` that no option reads (a typo is otherwise ignored silently). */
export function unknownEnvVariables(env: Env, known: readonly string[] = Object.keys(ENV_VARIABLES)): UnknownVariable[] {
  const out: UnknownVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("TICKWIRE_") || known.includes(name)) continue;
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of known) {
      const d = distance(name.slice(9), candidate.slice(9));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    // Near enough: a few edits, and fewer than half the name's letters.
    const suggestion = best !== undefined && bestDistance <= Math.max(2, Math.floor((name.length - 9) / 3)) && bestDistance < (name.length - 9) / 2 ? best : undefined;
    out.push({ name, suggestion });
  }
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
  "resumeWindowMs",
  "resumeCheckpointMs",
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
  "readinessTimeoutMs",
  "readinessCacheMs",
  "opsSampleMs",
  "proxyRpcMaxInFlight",
  "proxySubscribeCacheMs",
  "proxyTimeoutMs",
  "occupancyDebounceMs",
] as const;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const PROCESS_METRICS = ["standard", "prefixed", "both", "off"];

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

const RPC_METHOD = new RegExp(RPC_METHOD_PATTERN);
const ROLE = /^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$/;
const HTTP_URL = /^https?:\/\/[^\s]+$/;

/** Splits `name=value,name=value` (an object stays); a part without `=` is reported. */
function pairs(value: unknown, variable: string, problems: string[]): Array<[string, unknown]> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return Object.entries(value);
  if (typeof value !== "string") {
    problems.push(`${variable} must be "name=value,…" or an object.`);
    return [];
  }
  const out: Array<[string, unknown]> = [];
  for (const part of value.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const i = part.lastIndexOf("=");
    if (i <= 0) problems.push(`${variable} part "${part}" is not "name=value".`);
    else out.push([part.slice(0, i).trim(), part.slice(i + 1).trim()]);
  }
  return out;
}

/** Per-method proxy URLs: `method=http://…,…`. */
function parseMethodUrls(value: unknown, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [method, url] of pairs(value, "TICKWIRE_PROXY_RPC_METHOD_URLS", problems)) {
    if (!RPC_METHOD.test(method)) problems.push(`proxyRpcMethodUrls: "${method}" is not a method name.`);
    else if (typeof url !== "string" || !HTTP_URL.test(url)) problems.push(`proxyRpcMethodUrls: the URL of "${method}" must be an http(s):// URL.`);
    else out[method] = url;
  }
  return out;
}

/**
 * Per-method gates: `method=operator`, `method=@admin`, `method=builder|@desk|@admin` (a tier and `@role`s,
 * any one admits), `*` for methods not listed, `method=any` for no gate; or an object of { minTier, roles }.
 * Rules given replace the default ones of the same method.
 */
function parseMethodRules(value: unknown, problems: string[]): Record<string, RpcMethodRule> {
  const out: Record<string, RpcMethodRule> = { ...DEFAULT_OPTIONS.proxyRpcMethods };
  for (const [method, rule] of pairs(value, "TICKWIRE_PROXY_RPC_METHODS", problems)) {
    if (method !== "*" && !RPC_METHOD.test(method)) {
      problems.push(`proxyRpcMethods: "${method}" is not a method name.`);
      continue;
    }
    let minTier: unknown;
    let roles: unknown;
    if (typeof rule === "string") {
      const parts = rule.split("|").map((p) => p.trim()).filter((p) => p !== "" && p !== "any");
      roles = parts.filter((p) => p.startsWith("@")).map((p) => p.slice(1));
      const tiers = parts.filter((p) => !p.startsWith("@"));
      if (tiers.length > 1) problems.push(`proxyRpcMethods: "${method}" names more than one tier.`);
      minTier = tiers[0];
    } else if (typeof rule === "object" && rule !== null) {
      ({ minTier, roles } = rule as Record<string, unknown>);
    } else {
      problems.push(`proxyRpcMethods: the rule of "${method}" must be "tier|@role…" or { minTier, roles }.`);
      continue;
    }
    if (minTier !== undefined && !isTier(minTier)) problems.push(`proxyRpcMethods: "${String(minTier)}" (method "${method}") is not a tier (${TIERS.join(", ")}).`);
    if (roles !== undefined && (!Array.isArray(roles) || roles.some((r) => typeof r !== "string" || !ROLE.test(r)))) problems.push(`proxyRpcMethods: the roles of "${method}" must be role names.`);
    const list = Array.isArray(roles) && roles.length > 0 ? Object.freeze([...(roles as string[])]) : undefined;
    out[method] = Object.freeze({ ...(minTier !== undefined ? { minTier: minTier as RpcMethodRule["minTier"] } : {}), ...(list ? { roles: list } : {}) });
  }
  return out;
}

const STREAM_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** Each of `value` must name a namespace of the catalogue (with the deployment's namespaces) that keeps presence. */
function checkPresenceEventNamespaces(value: unknown, namespaces: unknown, problems: string[]): void {
  if (!Array.isArray(value) || value.some((n) => typeof n !== "string")) {
    problems.push("presenceEventNamespaces must be a list of namespace names.");
    return;
  }
  const catalogue = buildCatalogue([...DEFAULT_NAMESPACES, ...(Array.isArray(namespaces) ? (namespaces as NamespaceDefinition[]) : [])]);
  for (const name of value as string[]) {
    const row = catalogue.get(name);
    if (!row) problems.push(`presenceEventNamespaces: "${name}" is not a namespace.`);
    else if (!row.presence) problems.push(`presenceEventNamespaces: "${name}" keeps no presence (its catalogue row has no \`presence\`).`);
  }
}

/** RRRalgorithms streams: `stream=channel,…` over the defaults; each channel must be one of the catalogue (with the deployment's namespaces). */
function parseRrrStreams(value: unknown, namespaces: unknown, problems: string[]): Record<string, string> {
  const out: Record<string, string> = { ...DEFAULT_OPTIONS.rrrStreams };
  const rows = Array.isArray(namespaces) ? (namespaces as NamespaceDefinition[]) : [];
  const catalogue = buildCatalogue([...DEFAULT_NAMESPACES, ...rows]);
  for (const [stream, channel] of pairs(value, "TICKWIRE_RRR_STREAMS", problems)) {
    if (!STREAM_NAME.test(stream)) problems.push(`rrrStreams: "${stream}" is not a stream name (lower-case letters, digits, _).`);
    else if (typeof channel !== "string" || isChannelError(parseChannel(channel, catalogue, "user"))) problems.push(`rrrStreams: the channel of "${stream}" (${JSON.stringify(channel)}) is not a channel of the catalogue.`);
    else out[stream] = channel;
  }
  return out;
}

/** A URL path of plain segments, none of only dots (a trailing slash is dropped). */
const URL_PATH = /^(?=.{2,100}$)(\/(?!\.+(\/|$))[A-Za-z0-9_.-]+)+\/?$/;

/** True when `path` is `base` or below it. */
export function underPath(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
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
    if (!(key in DEFAULT_OPTIONS)) problems.push(unknownOption(key));
    else if (value !== undefined) raw[key] = value;
  }

  if (raw.mode !== "development" && raw.mode !== "production") problems.push(`mode must be "development" or "production".`);
  const dev = raw.mode !== "production";
  // Dev mode (generated credentials, the demo token) stays on this machine unless told otherwise.
  if (dev && input.host === undefined) raw.host = "127.0.0.1";
  if (typeof raw.host !== "string" || raw.host === "") problems.push("host must be a non-empty string.");

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
  if (typeof raw.resumeCheckpointMs === "number" && (raw.resumeCheckpointMs < 10 || raw.resumeCheckpointMs > 60_000)) problems.push("resumeCheckpointMs must be between 10 and 60000.");
  if (typeof raw.resumeWindowMs === "number" && raw.resumeWindowMs > 24 * 3_600_000) problems.push("resumeWindowMs must be at most 86400000 (24 h).");

  if (typeof raw.simulator === "string") switchOf(raw, "simulator", "TICKWIRE_SIMULATOR", problems);
  else if (input.simulator === undefined) raw.simulator = dev && input.jwtSecret === undefined;
  switchOf(raw, "legacyEvents", "TICKWIRE_LEGACY_EVENTS", problems);
  switchOf(raw, "simulatorOnDemand", "TICKWIRE_SIMULATOR_ON_DEMAND", problems);
  switchOf(raw, "feedOnDemand", "TICKWIRE_FEED_ON_DEMAND", problems);
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
  if (typeof raw.ingestStream !== "string" || raw.ingestStream.split(",").some((n) => n.trim() === "" || n.trim().length > 256)) problems.push("ingestStream must be one or more stream keys (1 to 256 characters each), comma-separated.");
  if (typeof raw.redisPrefix !== "string" || raw.redisPrefix === "") problems.push("redisPrefix must be a non-empty string.");
  if (typeof raw.feedReconnectMinMs === "number" && typeof raw.feedReconnectMaxMs === "number" && raw.feedReconnectMinMs > raw.feedReconnectMaxMs) {
    problems.push("feedReconnectMinMs must not exceed feedReconnectMaxMs.");
  }
  if (!isTier(raw.defaultTier)) problems.push(`defaultTier must be one of ${TIERS.join(", ")} (got ${JSON.stringify(raw.defaultTier)}).`);
  if (raw.proxyRpcMethodUrls !== DEFAULT_OPTIONS.proxyRpcMethodUrls) raw.proxyRpcMethodUrls = Object.freeze(parseMethodUrls(raw.proxyRpcMethodUrls, problems));
  if (raw.proxyRpcMethods !== DEFAULT_OPTIONS.proxyRpcMethods) raw.proxyRpcMethods = Object.freeze(parseMethodRules(raw.proxyRpcMethods, problems));
  if (raw.rrrStreams !== DEFAULT_OPTIONS.rrrStreams) raw.rrrStreams = Object.freeze(parseRrrStreams(raw.rrrStreams, raw.namespaces, problems));
  if (typeof raw.proxyRpcMaxInFlight === "number" && raw.proxyRpcMaxInFlight < 1) problems.push("proxyRpcMaxInFlight must be at least 1.");
  if (raw.simulatorOnDemand === true && Array.isArray(raw.occupancyNamespaces) && !raw.occupancyNamespaces.includes("quotes")) problems.push('simulatorOnDemand needs "quotes" among occupancyNamespaces.');
  if (typeof raw.occupancyDebounceMs === "number" && raw.occupancyDebounceMs > 600_000) problems.push("occupancyDebounceMs must be at most 600000.");
  if (typeof raw.proxyTimeoutMs === "number" && raw.proxyTimeoutMs < 1) problems.push("proxyTimeoutMs must be at least 1.");
  if (!Array.isArray(raw.proxySubscribeNamespaces) || raw.proxySubscribeNamespaces.some((n) => typeof n !== "string")) problems.push("proxySubscribeNamespaces must be a list of namespace names.");
  checkPresenceEventNamespaces(raw.presenceEventNamespaces, raw.namespaces, problems);
  if (!Array.isArray(raw.occupancyNamespaces) || raw.occupancyNamespaces.some((n) => typeof n !== "string" || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(n))) problems.push("occupancyNamespaces must be a list of namespace names.");
  for (const key of ["proxyRpcUrl", "proxySubscribeUrl", "proxyOccupancyUrl"] as const) {
    const v = raw[key];
    if (v !== undefined && (typeof v !== "string" || !HTTP_URL.test(v))) problems.push(`${key} must be an http(s):// URL.`);
  }
  for (const key of ["socketPath", "apiPrefix"] as const) {
    const v = raw[key];
    if (typeof v !== "string" || !URL_PATH.test(v)) problems.push(`${key} must be a path like "/realtime" (segments of letters, digits, "-", "_", "."; at most 100 characters), got ${JSON.stringify(v)}.`);
    else raw[key] = v.replace(/\/+$/, "");
  }
  if (typeof raw.socketPath === "string" && typeof raw.apiPrefix === "string" && (underPath(raw.socketPath, raw.apiPrefix) || underPath(raw.apiPrefix, raw.socketPath))) {
    problems.push(`socketPath "${raw.socketPath}" and apiPrefix "${raw.apiPrefix}" must not contain one another.`);
  }
  if (typeof raw.logLevel !== "string" || !LOG_LEVELS.includes(raw.logLevel)) problems.push(`logLevel must be one of ${LOG_LEVELS.join(", ")}.`);
  if (typeof raw.accessLogLevel !== "string" || !LOG_LEVELS.includes(raw.accessLogLevel)) problems.push(`accessLogLevel must be one of ${LOG_LEVELS.join(", ")}.`);
  if (!PROCESS_METRICS.includes(raw.processMetrics as string)) problems.push(`processMetrics must be one of ${PROCESS_METRICS.join(", ")} (got ${JSON.stringify(raw.processMetrics)}).`);
  if (raw.readinessFeeds !== "degraded" && raw.readinessFeeds !== "required") problems.push(`readinessFeeds must be "degraded" or "required" (got ${JSON.stringify(raw.readinessFeeds)}).`);
  if (typeof raw.readinessTimeoutMs === "number" && (raw.readinessTimeoutMs < 1 || raw.readinessTimeoutMs > 60_000)) problems.push("readinessTimeoutMs must be from 1 to 60000.");
  if (typeof raw.opsSampleMs === "number" && (raw.opsSampleMs < 100 || raw.opsSampleMs > 60_000)) problems.push("opsSampleMs must be from 100 to 60000.");
  if (typeof raw.readinessCacheMs === "number" && raw.readinessCacheMs > 60_000) problems.push("readinessCacheMs must be at most 60000.");

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
    ["ingestRedisClusterNodes", "ingestRedisUrl"],
  ] as const) {
    const v: unknown = raw[key];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length === 0 || v.length > 64) problems.push(`${key} must be a list of 1 to 64 host:port cluster nodes.`);
    else for (const node of v) if (typeof node !== "string" || parseClusterNode(node) === undefined) problems.push(`${key} entry "${String(node)}" is not host:port.`);
    if (raw[single] !== undefined) problems.push(`Set only one of ${single} and ${key}.`);
  }
  if (raw.redisSentinels !== undefined) {
    const v: unknown = raw.redisSentinels;
    if (!Array.isArray(v) || v.length === 0 || v.length > 16) problems.push("redisSentinels must be a list of 1 to 16 host:port sentinels.");
    else for (const node of v) if (typeof node !== "string" || parseClusterNode(node) === undefined) problems.push(`redisSentinels entry "${String(node)}" is not host:port.`);
    for (const other of ["redisUrl", "redisClusterNodes"] as const) if (raw[other] !== undefined) problems.push(`Set only one of ${other} and redisSentinels.`);
  }
  if (typeof raw.redisSentinelName !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(raw.redisSentinelName)) problems.push("redisSentinelName must be 1 to 64 letters, digits, '.', '_' or '-'.");
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
