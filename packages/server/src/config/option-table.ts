import { DEFAULT_NAMESPACES, DEFAULT_TIER, TIERS, type NamespaceDefinition } from "@tickwire/protocol";
import type { GatewayOptions } from "./options.js";
import { MAX_INPUT_DEPTH_CEILING, type PerTier, type RateLimitOptions, type RpcMethodRule } from "./option-types.js";

// The one table of options: a row per option of GatewayOptions with its variable, kind,
// bounds, default and doc line. DEFAULT_OPTIONS, the environment parsing, the per-option
// checks of resolveOptions and the tables of docs/configuration.md are all made from it,
// so a new option is one row here (and its field in GatewayOptions).

/** What every row has. */
interface RowBase<T> {
  /** The option's default: the only place it is written. */
  readonly default: T;
  /** The environment variable that sets it, when one does. */
  readonly env?: string;
  /** The meaning, as the configuration docs' table shows it (Markdown, one line). */
  readonly doc: string;
  /** The docs' default cell when the default depends on the mode or the machine (replaces the written-out default). */
  readonly defaultText?: string;
  /** Said after the written-out default in the docs (what the default means). */
  readonly defaultNote?: string;
}

/** A whole number, from `min` (0 unless given) to `max`; with `zeroOff`, 0 (off) too. */
export interface IntegerRow extends RowBase<number> {
  readonly kind: "integer";
  readonly min?: number;
  readonly max?: number;
  readonly zeroOff?: true;
}

/** `on`/`off` (also true/false, 1/0) in the environment, a boolean in code. */
export interface BooleanRow extends RowBase<boolean> {
  readonly kind: "boolean";
}

/** Free text; `nonEmpty` refuses "". */
export interface StringRow<T extends string | undefined> extends RowBase<T> {
  readonly kind: "string";
  readonly nonEmpty?: true;
  /** The value's syntax, when a string is not enough; refused as "must be `what`". */
  readonly syntax?: { readonly ok: (value: string) => boolean; readonly what: string };
}

/** One of `values`; `envOnly`: the environment values read, others ignored (NODE_ENV names more modes than ours). */
export interface EnumRow<T extends string> extends RowBase<T> {
  readonly kind: "enum";
  readonly values: readonly T[];
  readonly envOnly?: readonly T[];
}

/** Schemes a URL option accepts. */
export type UrlScheme = "http" | "postgres" | "redis" | "ws";

/** A URL of one scheme (with its TLS variant). */
export interface UrlRow extends RowBase<string | undefined> {
  readonly kind: "url";
  readonly scheme: UrlScheme;
}

/** A URL path of plain segments (`/realtime`); a trailing slash is dropped. */
export interface PathRow extends RowBase<string> {
  readonly kind: "path";
}

/** What each entry of a list must be. */
export type ListItem = "string" | "nonEmpty" | "namespace" | "proxy" | "clusterNode";

/** A list; comma-separated in the environment. */
export interface ListRow<T extends readonly string[] | undefined> extends RowBase<T> {
  readonly kind: "list";
  readonly item: ListItem;
  /** What the entries are, in the error message ("a list of …"). */
  readonly what: string;
  readonly minItems?: number;
  readonly maxItems?: number;
}

/** Whole numbers per tier: one for every tier or `tier=n,…`; tiers left out keep the default (else `base`). */
export interface PerTierRow<T extends PerTier<number> | undefined> extends RowBase<T> {
  readonly kind: "perTier";
  /** Unit in messages and the environment syntax (`tier=ms`). */
  readonly unit: string;
  readonly max?: number;
  /** What tiers left out get when the default is undefined (and what undefined means, in the docs). */
  readonly base?: PerTier<number>;
}

/** Event rates per tier: `rate:burst` for every tier or `tier=rate:burst,…`; tiers left out keep the default. */
export interface RateLimitRow<T extends Partial<PerTier<RateLimitOptions>> | undefined> extends RowBase<T> {
  readonly kind: "rateLimit";
  /** Each rate at least 1 and each burst at least its rate (the per-connection limit clamps instead). */
  readonly strict?: true;
}

