import type { RedisOptions } from "ioredis";
import { connectClient, createRedisClient, redisTarget, type RedisClient } from "../engines/redis/redis-client.js";

/** Options of the connection the shared limits use. */
export interface LimitsRedisOptions {
  /** `redis://` URL shared by the nodes (or `clusterNodes`). */
  readonly url?: string;
  /** A Redis Cluster's nodes (`host:port`) instead of `url`. */
  readonly clusterNodes?: readonly string[];
  /** Redis Sentinels (`host:port`) naming the master of `sentinelName`, instead of `url`. */
  readonly sentinels?: readonly string[];
  readonly sentinelName?: string;
  /** A limit call slower than this is decided locally instead. @default 1000 */
  readonly commandTimeoutMs?: number;
  /** Longest wait in `connectLimitsRedis` for the first attempt; the client keeps reconnecting after it. @default 2000 */
  readonly connectTimeoutMs?: number;
  /** More ioredis options; the settings above win. @default {} */
  readonly redis?: RedisOptions;
}

/**
 * One connection per node for the connection and rate limits. No offline queue,
 * no retries and a command timeout: while Redis is away a limit call fails at
 * once and the local limiter decides, instead of holding the handshake.
 */
export async function connectLimitsRedis(options: LimitsRedisOptions): Promise<RedisClient> {
  const target = redisTarget(options);
  const redis = createRedisClient(target, {
    connectionName: "tickwire:limits",
    ...options.redis,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? 1000,
  });
  // Errors surface on the calls (and are counted there); a reconnect loop is not one each time.
  redis.on("error", () => undefined);
  await connectClient(redis, options.connectTimeoutMs ?? 2000);
  return redis;
}
