export type { ConnectionLimiter } from "./connection-limiter.js";
export { MemoryConnectionLimiter } from "./memory-connection-limiter.js";
export { RedisConnectionLimiter, type RedisConnectionLimiterOptions } from "./redis-connection-limiter.js";
export { UserRateLimiter, type UserRateLimiterOptions } from "./user-rate-limiter.js";
export { LimitFallbacks, type LimitKind } from "./limit-metrics.js";
export { connectLimitsRedis, type LimitsRedisOptions } from "./limits-redis.js";
export { createLimits, type Limits, type LimitsDeps } from "./create-limits.js";