/** Named entries, `name=value,…` in the environment, over the default's; `entries` names the check of one entry. */
export interface MapRow<T extends Readonly<Record<string, unknown>>> extends RowBase<T> {
  readonly kind: "map";
  readonly entries: "methodUrl" | "methodRule" | "rrrStream";
}

/** Namespace definitions added to the catalogue (checked when the catalogue is built). */
export interface CatalogueRow extends RowBase<readonly NamespaceDefinition[]> {
  readonly kind: "catalogue";
}

/** The rows an option of type T may have: a row's default must have the option's type. */
export type OptionRow<T> = [T] extends [number]
  ? IntegerRow
  : [T] extends [boolean]
    ? BooleanRow
    : [T] extends [string]
      ? string extends T
        ? StringRow<T> | PathRow | EnumRow<T>
        : EnumRow<T>
      : [T] extends [string | undefined]
        ? StringRow<T> | UrlRow
        : [T] extends [readonly string[] | undefined]
          ? ListRow<T>
          : [T] extends [PerTier<number> | undefined]
            ? PerTierRow<T>
            : [T] extends [readonly NamespaceDefinition[]]
              ? CatalogueRow
              : [T] extends [Readonly<Record<string, string>> | Readonly<Record<string, RpcMethodRule>>]
                ? MapRow<T>
                : [T] extends [Partial<PerTier<RateLimitOptions>> | undefined]
                  ? RateLimitRow<T>
                  : never;

/** One row for every option: leaving one out, or giving a default of another type, does not compile. */
export type OptionTable = { readonly [K in keyof GatewayOptions]: OptionRow<GatewayOptions[K]> };

/** Any row of the table. */
export type AnyOptionRow = OptionTable[keyof GatewayOptions];

const HOUR_MS = 3_600_000;
const MODES = ["development", "production"] as const;
/** pino's levels. */
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const PROCESS_METRICS = ["standard", "prefixed", "both", "off"] as const;
const READINESS_FEEDS = ["degraded", "required"] as const;
/** The catalogue's quote conflation: what tiers left out of `conflationMs` keep. */
const QUOTES_CONFLATION_MS = DEFAULT_NAMESPACES.find((ns) => ns.name === "quotes")?.conflationMs;

