import type { RedisClient } from "../engines/redis/redis-client.js";
import type { Registry } from "prom-client";
import type { GatewayOptions } from "../config/options.js";
import type { Logger } from "../observability/logger.js";
import type { ConnectionLimiter } from "./connection-limiter.js";
import { LimitFallbacks } from "./limit-metrics.js";
import { connectLimitsRedis } from "./limits-redis.js";
import { MemoryConnectionLimiter } from "./memory-connection-limiter.js";
import { RedisConnectionLimiter } from "./redis-connection-limiter.js";
import { UserRateLimiter } from "./user-rate-limiter.js";

/** The limits one gateway enforces. */
export interface Limits {
  /** Per-user connection slots. */
  readonly connections: ConnectionLimiter;
  /** Per-user event budget, when `userRateLimit` is set. */
  readonly userRate: UserRateLimiter | undefined;
  /** Decisions taken locally while Redis was unreachable. */
  readonly fallbacks: LimitFallbacks;
  /** Stops renewals and closes the Redis connection. */
  close(): Promise<void>;
}

/** What createLimits needs besides the options. */
export interface LimitsDeps {
  readonly nodeId: string;
  /** Where `tickwire_limit_fallbacks_total` is registered. */
  readonly registry?: Registry;
  readonly logger?: Logger;
  /** Used instead of the limiter the options call for. */
  readonly connectionLimiter?: ConnectionLimiter;
}

/**
 * In memory on a single node; with `redisUrl` or `redisClusterNodes`, shared through Redis on one
 * connection of their own (a slow publish never delays a handshake).
 */
export async function createLimits(options: GatewayOptions, deps: LimitsDeps): Promise<Limits> {
  const fallbacks = new LimitFallbacks({ registry: deps.registry, logger: deps.logger });
  const shared = options.redisUrl !== undefined || options.redisClusterNodes !== undefined || options.redisSentinels !== undefined;
  const needsRedis = shared && (deps.connectionLimiter === undefined || options.userRateLimit !== undefined);
  const redis: RedisClient | undefined = needsRedis
    ? await connectLimitsRedis({ url: options.redisUrl, clusterNodes: options.redisClusterNodes, sentinels: options.redisSentinels, sentinelName: options.redisSentinelName, redis: { connectionName: `${options.redisPrefix}limits:${deps.nodeId}` } })
    : undefined;
  const connections =
    deps.connectionLimiter ??
    (redis
      ? new RedisConnectionLimiter({ redis, prefix: options.redisPrefix, nodeId: deps.nodeId, maxPerUser: options.maxConnectionsPerUser, leaseTtlMs: options.connectionLeaseTtlMs, fallbacks })
      : new MemoryConnectionLimiter(options.maxConnectionsPerUser));
  const userRate = options.userRateLimit ? new UserRateLimiter({ rates: options.userRateLimit, redis, prefix: options.redisPrefix, expectedNodes: options.expectedNodes, fallbacks }) : undefined;
  return {
    connections,
    userRate,
    fallbacks,
    async close() {
      await connections.close();
      // quit lets the last releases reach Redis; it fails at once when Redis is away.
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
