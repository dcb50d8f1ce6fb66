import type { RedisClient } from "../engines/redis/redis-client.js";
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Tier } from "@tickwire/protocol";
import { type PerTier, type RateLimitOptions } from "../config/options.js";
import { DEFAULT_OPTIONS } from "../config/defaults.js";
import { LimitFallbacks } from "./limit-metrics.js";

/** Options of the per-user rate limit. */
export interface UserRateLimiterOptions {
  /** Events per second (and burst) one user may send across all its connections, per tier; tiers left out are not limited per user. */
  readonly rates: Partial<PerTier<RateLimitOptions>>;
  /** Shared counters across nodes; without it the budget is counted on this node only. @default undefined */
  readonly redis?: RedisClient;
  /** Key prefix shared by the nodes of one deployment (keys `{prefix}rl:…`). @default DEFAULT_OPTIONS.redisPrefix */
  readonly prefix?: string;
  /** While Redis does not answer each node allows this share of the budget: 1 / expectedNodes. @default DEFAULT_OPTIONS.expectedNodes */
  readonly expectedNodes?: number;
  /** Counter and log of local decisions. @default a counter in no registry, silent */
  readonly fallbacks?: LimitFallbacks;
}

interface TierLimiters {
  readonly shared: BurstyRateLimiter | undefined;
  readonly local: BurstyRateLimiter;
}

function bursty(make: (keyPrefix: string, points: number, duration: number) => RateLimiterMemory | RateLimiterRedis, tier: Tier, rate: RateLimitOptions, share: number): BurstyRateLimiter {
  const points = Math.max(1, Math.ceil(rate.eventsPerSecond / share));
  const burst = Math.max(1, Math.ceil((rate.burst - rate.eventsPerSecond) / share));
  return new BurstyRateLimiter(make(`user:${tier}`, points, 1), make(`userburst:${tier}`, burst, 10));
}

/**
 * A budget of inbound events per user across all its connections (docs/scaling.md,
 * "Limits across nodes"), beside the exact per-connection limit. With Redis it is
 * rate-limiter-flexible's RateLimiterRedis, shared by every node; when a Redis call
 * fails, an in-memory limiter with the budget divided by `expectedNodes` decides
 * instead (the insurance-limiter pattern, done here so the fallback is counted).
 */
export class UserRateLimiter {
  private readonly limiters = new Map<Tier, TierLimiters>();
  private readonly fallbacks: LimitFallbacks;

  constructor(options: UserRateLimiterOptions) {
    const prefix = `${options.prefix ?? DEFAULT_OPTIONS.redisPrefix}rl:`;
    const { redis } = options;
    this.fallbacks = options.fallbacks ?? new LimitFallbacks();
    for (const [tier, rate] of Object.entries(options.rates) as Array<[Tier, RateLimitOptions | undefined]>) {
      if (!rate) continue;
      const shared = redis
        ? bursty((keyPrefix, points, duration) => new RateLimiterRedis({ storeClient: redis, keyPrefix: prefix + keyPrefix, points, duration }), tier, rate, 1)
        : undefined;
      const local = bursty((keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration }), tier, rate, redis ? Math.max(1, options.expectedNodes ?? DEFAULT_OPTIONS.expectedNodes) : 1);
      this.limiters.set(tier, { shared, local });
    }
  }

  /** True when `userId` may send one more event at `tier`. */
  async consume(userId: string, tier: Tier): Promise<boolean> {
    const limiters = this.limiters.get(tier);
    if (!limiters) return true;
    if (limiters.shared) {
      try {
        await limiters.shared.consume(userId);
        this.fallbacks.recovered("rate");
        return true;
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          this.fallbacks.recovered("rate");
          return false;
        }
        this.fallbacks.fellBack("rate", err);
      }
    }
    try {
      await limiters.local.consume(userId);
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      throw err;
    }
  }
}