/** Every option: its variable, kind, bounds, default and doc line (docs/configuration.md is made from it). */
export const OPTION_TABLE: OptionTable = Object.freeze({
  port: { env: "TICKWIRE_PORT", kind: "integer", max: 65_535, default: 8080, doc: "HTTP + Socket.IO port (0 picks a free one)" },
  host: { env: "TICKWIRE_HOST", kind: "string", nonEmpty: true, default: "0.0.0.0", defaultText: "`0.0.0.0`; dev mode: `127.0.0.1`", doc: "bind address; dev mode binds the loopback interface only unless this is set (the generated credentials and the demo token stay on this machine)" },
  socketPath: { env: "TICKWIRE_SOCKET_PATH", kind: "path", default: "/socket.io", doc: "path of the Socket.IO endpoint; clients pass the same as their `path` option ([embedding.md](embedding.md))" },
  apiPrefix: { env: "TICKWIRE_API_PREFIX", kind: "path", default: "/api/v1", doc: "prefix of the HTTP API: `{apiPrefix}/publish`, `{apiPrefix}/stats`, …; `/api/v1/…` itself is then not served. Attached to an app's server, `/healthz`, `/readyz` and `/metrics` are under it too ([embedding.md](embedding.md))" },
  listenBacklog: { env: "TICKWIRE_LISTEN_BACKLOG", kind: "integer", min: 1, default: 511, doc: "connections the kernel queues for accept (capped by `net.core.somaxconn`); raise it for reconnect storms of many thousand clients ([scaling.md](scaling.md))" },
  admissionTurnMs: { env: "TICKWIRE_ADMISSION_TURN_MS", kind: "integer", min: 1, default: 40, doc: "when WebSocket upgrades, handshakes and client events queue up (a reconnect storm), the length a turn of the event loop is kept near: as many start per turn as fit, the others wait for the next turns, in order ([scaling.md](scaling.md))" },
  mode: { env: "NODE_ENV", kind: "enum", values: MODES, envOnly: ["production"], default: "development", doc: "`production` selects production mode (see above)" },
  jwtSecret: { env: "TICKWIRE_JWT_SECRET", kind: "string", default: undefined, defaultText: "dev mode: generated", doc: "HS256 secret for client tokens (≥ 16 characters in production)" },
  jwtPublicKey: { env: "TICKWIRE_JWT_PUBLIC_KEY", kind: "string", default: undefined, doc: "PEM public key: RS256 for RSA, ES256 for EC (`\\n` escapes accepted)" },
  jwksFile: { env: "TICKWIRE_JWKS_FILE", kind: "string", default: undefined, doc: "path of a JWKS JSON file (RS256/ES256, matched by `kid`)" },
  jwtAudience: { env: "TICKWIRE_JWT_AUDIENCE", kind: "string", default: undefined, doc: "required `aud`" },
  jwtIssuer: { env: "TICKWIRE_JWT_ISSUER", kind: "string", default: undefined, doc: "required `iss`" },
  jwtRequireExp: { env: "TICKWIRE_JWT_REQUIRE_EXP", kind: "boolean", default: true, doc: "`on`/`off`: refuse client tokens without `exp` (see [Tokens](#tokens))" },
  apiKeys: { env: "TICKWIRE_API_KEYS", kind: "list", item: "nonEmpty", what: "non-empty strings", default: Object.freeze([]), defaultText: "dev mode: generated", doc: "comma-separated publisher keys (compared in constant time)" },
  dataDir: { env: "TICKWIRE_DATA_DIR", kind: "string", default: "./data", doc: "folder of the embedded SQLite store" },
  databaseUrl: { env: "TICKWIRE_DATABASE_URL", kind: "url", scheme: "postgres", default: undefined, doc: "`postgres://…`: PostgreSQL instead of SQLite" },
  redisUrl: { env: "TICKWIRE_REDIS_URL", kind: "url", scheme: "redis", default: undefined, doc: "`redis://…`: multi-node mode (see scaling.md)" },
  redisClusterNodes: { env: "TICKWIRE_REDIS_CLUSTER_NODES", kind: "list", item: "clusterNode", what: "1 to 64 host:port cluster nodes", minItems: 1, maxItems: 64, default: undefined, doc: "comma-separated `host:port` of some Redis Cluster (Redis 7) nodes, the others are discovered: multi-node mode on a cluster instead of `redisUrl`; the engine uses sharded pub/sub, the connection leases and per-user budgets live there too ([scaling.md](scaling.md#redis-cluster))" },
  redisSentinels: { env: "TICKWIRE_REDIS_SENTINELS", kind: "list", item: "clusterNode", what: "1 to 16 host:port sentinels", minItems: 1, maxItems: 16, default: undefined, doc: "comma-separated `host:port` of Redis Sentinels: multi-node mode on the master they name for `redisSentinelName`, instead of `redisUrl`; engine, resumable sessions, connection leases and per-user budgets follow a failover to the promoted replica, at most an epoch change ([scaling.md](scaling.md#redis-sentinel))" },
  redisSentinelName: { env: "TICKWIRE_REDIS_SENTINEL_NAME", kind: "string", nonEmpty: true, syntax: { ok: (v) => /^[A-Za-z0-9._-]{1,64}$/.test(v), what: "1 to 64 letters, digits, '.', '_' or '-'" }, default: "mymaster", doc: "the master group the sentinels watch (`sentinel monitor <name> …`): 1 to 64 letters, digits, `.`, `_`, `-`" },
  redisPrefix: { env: "TICKWIRE_REDIS_PREFIX", kind: "string", nonEmpty: true, default: "tw:", doc: "prefix of the multi-node engine's Redis keys and pub/sub channels; every node of one deployment uses the same ([scaling.md](scaling.md#keys-and-scripts))" },
  redisCommandTimeoutMs: { env: "TICKWIRE_REDIS_COMMAND_TIMEOUT_MS", kind: "integer", min: 100, max: 600_000, zeroOff: true, default: 5000, doc: "longest wait for Redis to answer one engine command: a Redis that stops answering without closing the connection (a partition, a frozen host) fails publishes and subscribes with `UNAVAILABLE` after it instead of holding them ([scaling.md](scaling.md#many-nodes))" },
  simulator: { env: "TICKWIRE_SIMULATOR", kind: "boolean", default: false, defaultText: "`on` in dev mode", doc: "`on`/`off`: simulated market and demo account" },
  legacyEvents: { env: "TICKWIRE_LEGACY_EVENTS", kind: "boolean", default: true, doc: "`on`/`off`: accept the client events of the platforms Tickwire replaces ([legacy-clients.md](legacy-clients.md)); `off` answers them `UNKNOWN_EVENT`" },
  corsOrigins: { env: "TICKWIRE_CORS_ORIGINS", kind: "list", item: "string", what: "origins", default: Object.freeze([]), defaultText: "dev mode: `*`", doc: "comma-separated browser origins, `*` for any" },
  ingestRedisUrl: { env: "TICKWIRE_INGEST_REDIS_URL", kind: "url", scheme: "redis", default: undefined, doc: "consume publications from a Redis stream" },
  ingestRedisClusterNodes: { env: "TICKWIRE_INGEST_REDIS_CLUSTER_NODES", kind: "list", item: "clusterNode", what: "1 to 64 host:port cluster nodes", minItems: 1, maxItems: 64, default: undefined, doc: "the same from a Redis Cluster (it may be the engine's): comma-separated `host:port` of some of its nodes, instead of `ingestRedisUrl`; one read loop per hash tag ([streams.md](streams.md#ingest-redis-stream))" },
  ingestStream: { env: "TICKWIRE_INGEST_STREAM", kind: "string", nonEmpty: true, syntax: { ok: (v) => v.split(",").every((n) => n.trim() !== "" && n.trim().length <= 256), what: "one or more stream keys (1 to 256 characters each), comma-separated" }, default: "tickwire:ingest", doc: "the stream's name, or several, comma-separated" },
  ingestGroup: { env: "TICKWIRE_INGEST_GROUP", kind: "string", nonEmpty: true, default: "tickwire", doc: "consumer group of the Redis stream ingest (nodes of one deployment share it)" },
  ingestConsumer: { env: "TICKWIRE_INGEST_CONSUMER", kind: "string", default: undefined, defaultText: "the host name", doc: "consumer name in that group; keep it stable across restarts" },
  feedUrl: { env: "TICKWIRE_FEED_URL", kind: "url", scheme: "ws", default: undefined, doc: "consume publications from an upstream WebSocket feed" },
  feedReconnectMinMs: { env: "TICKWIRE_FEED_RECONNECT_MIN_MS", kind: "integer", default: 500, doc: "first reconnect delay of the upstream feed (doubles per failure, with jitter)" },
  feedReconnectMaxMs: { env: "TICKWIRE_FEED_RECONNECT_MAX_MS", kind: "integer", default: 30_000, doc: "longest reconnect delay of the upstream feed" },
  conflationMs: { env: "TICKWIRE_CONFLATION_MS", kind: "perTier", unit: "ms", base: QUOTES_CONFLATION_MS, default: undefined, doc: "quote conflation per tier: `ms` for all tiers or `tier=ms,…` (0 = every update)" },
  stateBacklogPackets: { env: "TICKWIRE_STATE_BACKLOG_PACKETS", kind: "integer", default: 64, doc: "queued packets from which a socket's state publications are held, latest wins, until it drains" },
  maxQueuedPackets: { env: "TICKWIRE_MAX_QUEUED_PACKETS", kind: "integer", default: 4096, doc: "queued packets at which an event publication disconnects the socket with `SLOW_CONSUMER`" },
  stateBacklogBytes: { env: "TICKWIRE_STATE_BACKLOG_BYTES", kind: "integer", default: 256 * 1024, doc: "queued bytes from which a socket's state publications are held, latest wins, until it drains" },
  maxQueuedBytes: { env: "TICKWIRE_MAX_QUEUED_BYTES", kind: "integer", default: 8 * 1024 * 1024, doc: "queued bytes at which an event publication disconnects the socket with `SLOW_CONSUMER` (keep it above `maxRecoveryPublications` × your larger events)" },
  // At most a second: a write window is a coalescing delay, not a conflation interval.
  writeWindowMs: { env: "TICKWIRE_WRITE_WINDOW_MS", kind: "perTier", unit: "ms", max: 1000, default: Object.freeze({ navigator: 0, participant: 0, builder: 0, operator: 0 }), defaultNote: "(off)", doc: "write window of state-channel publications per tier: `ms` for all tiers or `tier=ms,…`: a connection's frames wait up to this long so that publications of later turns share one write; trades, notifications and replies never wait ([benchmarks.md](benchmarks.md) for what it costs)" },
  sessionRedisUrl: { env: "TICKWIRE_SESSION_REDIS_URL", kind: "url", scheme: "redis", default: undefined, doc: "resolve `auth: { sessionID }` from express-session JSON in Redis" },
  sessionRedisClusterNodes: { env: "TICKWIRE_SESSION_REDIS_CLUSTER_NODES", kind: "list", item: "clusterNode", what: "1 to 64 host:port cluster nodes", minItems: 1, maxItems: 64, default: undefined, doc: "the same from a Redis Cluster: comma-separated `host:port` of some of its nodes, instead of `sessionRedisUrl`" },
  sessionPrefix: { env: "TICKWIRE_SESSION_PREFIX", kind: "string", default: "sess:", doc: "key prefix of those sessions" },
  sessionUrl: { env: "TICKWIRE_SESSION_URL", kind: "url", scheme: "http", default: undefined, doc: "resolve session ids by `GET {url}?sessionID=…` (timeout + circuit breaker)" },
  sessionTimeoutMs: { env: "TICKWIRE_SESSION_TIMEOUT_MS", kind: "integer", default: 2000, doc: "time allowed for one session lookup" },
  defaultTier: { env: "TICKWIRE_DEFAULT_TIER", kind: "enum", values: TIERS, default: DEFAULT_TIER, doc: "tier of tokens without a `tier` claim and of sessions without a tier (the session backend's answer may carry `tier` and `roles`)" },
  proxyRpcUrl: { env: "TICKWIRE_PROXY_RPC_URL", kind: "url", scheme: "http", default: undefined, defaultNote: "(`rpc` answers `NOT_FOUND`)", doc: "RPC proxy: client calls (`rpc`, the trade copier's `execute:trade`, MyStocks' `request`) are POSTed here with the caller's identity ([backend-hooks.md](backend-hooks.md))" },
  proxyRpcMethodUrls: { env: "TICKWIRE_PROXY_RPC_METHOD_URLS", kind: "map", entries: "methodUrl", default: Object.freeze({}), doc: "per-method RPC URLs, `method=url,…`, used instead of `proxyRpcUrl` for those methods" },
  proxyRpcMethods: { env: "TICKWIRE_PROXY_RPC_METHODS", kind: "map", entries: "methodRule", default: Object.freeze({ "execute:trade": Object.freeze({ roles: Object.freeze(["admin"]) }) }), doc: "per-method gates, `method=tier`, `method=@role`, `method=tier\\|@role\\|@role` (any one admits), `method=any`; `*` for methods not listed; a method without a rule is forwarded for every caller, and the backend decides" },
  proxyRpcMaxInFlight: { env: "TICKWIRE_PROXY_RPC_MAX_IN_FLIGHT", kind: "integer", min: 1, default: 8, doc: "RPC calls one connection may have waiting on the backend; more are `LIMIT_EXCEEDED` (calls also count toward `rateLimit` like every event)" },
  proxySubscribeUrl: { env: "TICKWIRE_PROXY_SUBSCRIBE_URL", kind: "url", scheme: "http", default: undefined, defaultNote: "(off)", doc: "subscribe proxy: asked whether a user may subscribe a channel, after Tickwire's own rules; a refusal is `FORBIDDEN` with the backend's message ([backend-hooks.md](backend-hooks.md))" },
  proxySubscribeNamespaces: { env: "TICKWIRE_PROXY_SUBSCRIBE_NAMESPACES", kind: "list", item: "string", what: "namespace names", default: Object.freeze([]), defaultNote: "(every namespace)", doc: "comma-separated namespaces the subscribe proxy is asked about" },
  proxySubscribeCacheMs: { env: "TICKWIRE_PROXY_SUBSCRIBE_CACHE_MS", kind: "integer", default: 10_000, doc: "how long a decision (allowed or refused) is reused for the same user and channel; 0: never; failures are never cached" },
  // At least 100 ms when on: a refresh every few milliseconds would be a load test of the backend, not a check.
  proxySubscribeRefreshMs: { env: "TICKWIRE_PROXY_SUBSCRIBE_REFRESH_MS", kind: "integer", min: 100, max: 86_400_000, zeroOff: true, default: 0, defaultNote: "(off)", doc: "live subscriptions the subscribe proxy admitted are asked about again after this long (a refusal ends them, a backend that cannot answer keeps them); the backend may name its own `refreshAfterMs` ([backend-hooks.md](backend-hooks.md#refresh))" },
  proxyTimeoutMs: { env: "TICKWIRE_PROXY_TIMEOUT_MS", kind: "integer", min: 1, default: 5000, doc: "time allowed for one backend proxy call (connection to last byte); each proxy URL has its own circuit breaker (opens at 50 % failures of at least 5 calls, tries again after 10 s)" },
  proxyOccupancyUrl: { env: "TICKWIRE_PROXY_OCCUPANCY_URL", kind: "url", scheme: "http", default: undefined, defaultNote: "(off)", doc: "occupancy hook: `{ channel, namespace, occupied, ts, traceId }` is POSTed once per transition, when a channel gets its first subscriber anywhere and when its last one leaves; failures are logged and counted, never retried, never hold a subscribe ([backend-hooks.md](backend-hooks.md#occupancy-hook))" },
  occupancyNamespaces: { env: "TICKWIRE_OCCUPANCY_NAMESPACES", kind: "list", item: "namespace", what: "namespace names", default: Object.freeze(["quotes"]), doc: "comma-separated namespaces whose channels' occupancy is followed (the hook, the simulator and the upstream feed on demand)" },
  presenceEventNamespaces: { env: "TICKWIRE_PRESENCE_EVENT_NAMESPACES", kind: "list", item: "namespace", what: "namespace names", default: Object.freeze([]), defaultNote: "(none)", doc: "comma-separated namespaces (each must keep presence) whose subscribers from the presence tier up get `presence:join` and `presence:leave` ([protocol.md](protocol.md#presence-events-extension)); a catalogue row may set `presence.events` instead" },
  occupancyDebounceMs: { env: "TICKWIRE_OCCUPANCY_DEBOUNCE_MS", kind: "integer", max: 600_000, default: 2000, doc: "how long a channel must stay occupied or vacated before it is announced: an unsubscribe and subscribe inside it announce nothing" },
  simulatorOnDemand: { env: "TICKWIRE_SIMULATOR_ON_DEMAND", kind: "boolean", default: false, doc: "`on`/`off`: the simulator quotes a symbol only while its `quotes:` channel is occupied (someone anywhere subscribes it; `quotes` must be in `occupancyNamespaces`)" },
  feedOnDemand: { env: "TICKWIRE_FEED_ON_DEMAND", kind: "boolean", default: false, doc: "`on`/`off`: the upstream feed is sent `{ \"type\": \"subscribe\", \"channel\" }` when a channel of `occupancyNamespaces` gets its first subscriber anywhere and `{ \"type\": \"unsubscribe\", \"channel\" }` when its last one left, and the channels occupied at each (re)connect ([streams.md](streams.md#ingest-upstream-websocket-feed))" },
  rrrStreams: { env: "TICKWIRE_RRR_STREAMS", kind: "map", entries: "rrrStream", default: Object.freeze({ trade_feed: "trades", portfolio_update: "portfolio", ai_decision: "ai", performance_metrics: "metrics" }), defaultNote: "(each viewer's own)", doc: "RRRalgorithms stream names mapped onto channels, `stream=channel,…`, over the defaults; e.g. `trade_feed=feed:fund,portfolio_update=board:fund` shows one fund to every viewer (public channels, [legacy-clients.md](legacy-clients.md#rrralgorithms-004)); a new stream name adds a stream" },
  logLevel: { env: "TICKWIRE_LOG_LEVEL", kind: "enum", values: LOG_LEVELS, default: "info", doc: "pino level (`fatal` … `trace`, `silent`)" },
  accessLogLevel: { env: "TICKWIRE_ACCESS_LOG_LEVEL", kind: "enum", values: LOG_LEVELS, default: "info", doc: "level of the access lines: one per HTTP request, one per connection opened and closed ([operations.md](operations.md#logs)); `silent` turns them off, a level below `logLevel` hides them" },
  processMetrics: { env: "TICKWIRE_PROCESS_METRICS", kind: "enum", values: PROCESS_METRICS, default: "standard", doc: "Node.js process metrics on `/metrics`: `standard` (their usual names, `process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, …, which the common Node.js dashboards read), `prefixed` (`tickwire_process_…`, as before), `both`, `off` ([operations.md](operations.md#metrics))" },
  readinessTimeoutMs: { env: "TICKWIRE_READINESS_TIMEOUT_MS", kind: "integer", min: 1, max: 60_000, default: 1000, doc: "longest wait for one `/readyz` check (store, engine, session backend, feeds: each makes a round trip); a check that takes longer fails" },
  readinessCacheMs: { env: "TICKWIRE_READINESS_CACHE_MS", kind: "integer", max: 60_000, default: 1000, doc: "how long a `/readyz` report is reused before the checks run again (0: every request probes)" },
  readinessFeeds: { env: "TICKWIRE_READINESS_FEEDS", kind: "enum", values: READINESS_FEEDS, default: "degraded", doc: "`degraded`: a shared upstream feed (WebSocket feed, Redis ingest) whose breaker is open is reported in the `/readyz` body (`status: \"degraded\"`) and readiness stays 200; `required`: it makes `/readyz` 503 ([operations.md](operations.md#readiness))" },
  opsSampleMs: { kind: "integer", min: 100, max: 60_000, default: 5000, doc: "sampling interval of the ops page's time series: one point per interval, the last 10 minutes kept" },
  dashboardDir: { env: "TICKWIRE_DASHBOARD_DIR", kind: "string", default: undefined, defaultText: "`apps/dashboard/dist`", doc: "folder of the built dashboard served at `/`" },
  maxConnectionsPerUser: { env: "TICKWIRE_MAX_CONNECTIONS_PER_USER", kind: "integer", min: 1, default: 5, doc: "connections one user may hold" },
  maxSubscriptions: { kind: "perTier", unit: "subscriptions", default: Object.freeze({ navigator: 10, participant: 50, builder: 200, operator: 1000 }), doc: "quote channels one connection may watch, per tier" },
  rateLimit: { env: "TICKWIRE_RATE_LIMIT", kind: "rateLimit", default: Object.freeze({ navigator: Object.freeze({ eventsPerSecond: 50, burst: 100 }), participant: Object.freeze({ eventsPerSecond: 50, burst: 100 }), builder: Object.freeze({ eventsPerSecond: 50, burst: 100 }), operator: Object.freeze({ eventsPerSecond: 50, burst: 100 }), }), doc: "inbound events per connection: `rate:burst` for all tiers or `tier=rate:burst,…`" },
  userRateLimit: { env: "TICKWIRE_USER_RATE_LIMIT", kind: "rateLimit", strict: true, default: undefined, defaultNote: "(off)", doc: "inbound events per user across all its connections (and nodes, with `redisUrl` or `redisClusterNodes`): `rate:burst` for all tiers or `tier=rate:burst,…` (tiers left out have no per-user budget) ([scaling.md](scaling.md#limits-across-nodes))" },
  connectionLeaseTtlMs: { env: "TICKWIRE_CONNECTION_LEASE_TTL_MS", kind: "integer", min: 3, default: 30_000, doc: "with `redisUrl` or `redisClusterNodes`: how long a node's connection lease and presence entries outlive its last renewal (leases renewed every third of it, presence entries every sixth); a dead node's connections stop counting, and leave presence (with `presence:leave` where presence events are on), within it" },
  expectedNodes: { env: "TICKWIRE_EXPECTED_NODES", kind: "integer", min: 1, default: 1, doc: "with `redisUrl` or `redisClusterNodes`: nodes in the deployment; while Redis is unreachable each node allows `1/expectedNodes` of a user's `userRateLimit`" },
  maxEventBytes: { env: "TICKWIRE_MAX_EVENT_BYTES", kind: "integer", default: 64 * 1024, doc: "largest client event answered normally (else `PAYLOAD_TOO_LARGE`)" },
  maxFrameBytes: { kind: "integer", default: 1024 * 1024, doc: "largest transport frame; a larger one closes the connection" },
  maxPublicationBytes: { env: "TICKWIRE_MAX_PUBLICATION_BYTES", kind: "integer", default: 64 * 1024, doc: "largest publication `data`" },
  maxBodyBytes: { kind: "integer", default: 8 * 1024 * 1024, doc: "largest HTTP body, also the largest Redis ingest entry and upstream feed message" },
  maxAuthFailuresPerMinute: { env: "TICKWIRE_MAX_AUTH_FAILURES_PER_MINUTE", kind: "integer", default: 30, doc: "refused credentials (401) one client address may send to the HTTP API per minute; beyond it every `/api/` route answers 429 to that address for a minute (0: off; see [Behind a reverse proxy](#behind-a-reverse-proxy))" },
  trustedProxies: { env: "TICKWIRE_TRUSTED_PROXIES", kind: "list", item: "proxy", what: "addresses", default: Object.freeze([]), defaultNote: "(none: the socket address is the client's)", doc: "comma-separated reverse proxies (IP addresses, CIDR ranges, `loopback`, `linklocal`, `uniquelocal`) whose `X-Forwarded-For` names the client address" },
  maxInputDepth: { env: "TICKWIRE_MAX_INPUT_DEPTH", kind: "integer", min: 1, max: MAX_INPUT_DEPTH_CEILING, default: 32, doc: "deepest nesting of objects and arrays in any input: publication and notification `data`, client event payloads ([errors.md](errors.md#limits))" },
  idempotencyTtlMs: { env: "TICKWIRE_IDEMPOTENCY_TTL_MS", kind: "integer", default: 24 * HOUR_MS, doc: "how long an idempotency key is remembered" },
  namespaces: { kind: "catalogue", default: Object.freeze([]), defaultText: "none", doc: "rows added to (or replacing rows of) the namespace catalogue ([protocol.md](protocol.md))" },
  shutdownTimeoutMs: { env: "TICKWIRE_SHUTDOWN_TIMEOUT_MS", kind: "integer", default: 10_000, doc: "graceful shutdown budget: the sequence ends within it (exit 0), a forced exit (1) after it ([troubleshooting.md](troubleshooting.md#shutdown))" },
  reconnectAfterMs: { kind: "integer", default: 1000, doc: "sent in `server:shutdown`: how long clients wait before they reconnect" },
  maxRecoveryPublications: { kind: "integer", default: 1000, doc: "largest number of publications replayed on one recovery" },
  resumeWindowMs: { env: "TICKWIRE_RESUME_WINDOW_MS", kind: "integer", max: 24 * HOUR_MS, default: 120_000, doc: "how long after its connection closed a Socket.IO client's session resumes: its subscriptions and what it missed, once, in order ([protocol.md](protocol.md#resuming-a-session-extension)); later it starts fresh (`resync`); 0 turns resumption off" },
  resumeCheckpointMs: { env: "TICKWIRE_RESUME_CHECKPOINT_MS", kind: "integer", min: 10, max: 60_000, default: 1000, doc: "how often open resumable sessions are saved to the store: what a crash (SIGKILL) leaves, and the bound on what it may replay twice" },
  notificationDedupWindowMs: { env: "TICKWIRE_NOTIFICATION_DEDUP_WINDOW_MS", kind: "integer", default: 120_000, doc: "same user, type and `dedupKey` (or content) inside it is stored and delivered once" },
  notificationRetentionMs: { env: "TICKWIRE_NOTIFICATION_RETENTION_MS", kind: "integer", default: 30 * 24 * HOUR_MS, doc: "notifications older than this are deleted" },
  notificationMaxPerUser: { env: "TICKWIRE_NOTIFICATION_MAX_PER_USER", kind: "integer", min: 1, default: 1000, doc: "inbox size; beyond it the oldest read go first, then the oldest unread" },
});
