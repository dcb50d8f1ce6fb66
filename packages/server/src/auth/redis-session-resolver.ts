import type { Tier } from "@tickwire/protocol";
import { identityFromClaims } from "./token-verifier.js";
import type { Identity } from "./identity.js";
import { identityFromSession, type SessionResolver } from "./session-resolver.js";

/** Options of the Redis session resolver. */
export interface RedisSessionResolverOptions {
  /** Key prefix, as connect-redis uses it (the gateway passes its sessionPrefix). */
  readonly prefix: string;
  /** Tier of sessions that carry none. @default DEFAULT_TIER */
  readonly defaultTier?: Tier | undefined;
}

/**
 * What the resolver needs of its Redis connection: one GET per lookup (on a
 * cluster, to the slot's master). ioredis's `Redis` and `Cluster` are both one;
 * the gateway makes it (`createRedisClient`) with a command timeout that bounds
 * each lookup.
 */
export interface SessionRedis {
  get(key: string): Promise<string | null>;
  disconnect(): void;
}

/** Resolves express-session (connect-redis) sessions stored as JSON under `{prefix}{id}`. */
export class RedisSessionResolver implements SessionResolver {
  constructor(
    private readonly redis: SessionRedis,
    private readonly options: RedisSessionResolverOptions,
  ) {}

  async resolve(sessionId: string): Promise<Identity | undefined> {
    const raw = await this.redis.get(`${this.options.prefix}${sessionId}`);
    if (raw === null) return undefined;
    let session: unknown;
    try {
      session = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const claims = identityFromSession(session, Date.now());
    return claims === undefined ? undefined : identityFromClaims(claims, this.options.defaultTier);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
