import type { NamespaceDefinition, Tier } from "@tickwire/protocol";
import type { PerTier, RateLimitOptions, RpcMethodRule } from "./option-types.js";

export type { PerTier, RateLimitOptions, RpcMethodRule } from "./option-types.js";

/**
 * Everything a gateway can be configured with. Each option's default, variable and bounds
 * are its row of OPTION_TABLE (option-table.ts); DEFAULT_OPTIONS (defaults.ts) is made from it.
 */
export interface GatewayOptions {
  /** HTTP + Socket.IO port; 0 picks a free one. */
  readonly port: number;
  /** Bind address; dev mode binds the loopback interface only unless TICKWIRE_HOST says otherwise. */
  readonly host: string;
  /** Path of the Socket.IO endpoint (clients pass the same `path`). */
  readonly socketPath: string;
  /** Prefix of the HTTP API (`{apiPrefix}/publish`, …); attached to an app's server, the ops endpoints live under it too. */
  readonly apiPrefix: string;
  /** Length (ms) the gateway keeps a turn of its event loop near when handshakes and client events queue up (a reconnect storm): it starts as many per turn as fit, the others wait for the next turns, in order. */
  readonly admissionTurnMs: number;
  /** Connections the kernel queues for accept; a reconnect storm of many clients at once needs more than the default (capped by net.core.somaxconn). */
  readonly listenBacklog: number;
  /** `production` refuses to start without a secret and API keys. */
  readonly mode: "development" | "production";
  /** HS256 secret for client tokens. */
  readonly jwtSecret: string | undefined;
  /** PEM public key (RS256/ES256) instead of a secret. */
  readonly jwtPublicKey: string | undefined;
  /** Path of a JWKS JSON file instead of a secret. */
  readonly jwksFile: string | undefined;
  /** Checked when set. */
  readonly jwtAudience: string | undefined;
  /** Checked when set. */
  readonly jwtIssuer: string | undefined;
  /** Refuse client tokens without `exp` (they would be valid forever); off only for identity providers that cannot set it. */
  readonly jwtRequireExp: boolean;
  /** Keys accepted by the HTTP API. */
  readonly apiKeys: readonly string[];
  /** Where the embedded SQLite store lives. */
  readonly dataDir: string;
  /** PostgreSQL instead of SQLite. */
  readonly databaseUrl: string | undefined;
  /** Multi-node mode through Redis. */
  readonly redisUrl: string | undefined;
  /** Multi-node mode through a Redis Cluster (Redis 7): some of its nodes as `host:port`, instead of redisUrl; engine, connection leases and user budgets live on it. */
  readonly redisClusterNodes: readonly string[] | undefined;
  /** Multi-node mode through Redis Sentinel, instead of redisUrl: the sentinels as `host:port`; they name the master of redisSentinelName, and a failover moves every node to the promoted replica. */
  readonly redisSentinels: readonly string[] | undefined;
  /** The master group the sentinels of redisSentinels watch. */
  readonly redisSentinelName: string;
  /** Prefix of the multi-node engine's Redis keys and pub/sub channels; nodes of one deployment share it. */
  readonly redisPrefix: string;
  /** Built-in simulated market and demo account. */
  readonly simulator: boolean;
  /** Accept the client events of the platforms Tickwire replaces (docs/legacy-clients.md); off: they are UNKNOWN_EVENT. */
  readonly legacyEvents: boolean;
  /** Allowed browser origins; `*` allows any. */
  readonly corsOrigins: readonly string[];
  /** Redis stream ingest. */
  readonly ingestRedisUrl: string | undefined;
  /** Redis stream ingest from a Redis Cluster instead of ingestRedisUrl: some of its nodes, `host:port` (may be the engine's redisClusterNodes). */
  readonly ingestRedisClusterNodes: readonly string[] | undefined;
  /** Stream key of the Redis stream ingest; several, comma-separated, are read together (on a cluster one read per hash tag). */
  readonly ingestStream: string;
  /** Consumer group of the Redis stream ingest; nodes of one deployment share it. */
  readonly ingestGroup: string;
  /** Consumer name in the group; keep it stable across restarts so unacknowledged entries are picked up again. */
  readonly ingestConsumer: string | undefined;
  /** Upstream WebSocket feed. */
  readonly feedUrl: string | undefined;
  /** First reconnect delay of the upstream feed; doubles per failed attempt, with jitter. */
  readonly feedReconnectMinMs: number;
  /** Longest reconnect delay of the upstream feed. */
  readonly feedReconnectMaxMs: number;
  /** Per-tier conflation interval (ms) of conflated namespaces (quotes), overriding the catalogue; 0 = every update. */
  readonly conflationMs: PerTier<number> | undefined;
  /** Queued packets from which a socket is backed up: its state publications are held (latest wins) until it drains. */
  readonly stateBacklogPackets: number;
  /** Queued packets at which an event publication disconnects the socket with SLOW_CONSUMER. */
  readonly maxQueuedPackets: number;
  /** Queued bytes from which a socket is backed up: its state publications are held (latest wins) until it drains. */
  readonly stateBacklogBytes: number;
  /** Queued bytes at which an event publication disconnects the socket with SLOW_CONSUMER (keep it above maxRecoveryPublications × your larger events). */
  readonly maxQueuedBytes: number;
  /** Per-tier write window (ms) of state-channel publications: a connection's frames wait up to this long so that publications of later turns share one write; 0 = every turn's frames leave at its end. Other frames are never held. */
  readonly writeWindowMs: PerTier<number>;
  /** Session resolver: express-session JSON in Redis under `{sessionPrefix}{id}`. */
  readonly sessionRedisUrl: string | undefined;
  /** Session resolver on a Redis Cluster: some of its nodes as `host:port`, instead of sessionRedisUrl. */
  readonly sessionRedisClusterNodes: readonly string[] | undefined;
  /** Key prefix of the sessions in Redis. */
  readonly sessionPrefix: string;
  /** Session resolver: HTTP endpoint called with the session id. */
  readonly sessionUrl: string | undefined;
  /** Time allowed for one session lookup. */
  readonly sessionTimeoutMs: number;
  /** Tier of tokens and sessions that carry none. */
  readonly defaultTier: Tier;
  /** RPC proxy: client calls (`rpc`, the trade copier's `execute:trade`, MyStocks' `request`) are POSTed here (docs/backend-hooks.md). */
  readonly proxyRpcUrl: string | undefined;
  /** Per-method RPC proxy URLs, used instead of proxyRpcUrl for their methods. */
  readonly proxyRpcMethodUrls: Readonly<Record<string, string>>;
  /** Per-method gates of the RPC proxy (`*`: methods not listed); a method without a rule is forwarded for every caller. */
  readonly proxyRpcMethods: Readonly<Record<string, RpcMethodRule>>;
  /** RPC calls one connection may have waiting on the backend at once; more are LIMIT_EXCEEDED. */
  readonly proxyRpcMaxInFlight: number;
  /** Subscribe proxy: asked whether a user may subscribe a channel, after Tickwire's own rules (docs/backend-hooks.md). */
  readonly proxySubscribeUrl: string | undefined;
  /** Namespaces the subscribe proxy is asked about; empty: every namespace. */
  readonly proxySubscribeNamespaces: readonly string[];
  /** How long a subscribe proxy decision (allowed or refused) is reused for the same user and channel; 0: never. */
  readonly proxySubscribeCacheMs: number;
  /** How often a live subscription the subscribe proxy admitted is asked about again (a refusal ends it); 0: never, unless the backend answers `refreshAfterMs`. */
  readonly proxySubscribeRefreshMs: number;
  /** Time allowed for one call of a backend proxy. */
  readonly proxyTimeoutMs: number;
  /** Occupancy hook: told when a channel gets its first subscriber anywhere and when its last one leaves (docs/backend-hooks.md). */
  readonly proxyOccupancyUrl: string | undefined;
  /** Namespaces whose channels' occupancy is followed (the hook, the simulator and the feed on demand). */
  readonly occupancyNamespaces: readonly string[];
  /** Namespaces (with presence) whose subscribers get `presence:join` and `presence:leave`, on top of the catalogue rows that set `presence.events`. */
  readonly presenceEventNamespaces: readonly string[];
  /** How long a channel must stay occupied or vacated before it is announced (a quick unsubscribe and subscribe announces nothing). */
  readonly occupancyDebounceMs: number;
  /** The simulator quotes only symbols whose `quotes:` channel is occupied. */
  readonly simulatorOnDemand: boolean;
  /** The upstream feed is sent `{ "type": "subscribe" | "unsubscribe", "channel" }` on occupancy changes (docs/streams.md). */
  readonly feedOnDemand: boolean;
  /** RRRalgorithms stream names → channels (docs/legacy-clients.md); given entries replace the defaults of the same stream. */
  readonly rrrStreams: Readonly<Record<string, string>>;
  /** pino level. */
  readonly logLevel: string;
  /** Level of the access lines: one per HTTP request and one per connection opened or closed; `silent` turns them off. */
  readonly accessLogLevel: string;
  /** Node.js process metrics (CPU, memory, event loop, GC): `standard` under their usual names (what the common Node.js dashboards read), `prefixed` with `tickwire_`, `both`, or `off`. */
  readonly processMetrics: "standard" | "prefixed" | "both" | "off";
  /** Longest wait for one `/readyz` check (store, engine, session backend, feeds); a check that takes longer fails. */
  readonly readinessTimeoutMs: number;
  /** How long a `/readyz` report is reused before the checks run again; 0 probes on every request. */
  readonly readinessCacheMs: number;
  /** `/readyz` and the upstream feeds every node shares (upstream WebSocket, Redis ingest): `degraded` reports a failing feed in the body and stays 200, `required` answers 503. */
  readonly readinessFeeds: "degraded" | "required";
  /** Sampling interval of the ops page's time series (the last 10 minutes are kept). */
  readonly opsSampleMs: number;
  /** Folder with the built dashboard, served at `/`. */
  readonly dashboardDir: string | undefined;
  /** Connections one user may hold at once. */
  readonly maxConnectionsPerUser: number;
  /** Quote subscriptions per connection, per tier. */
  readonly maxSubscriptions: PerTier<number>;
  /** Inbound event rate limit per connection, per tier. */
  readonly rateLimit: PerTier<RateLimitOptions>;
  /** Inbound event budget per user across all its connections (and nodes, with redisUrl), per tier; tiers left out have none. */
  readonly userRateLimit: Partial<PerTier<RateLimitOptions>> | undefined;
  /** With redisUrl or redisClusterNodes: how long a node's connection lease and presence entries outlive its last renewal (renewed every third of it), so a dead node's connections stop counting and leave presence. */
  readonly connectionLeaseTtlMs: number;
  /** With redisUrl: nodes in the deployment; while Redis is unreachable each node allows 1/expectedNodes of a user's userRateLimit. */
  readonly expectedNodes: number;
  /** Largest client event payload answered normally; larger ones get PAYLOAD_TOO_LARGE. */
  readonly maxEventBytes: number;
  /** Largest transport frame; larger ones close the connection. */
  readonly maxFrameBytes: number;
  /** Largest publication `data` accepted from publishers. */
  readonly maxPublicationBytes: number;
  /** Largest HTTP body. */
  readonly maxBodyBytes: number;
  /** Refused credentials (401) one address may send to the HTTP API per minute before it gets 429 for a minute; 0 turns the guard off. */
  readonly maxAuthFailuresPerMinute: number;
  /** Reverse proxies (IP addresses, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`) whose `X-Forwarded-For` names the client address; none: the socket address is the client's. */
  readonly trustedProxies: readonly string[];
  /** Deepest nesting of objects and arrays in any input (publication and notification data, client event payloads); at most 256. */
  readonly maxInputDepth: number;
  /** How long an idempotency key is remembered. */
  readonly idempotencyTtlMs: number;
  /** Deployment namespaces added to (or replacing rows of) the default catalogue. */
  readonly namespaces: readonly NamespaceDefinition[];
  /** Time allowed for a graceful shutdown. */
  readonly shutdownTimeoutMs: number;
  /** Sent in `server:shutdown`. */
  readonly reconnectAfterMs: number;
  /** Largest number of publications replayed on one recovery. */
  readonly maxRecoveryPublications: number;
  /** How long after its connection closed a Socket.IO client's session resumes (its subscriptions and what it missed); 0 turns resumption off. */
  readonly resumeWindowMs: number;
  /** How often open resumable sessions are saved, which bounds what a crash can replay twice. */
  readonly resumeCheckpointMs: number;
  /** Notifications with the same user, type and dedupKey (or content) inside this window are stored and delivered once. */
  readonly notificationDedupWindowMs: number;
  /** Notifications older than this are deleted. */
  readonly notificationRetentionMs: number;
  /** Notifications kept per user; beyond it the oldest read ones go first, then the oldest unread. */
  readonly notificationMaxPerUser: number;
}
