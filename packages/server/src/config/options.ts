import type { NamespaceDefinition, Tier } from "@tickwire/protocol";

/** Per-tier numbers. */
export type PerTier<T> = Readonly<Record<Tier, T>>;

/** Inbound event rate limit of one connection. */
export interface RateLimitOptions {
  /** Sustained events per second. @default 50 */
  readonly eventsPerSecond: number;
  /** Events allowed in a burst above the sustained rate. @default 100 */
  readonly burst: number;
}

/**
 * Who may call an RPC method: a tier reaching `minTier`, or one of `roles`.
 * A rule with neither admits everyone; one with only roles admits those roles only.
 */
export interface RpcMethodRule {
  readonly minTier?: Tier | undefined;
  readonly roles?: readonly string[] | undefined;
}

/** Everything a gateway can be configured with. Defaults live in DEFAULT_OPTIONS. */
export interface GatewayOptions {
  /** HTTP + Socket.IO port; 0 picks a free one. @default 8080 */
  readonly port: number;
  /** Bind address; dev mode binds the loopback interface only unless TICKWIRE_HOST says otherwise. @default "0.0.0.0" in production, "127.0.0.1" in dev mode */
  readonly host: string;
  /** Path of the Socket.IO endpoint (clients pass the same `path`). @default "/socket.io" */
  readonly socketPath: string;
  /** Prefix of the HTTP API (`{apiPrefix}/publish`, …); attached to an app's server, the ops endpoints live under it too. @default "/api/v1" */
  readonly apiPrefix: string;
  /** Length (ms) the gateway keeps a turn of its event loop near when handshakes and client events queue up (a reconnect storm): it starts as many per turn as fit, the others wait for the next turns, in order. @default 40 */
  readonly admissionTurnMs: number;
  /** Connections the kernel queues for accept; a reconnect storm of many clients at once needs more than the default (capped by net.core.somaxconn). @default 511 */
  readonly listenBacklog: number;
  /** `production` refuses to start without a secret and API keys. @default "development" unless NODE_ENV=production */
  readonly mode: "development" | "production";
  /** HS256 secret for client tokens. @default random in dev mode */
  readonly jwtSecret: string | undefined;
  /** PEM public key (RS256/ES256) instead of a secret. @default undefined */
  readonly jwtPublicKey: string | undefined;
  /** Path of a JWKS JSON file instead of a secret. @default undefined */
  readonly jwksFile: string | undefined;
  /** Checked when set. @default undefined */
  readonly jwtAudience: string | undefined;
  /** Checked when set. @default undefined */
  readonly jwtIssuer: string | undefined;
  /** Refuse client tokens without `exp` (they would be valid forever); off only for identity providers that cannot set it. @default true */
  readonly jwtRequireExp: boolean;
  /** Keys accepted by the HTTP API. @default one random key in dev mode */
  readonly apiKeys: readonly string[];
  /** Where the embedded SQLite store lives. @default "./data" */
  readonly dataDir: string;
  /** PostgreSQL instead of SQLite. @default undefined */
  readonly databaseUrl: string | undefined;
  /** Multi-node mode through Redis. @default undefined */
  readonly redisUrl: string | undefined;
  /** Multi-node mode through a Redis Cluster (Redis 7): some of its nodes as `host:port`, instead of redisUrl; engine, connection leases and user budgets live on it. @default undefined */
  readonly redisClusterNodes: readonly string[] | undefined;
  /** Multi-node mode through Redis Sentinel, instead of redisUrl: the sentinels as `host:port`; they name the master of redisSentinelName, and a failover moves every node to the promoted replica. @default undefined */
  readonly redisSentinels: readonly string[] | undefined;
  /** The master group the sentinels of redisSentinels watch. @default "mymaster" */
  readonly redisSentinelName: string;
  /** Prefix of the multi-node engine's Redis keys and pub/sub channels; nodes of one deployment share it. @default "tw:" */
  readonly redisPrefix: string;
  /** Built-in simulated market and demo account. @default true in dev mode */
  readonly simulator: boolean;
  /** Accept the client events of the platforms Tickwire replaces (docs/legacy-clients.md); off: they are UNKNOWN_EVENT. @default true */
  readonly legacyEvents: boolean;
  /** Allowed browser origins; `*` allows any. @default ["*"] in dev mode, [] in production */
  readonly corsOrigins: readonly string[];
  /** Redis stream ingest. @default undefined */
  readonly ingestRedisUrl: string | undefined;
  /** Redis stream ingest from a Redis Cluster instead of `ingestRedisUrl`: some of its nodes, `host:port` (may be the engine's `redisClusterNodes`). @default undefined */
  readonly ingestRedisClusterNodes: readonly string[] | undefined;
  /** Stream key of the Redis stream ingest; several, comma-separated, are read together (on a cluster one read per hash tag). @default "tickwire:ingest" */
  readonly ingestStream: string;
  /** Consumer group of the Redis stream ingest; nodes of one deployment share it. @default "tickwire" */
  readonly ingestGroup: string;
  /** Consumer name in the group; keep it stable across restarts so unacknowledged entries are picked up again. @default the host name */
  readonly ingestConsumer: string | undefined;
  /** Upstream WebSocket feed. @default undefined */
  readonly feedUrl: string | undefined;
  /** First reconnect delay of the upstream feed; doubles per failed attempt, with jitter. @default 500 */
  readonly feedReconnectMinMs: number;
  /** Longest reconnect delay of the upstream feed. @default 30000 */
  readonly feedReconnectMaxMs: number;
  /** Per-tier conflation interval (ms) of conflated namespaces (quotes), overriding the catalogue; 0 = every update. @default undefined (navigator 1000, participant 250, builder 100, operator 0) */
  readonly conflationMs: PerTier<number> | undefined;
  /** Queued packets from which a socket is backed up: its state publications are held (latest wins) until it drains. @default 64 */
  readonly stateBacklogPackets: number;
  /** Queued packets at which an event publication disconnects the socket with SLOW_CONSUMER. @default 4096 */
  readonly maxQueuedPackets: number;
  /** Queued bytes from which a socket is backed up: its state publications are held (latest wins) until it drains. @default 262144 (256 KiB) */
  readonly stateBacklogBytes: number;
  /** Queued bytes at which an event publication disconnects the socket with SLOW_CONSUMER (keep it above maxRecoveryPublications × your larger events). @default 8388608 (8 MiB) */
  readonly maxQueuedBytes: number;
  /** Per-tier write window (ms) of state-channel publications: a connection's frames wait up to this long so that publications of later turns share one write; 0 = every turn's frames leave at its end. Other frames are never held. @default 0 for every tier */
  readonly writeWindowMs: PerTier<number>;
  /** Session resolver: express-session JSON in Redis under `{sessionPrefix}{id}`. @default undefined */
  readonly sessionRedisUrl: string | undefined;
  /** Session resolver on a Redis Cluster: some of its nodes as `host:port`, instead of sessionRedisUrl. @default undefined */
  readonly sessionRedisClusterNodes: readonly string[] | undefined;
  /** @default "sess:" */
  readonly sessionPrefix: string;
  /** Session resolver: HTTP endpoint called with the session id. @default undefined */
  readonly sessionUrl: string | undefined;
  /** @default 2000 */
  readonly sessionTimeoutMs: number;
  /** Tier of tokens and sessions that carry none. @default "navigator" */
  readonly defaultTier: Tier;
  /** RPC proxy: client calls (`rpc`, the trade copier's `execute:trade`, MyStocks' `request`) are POSTed here (docs/backend-hooks.md). @default undefined (off: UNAVAILABLE) */
  readonly proxyRpcUrl: string | undefined;
  /** Per-method RPC proxy URLs, used instead of proxyRpcUrl for their methods. @default {} */
  readonly proxyRpcMethodUrls: Readonly<Record<string, string>>;
  /** Per-method gates of the RPC proxy (`*`: methods not listed); a method without a rule is forwarded for every caller. @default { "execute:trade": { roles: ["admin"] } } */
  readonly proxyRpcMethods: Readonly<Record<string, RpcMethodRule>>;
  /** RPC calls one connection may have waiting on the backend at once; more are LIMIT_EXCEEDED. @default 8 */
  readonly proxyRpcMaxInFlight: number;
  /** Subscribe proxy: asked whether a user may subscribe a channel, after Tickwire's own rules (docs/backend-hooks.md). @default undefined (off) */
  readonly proxySubscribeUrl: string | undefined;
  /** Namespaces the subscribe proxy is asked about; empty: every namespace. @default [] */
  readonly proxySubscribeNamespaces: readonly string[];
  /** How long a subscribe proxy decision (allowed or refused) is reused for the same user and channel; 0: never. @default 10000 */
  readonly proxySubscribeCacheMs: number;
  /** Time allowed for one call of a backend proxy. @default 5000 */
  readonly proxyTimeoutMs: number;
  /** Occupancy hook: told when a channel gets its first subscriber anywhere and when its last one leaves (docs/backend-hooks.md). @default undefined (off) */
  readonly proxyOccupancyUrl: string | undefined;
  /** Namespaces whose channels' occupancy is followed (the hook, the simulator and the feed on demand). @default ["quotes"] */
  readonly occupancyNamespaces: readonly string[];
  /** Namespaces (with presence) whose subscribers get `presence:join` and `presence:leave`, on top of the catalogue rows that set `presence.events`. @default [] */
  readonly presenceEventNamespaces: readonly string[];
  /** How long a channel must stay occupied or vacated before it is announced (a quick unsubscribe and subscribe announces nothing). @default 2000 */
  readonly occupancyDebounceMs: number;
  /** The simulator quotes only symbols whose `quotes:` channel is occupied. @default false */
  readonly simulatorOnDemand: boolean;
  /** The upstream feed is sent `{ "type": "subscribe" | "unsubscribe", "channel" }` on occupancy changes (docs/streams.md). @default false */
  readonly feedOnDemand: boolean;
  /** RRRalgorithms stream names → channels (docs/legacy-clients.md); given entries replace the defaults of the same stream. @default { trade_feed: "trades", portfolio_update: "portfolio", ai_decision: "ai", performance_metrics: "metrics" } */
  readonly rrrStreams: Readonly<Record<string, string>>;
  /** pino level. @default "info" */
  readonly logLevel: string;
  /** Level of the access lines: one per HTTP request and one per connection opened or closed; `silent` turns them off. @default "info" */
  readonly accessLogLevel: string;
  /** Node.js process metrics (CPU, memory, event loop, GC): `standard` under their usual names (what the common Node.js dashboards read), `prefixed` with `tickwire_`, `both`, or `off`. @default "standard" */
  readonly processMetrics: "standard" | "prefixed" | "both" | "off";
  /** Longest wait for one `/readyz` check (store, engine, session backend, feeds); a check that takes longer fails. @default 1000 */
  readonly readinessTimeoutMs: number;
  /** How long a `/readyz` report is reused before the checks run again; 0 probes on every request. @default 1000 */
  readonly readinessCacheMs: number;
  /** `/readyz` and the upstream feeds every node shares (upstream WebSocket, Redis ingest): `degraded` reports a failing feed in the body and stays 200, `required` answers 503. @default "degraded" */
  readonly readinessFeeds: "degraded" | "required";
  /** Sampling interval of the ops page's time series (the last 10 minutes are kept). @default 5000 */
  readonly opsSampleMs: number;
  /** Folder with the built dashboard, served at `/`. @default the dashboard app's dist folder */
  readonly dashboardDir: string | undefined;
  /** Connections one user may hold at once. @default 5 */
  readonly maxConnectionsPerUser: number;
  /** Quote subscriptions per connection, per tier. @default { navigator: 10, participant: 50, builder: 200, operator: 1000 } */
  readonly maxSubscriptions: PerTier<number>;
  /** Inbound event rate limit per connection, per tier. @default 50/s, burst 100 for every tier */
  readonly rateLimit: PerTier<RateLimitOptions>;
  /** Inbound event budget per user across all its connections (and nodes, with redisUrl), per tier; tiers left out have none. @default undefined (off) */
  readonly userRateLimit: Partial<PerTier<RateLimitOptions>> | undefined;
  /** With redisUrl or redisClusterNodes: how long a node's connection lease and presence entries outlive its last renewal (renewed every third of it), so a dead node's connections stop counting and leave presence. @default 30000 */
  readonly connectionLeaseTtlMs: number;
  /** With redisUrl: nodes in the deployment; while Redis is unreachable each node allows 1/expectedNodes of a user's userRateLimit. @default 1 */
  readonly expectedNodes: number;
  /** Largest client event payload answered normally; larger ones get PAYLOAD_TOO_LARGE. @default 65536 */
  readonly maxEventBytes: number;
  /** Largest transport frame; larger ones close the connection. @default 1048576 */
  readonly maxFrameBytes: number;
  /** Largest publication `data` accepted from publishers. @default 65536 */
  readonly maxPublicationBytes: number;
  /** Largest HTTP body. @default 8388608 */
  readonly maxBodyBytes: number;
  /** Refused credentials (401) one address may send to the HTTP API per minute before it gets 429 for a minute; 0 turns the guard off. @default 30 */
  readonly maxAuthFailuresPerMinute: number;
  /** Reverse proxies (IP addresses, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`) whose `X-Forwarded-For` names the client address; none: the socket address is the client's. @default [] */
  readonly trustedProxies: readonly string[];
  /** Deepest nesting of objects and arrays in any input (publication and notification data, client event payloads); at most 256. @default 32 */
  readonly maxInputDepth: number;
  /** How long an idempotency key is remembered. @default 86400000 (24 h) */
  readonly idempotencyTtlMs: number;
  /** Deployment namespaces added to (or replacing rows of) the default catalogue. @default [] */
  readonly namespaces: readonly NamespaceDefinition[];
  /** Time allowed for a graceful shutdown. @default 10000 */
  readonly shutdownTimeoutMs: number;
  /** Sent in `server:shutdown`. @default 1000 */
  readonly reconnectAfterMs: number;
  /** Largest number of publications replayed on one recovery. @default 1000 */
  readonly maxRecoveryPublications: number;
  /** How long after its connection closed a Socket.IO client's session resumes (its subscriptions and what it missed); 0 turns resumption off. @default 120000 (2 min) */
  readonly resumeWindowMs: number;
  /** How often open resumable sessions are saved, which bounds what a crash can replay twice. @default 1000 */
  readonly resumeCheckpointMs: number;
  /** Notifications with the same user, type and dedupKey (or content) inside this window are stored and delivered once. @default 120000 (2 min) */
  readonly notificationDedupWindowMs: number;
  /** Notifications older than this are deleted. @default 2592000000 (30 days) */
  readonly notificationRetentionMs: number;
  /** Notifications kept per user; beyond it the oldest read ones go first, then the oldest unread. @default 1000 */
  readonly notificationMaxPerUser: number;
}

