import type { ChainableCommander } from "ioredis";
import { isCluster, type RedisClient } from "../engines/redis/redis-client.js";

// Times come from Redis (TIME), not from the nodes, so clock skew between nodes
// cannot shorten or stretch another node's leases. A key's TTL is never shortened:
// it always outlives the newest lease in it.

/** KEYS[1] the user's lease set; ARGV max, ttlMs, lease. Returns 1 admitted, 0 refused. */
const ACQUIRE = `
local key = KEYS[1]
local max = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if not redis.call('ZSCORE', key, ARGV[3]) and redis.call('ZCARD', key) >= max then
  return 0
end
redis.call('ZADD', key, now + ttl, ARGV[3])
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
return 1
`;

/** KEYS[1] the user's lease set; ARGV ttlMs, leases… Re-adds a lease that expired meanwhile: it is still open. All get one expiry. */
const RENEW = `
local key = KEYS[1]
local ttl = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', key, now + ttl, ARGV[i]) end
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
return 1
`;

interface LeaseCommands {
  twLeaseAcquire(key: string, max: number, ttlMs: number, lease: string): Promise<number>;
  twLeaseRenew(key: string, ttlMs: number, ...leases: string[]): Promise<number>;
}

/** The lease scripts on one client (EVALSHA, loaded on first use by ioredis). */
export interface LeaseScripts {
  /** Admits `lease` into `key` when fewer than `max` live leases are there. */
  acquire(key: string, max: number, ttlMs: number, lease: string): Promise<boolean>;
  /** Renews many leases in one round trip (one per user's set on a cluster, all sent at once). */
  renewAll(leases: ReadonlyArray<{ key: string; lease: string }>, ttlMs: number): Promise<void>;
  /** Removes one lease. */
  release(key: string, lease: string): Promise<void>;
}

/** Registers the lease scripts on `redis` (idempotent). */
export function defineLeaseScripts(redis: RedisClient): LeaseScripts {
  redis.defineCommand("twLeaseAcquire", { numberOfKeys: 1, lua: ACQUIRE });
  redis.defineCommand("twLeaseRenew", { numberOfKeys: 1, lua: RENEW });
  const commands = redis as unknown as LeaseCommands;
  return {
    acquire: async (key, max, ttlMs, lease) => (await commands.twLeaseAcquire(key, max, ttlMs, lease)) === 1,
    renewAll: async (leases, ttlMs) => {
      if (leases.length === 0) return;
      // One call per user's set: its leases get one expiry, and a call touches one key.
      const byKey = new Map<string, string[]>();
      for (const { key, lease } of leases) {
        const members = byKey.get(key);
        if (members) members.push(lease);
        else byKey.set(key, [lease]);
      }
      if (isCluster(redis)) {
        // A cluster pipeline must stay in one slot; users' lease sets are spread over all of them.
        const results = await Promise.allSettled([...byKey].map(([key, members]) => commands.twLeaseRenew(key, ttlMs, ...members)));
        const failed = results.find((r) => r.status === "rejected");
        if (failed) throw failed.reason;
        return;
      }
      const pipeline = redis.pipeline() as ChainableCommander & { twLeaseRenew(key: string, ttlMs: number, ...leases: string[]): unknown };
      for (const [key, members] of byKey) pipeline.twLeaseRenew(key, ttlMs, ...members);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err !== null);
      if (failed) throw failed[0];
    },
    release: async (key, lease) => {
      await redis.zrem(key, lease);
    },
  };
}
