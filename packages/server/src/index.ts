export { attach, createGateway, Gateway, VERSION, DEFAULT_DASHBOARD_DIR, type GatewayDeps } from "./gateway.js";
export { DEFAULT_OPTIONS } from "./config/defaults.js";
export type { GatewayOptions, RateLimitOptions } from "./config/options.js";
export { resolveOptions, optionsFromEnv, ConfigError, ENV_VARIABLES, unknownEnvVariables, type EnvVariable, type UnknownVariable } from "./config/resolve-options.js";
export type { Engine, EngineSubscribeOptions, HistoryRead, PublicationListener } from "./core/engine.js";
export type {
  Store,
  HistoryStore,
  IdempotencyStore,
  InboxStore,
  InboxWrite,
  InboxWriteResult,
  NotificationContent,
  StoredNotification,
  RoomStore,
  RoomRole,
  RoomType,
  StoredRoom,
  StoredRoomMember,
  AddMemberOutcome,
  ResumeRecord,
  ResumeStore,
  ResumeSubscription,
} from "./core/store.js";
export type { Publication, ChannelPosition, PublishInput } from "./core/publication.js";
export type { FeedState, GatewayComponent } from "./core/component.js";
export type { ChannelSource, SourceContext, SourceReceipt, SourceTarget } from "./core/channel-source.js";
export { ChannelSources } from "./core/channel-sources.js";
export type { DeliveryPolicy, DeliveryPolicyContext, DeliveryPolicyFactory } from "./core/delivery-policy.js";
export type { PublishManyRequest, PublishRequest } from "./core/publisher.js";
export { MemoryEngine } from "./engines/memory-engine.js";
export { MemoryConnectionLimiter, RedisConnectionLimiter, UserRateLimiter, LimitFallbacks, connectLimitsRedis, createLimits } from "./limits/index.js";
export type { ConnectionLimiter, RedisConnectionLimiterOptions, UserRateLimiterOptions, LimitKind, LimitsRedisOptions, Limits, LimitsDeps } from "./limits/index.js";
export { RedisEngine, type RedisEngineOptions, type FanOutCounters, type FeedCounters, channelKeys, partitionOf, PARTITIONS } from "./engines/redis/index.js";
export { createRedisClient, isCluster, type RedisClient, type RedisTarget } from "./engines/redis/redis-client.js";
export { SqliteStore } from "./stores/sqlite/sqlite-store.js";
export { PostgresStore, type PostgresStoreOptions } from "./stores/postgres/postgres-store.js";
export { createStore } from "./stores/create-store.js";
export * from "./notifications/index.js";
export { TokenVerifier } from "./auth/token-verifier.js";
export type { SessionResolver } from "./auth/session-resolver.js";
export type { PublishRule, PublishTarget } from "./core/publisher.js";
export { defaultComponents } from "./components.js";
export { streamPolicyFactory, type StreamPolicyOptions } from "./streams/stream-policy-factory.js";
export { StreamsComponent } from "./streams/streams-component.js";
export { LegacyEventsComponent, RRR_STREAMS, STACKMOTIVE_NOTIFICATION_EVENT } from "./compat/index.js";
export type { EventContext, EventHandler, EventObserver } from "./core/event-router.js";
export type { SubscribeOptions } from "./core/subscriptions.js";
export { Simulator, type SimulatorOptions } from "./simulator/simulator.js";
export { RedisStreamIngest, type RedisIngestOptions } from "./ingest/redis-stream-ingest.js";
export { UpstreamFeed, type UpstreamFeedOptions } from "./ingest/upstream-feed.js";
export { tickwirePlugin, type TickwireFastifyOptions } from "./fastify-plugin.js";
