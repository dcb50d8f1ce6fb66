import type { Tier } from "@tickwire/protocol";
import { createRedisClient, type RedisClient } from "../engines/redis/redis-client.js";
import { identityFromClaims } from "./token-verifier.js";
import type { Identity } from "./identity.js";
import { identityFromSession, type SessionResolver } from "./session-resolver.js";

/** Options of the Redis session resolver. */
export interface RedisSessionResolverOptions {
  /** `redis://` URL, or `clusterNodes`. */
  readonly url?: string;
  /** A Redis Cluster's nodes (`host:port`); one GET per lookup goes to the slot's master. */
  readonly clusterNodes?: readonly string[];
  /** Key prefix, as connect-redis uses it (the gateway passes its sessionPrefix). */
  readonly prefix: string;
  /** Time allowed for one lookup (the gateway passes its sessionTimeoutMs). */
  readonly timeoutMs: number;
  /** Tier of sessions that carry none. @default DEFAULT_TIER */
  readonly defaultTier?: Tier | undefined;
}

/** Resolves express-session (connect-redis) sessions stored as JSON under `{prefix}{id}`. */
export class RedisSessionResolver implements SessionResolver {
  private readonly redis: RedisClient;

  constructor(private readonly options: RedisSessionResolverOptions) {
    // Lookups made while the connection is (re)established wait in the offline queue,
    // bounded by the command timeout: a handshake right after start is not refused.
    const target = options.clusterNodes !== undefined ? { clusterNodes: options.clusterNodes } : { url: options.url ?? "redis://127.0.0.1:6379" };
    this.redis = createRedisClient(target, { maxRetriesPerRequest: 1, enableOfflineQueue: true, commandTimeout: options.timeoutMs });
    this.redis.on("error", () => {
      // Reported per lookup as UNAVAILABLE; ioredis keeps reconnecting.
    });
  }

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