/** Defaults of every option; merged with what is given, validated and frozen at start. */
export const DEFAULT_OPTIONS: GatewayOptions = Object.freeze({
  port: 8080,
  host: "0.0.0.0",
  socketPath: "/socket.io",
  apiPrefix: "/api/v1",
  listenBacklog: 511,
  admissionTurnMs: 40,
  mode: "development",
  jwtSecret: undefined,
  jwtPublicKey: undefined,
  jwksFile: undefined,
  jwtAudience: undefined,
  jwtIssuer: undefined,
  jwtRequireExp: true,
  apiKeys: [],
  dataDir: "./data",
  databaseUrl: undefined,
  redisUrl: undefined,
  redisClusterNodes: undefined,
  redisSentinels: undefined,
  redisSentinelName: "mymaster",
  redisPrefix: "tw:",
  simulator: false,
  legacyEvents: true,
  corsOrigins: [],
  ingestRedisUrl: undefined,
  ingestRedisClusterNodes: undefined,
  ingestStream: "tickwire:ingest",
  ingestGroup: "tickwire",
  ingestConsumer: undefined,
  feedUrl: undefined,
  feedReconnectMinMs: 500,
  feedReconnectMaxMs: 30_000,
  conflationMs: undefined,
  stateBacklogPackets: 64,
  maxQueuedPackets: 4096,
  stateBacklogBytes: 256 * 1024,
  maxQueuedBytes: 8 * 1024 * 1024,
  writeWindowMs: Object.freeze({ navigator: 0, participant: 0, builder: 0, operator: 0 }),
  sessionRedisUrl: undefined,
  sessionRedisClusterNodes: undefined,
  sessionPrefix: "sess:",
  sessionUrl: undefined,
  sessionTimeoutMs: 2000,
  defaultTier: "navigator",
  proxyRpcUrl: undefined,
  proxyRpcMethodUrls: Object.freeze({}),
  proxyRpcMethods: Object.freeze({ "execute:trade": Object.freeze({ roles: Object.freeze(["admin"]) }) }),
  proxyRpcMaxInFlight: 8,
  proxySubscribeUrl: undefined,
  proxySubscribeNamespaces: [],
  proxySubscribeCacheMs: 10_000,
  proxyTimeoutMs: 5000,
  proxyOccupancyUrl: undefined,
  occupancyNamespaces: ["quotes"],
  presenceEventNamespaces: [],
  occupancyDebounceMs: 2000,
  simulatorOnDemand: false,
  feedOnDemand: false,
  rrrStreams: Object.freeze({ trade_feed: "trades", portfolio_update: "portfolio", ai_decision: "ai", performance_metrics: "metrics" }),
  logLevel: "info",
  accessLogLevel: "info",
  processMetrics: "standard",
  readinessTimeoutMs: 1000,
  readinessCacheMs: 1000,
  readinessFeeds: "degraded",
  opsSampleMs: 5000,
  dashboardDir: undefined,
  maxConnectionsPerUser: 5,
  maxSubscriptions: Object.freeze({ navigator: 10, participant: 50, builder: 200, operator: 1000 }),
  rateLimit: Object.freeze({
    navigator: Object.freeze({ eventsPerSecond: 50, burst: 100 }),
    participant: Object.freeze({ eventsPerSecond: 50, burst: 100 }),
    builder: Object.freeze({ eventsPerSecond: 50, burst: 100 }),
    operator: Object.freeze({ eventsPerSecond: 50, burst: 100 }),
  }),
  userRateLimit: undefined,
  connectionLeaseTtlMs: 30_000,
  expectedNodes: 1,
  maxEventBytes: 64 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxPublicationBytes: 64 * 1024,
  maxBodyBytes: 8 * 1024 * 1024,
  maxAuthFailuresPerMinute: 30,
  trustedProxies: [],
  maxInputDepth: 32,
  idempotencyTtlMs: 24 * 3_600_000,
  namespaces: [],
  shutdownTimeoutMs: 10_000,
  reconnectAfterMs: 1000,
  maxRecoveryPublications: 1000,
  resumeWindowMs: 120_000,
  resumeCheckpointMs: 1000,
  notificationDedupWindowMs: 120_000,
  notificationRetentionMs: 30 * 24 * 3_600_000,
  notificationMaxPerUser: 1000,
});
