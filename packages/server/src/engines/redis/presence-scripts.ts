import type { RedisClient } from "./redis-client.js";

// Times come from Redis (TIME), not from the nodes, so clock skew between nodes cannot
// shorten or stretch another node's entries. The key's TTL is never shortened: it
// always outlives the newest entry in it, whatever TTL the writing node uses.

/** KEYS[1] the channel's presence set; ARGV ttlMs, members… Drops expired entries, adds the members with a fresh expiry. */
const ADD = `
local key = KEYS[1]
local ttl = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
for i = 2, #ARGV do redis.call('ZADD', key, now + ttl, ARGV[i]) end
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
return 1
`;

/** KEYS[1] the channel's presence set. Returns the members not yet expired. */
const READ = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], now + 1, '+inf')
`;

/** The presence scripts on one client. */
export interface PresenceScripts {
  add(key: string, ttlMs: number, members: string[]): Promise<void>;
  read(key: string): Promise<string[]>;
}

/** Registers the presence scripts on `redis` (ioredis `defineCommand`). */
export function definePresenceScripts(redis: RedisClient): PresenceScripts {
  redis.defineCommand("twPresenceAdd", { numberOfKeys: 1, lua: ADD });
  redis.defineCommand("twPresenceRead", { numberOfKeys: 1, lua: READ });
  const commands = redis as unknown as {
    twPresenceAdd(key: string, ttlMs: number, ...members: string[]): Promise<number>;
    twPresenceRead(key: string): Promise<string[]>;
  };
  return {
    add: async (key, ttlMs, members) => {
      await commands.twPresenceAdd(key, ttlMs, ...members);
    },
    read: (key) => commands.twPresenceRead(key),
  };
}
