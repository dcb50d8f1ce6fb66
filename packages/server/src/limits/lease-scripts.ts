import type { ChainableCommander, Redis } from "ioredis";

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

/** KEYS[1] the user's lease set; ARGV ttlMs, lease. Re-adds a lease that expired meanwhile: it is still open. */
const RENEW = `
local key = KEYS[1]
local ttl = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', key, now + ttl, ARGV[2])
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
return 1
`;

interface LeaseCommands {
  twLeaseAcquire(key: string, max: number, ttlMs: number, lease: string): Promise<number>;
  twLeaseRenew(key: string, ttlMs: number, lease: string): Promise<number>;
}

/** The lease scripts on one client (EVALSHA, loaded on first use by ioredis). */
export interface LeaseScripts {
  /** Admits `lease` into `key` when fewer than `max` live leases are there. */
  acquire(key: string, max: number, ttlMs: number, lease: string): Promise<boolean>;
  /** Renews many leases in one round trip. */
  renewAll(leases: ReadonlyArray<{ key: string; lease: string }>, ttlMs: number): Promise<void>;
  /** Removes one lease. */
  release(key: string, lease: string): Promise<void>;
}

/** Registers the lease scripts on `redis` (idempotent). */
export function defineLeaseScripts(redis: Redis): LeaseScripts {
  redis.defineCommand("twLeaseAcquire", { numberOfKeys: 1, lua: ACQUIRE });
  redis.defineCommand("twLeaseRenew", { numberOfKeys: 1, lua: RENEW });
  const commands = redis as unknown as LeaseCommands;
  return {
    acquire: async (key, max, ttlMs, lease) => (await commands.twLeaseAcquire(key, max, ttlMs, lease)) === 1,
    renewAll: async (leases, ttlMs) => {
      if (leases.length === 0) return;
      const pipeline = redis.pipeline() as ChainableCommander & { twLeaseRenew(key: string, ttlMs: number, lease: string): unknown };
      for (const { key, lease } of leases) pipeline.twLeaseRenew(key, ttlMs, lease);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err !== null);
      if (failed) throw failed[0];
    },
    release: async (key, lease) => {
      await redis.zrem(key, lease);
    },
  };
}
