import type { RedisClient } from "./redis-client.js";

// Times come from Redis (TIME), not from the nodes, so clock skew between nodes cannot
// shorten or stretch another node's entries. The keys' TTL is never shortened: it
// always outlives the newest entry, whatever TTL the writing node uses.
//
// Besides the entries (one per connection), a hash counts each user's entries, so a
// user's first entry and the loss of its last one are seen by the one script call
// that made them: of several nodes sweeping a dead node's entries at once, exactly
// one removes each and announces the leaves. Announcements go out on the channel's
// pub/sub channel as `p:j:<userId>` / `p:l:<userId>`, in the order decided.

/**
 * KEYS zset, users hash. ARGV: entry TTL ms, key TTL ms, pub/sub channel ('' announces
 * nothing), the publish command (PUBLISH; SPUBLISH on a cluster), then the script's own.
 * Drops expired entries first (a dead node's), counting their users down.
 */
const PRELUDE = `
local zkey, ukey = KEYS[1], KEYS[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local changes = {}
local function userOf(member)
  local ok, v = pcall(cjson.decode, member)
  if ok and type(v) == 'table' and type(v[3]) == 'string' then return v[3] end
  return nil
end
local function gone(member)
  local user = userOf(member)
  if not user then return end
  if redis.call('HINCRBY', ukey, user, -1) <= 0 then
    redis.call('HDEL', ukey, user)
    changes[#changes + 1] = 'p:l:' .. user
  end
end
local expired = redis.call('ZRANGEBYSCORE', zkey, '-inf', now)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', zkey, '-inf', now)
  for _, m in ipairs(expired) do gone(m) end
end
`;

const ANNOUNCE = `
local keyTtl = tonumber(ARGV[2])
for _, k in ipairs({zkey, ukey}) do
  if redis.call('PTTL', k) < keyTtl then redis.call('PEXPIRE', k, keyTtl) end
end
if ARGV[3] ~= '' then
  for _, c in ipairs(changes) do redis.call(ARGV[4], ARGV[3], c) end
end
return #changes
`;

/** ARGV[5…] members: added (or renewed) with a fresh expiry. */
const ADD = `${PRELUDE}
local ttl = tonumber(ARGV[1])
for i = 5, #ARGV do
  local m = ARGV[i]
  if redis.call('ZADD', zkey, now + ttl, m) == 1 then
    local user = userOf(m)
    if user and redis.call('HINCRBY', ukey, user, 1) == 1 then changes[#changes + 1] = 'p:j:' .. user end
  end
end
${ANNOUNCE}`;

/** ARGV[5] the member removed. */
const REMOVE = `${PRELUDE}
if redis.call('ZREM', zkey, ARGV[5]) == 1 then gone(ARGV[5]) end
${ANNOUNCE}`;

/** KEYS[1] the channel's presence set. Returns the members not yet expired. */
const READ = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], now + 1, '+inf')
`;

/** Where a channel's presence lives and how its changes are announced. */
export interface PresenceTarget {
  /** The entries (sorted set). */
  readonly key: string;
  /** Entries per user (hash). */
  readonly users: string;
  /** The pub/sub channel announcements go to; undefined: none. */
  readonly announce: string | undefined;
}

/** A presence announcement as it travels on a channel's pub/sub channel. */
export const PRESENCE_MARK = "p:";

/** A presence announcement read back: undefined when it is not one. */
export function decodePresence(message: string): { userId: string; joined: boolean } | undefined {
  const m = /^p:([jl]):(.+)$/s.exec(message);
  return m ? { userId: m[2]!, joined: m[1] === "j" } : undefined;
}

/** The presence scripts on one client. */
export interface PresenceScripts {
  /** Adds or renews `members`, drops expired entries; resolves with the number of changes decided. */
  add(target: PresenceTarget, entryTtlMs: number, keyTtlMs: number, members: string[]): Promise<number>;
  remove(target: PresenceTarget, entryTtlMs: number, keyTtlMs: number, member: string): Promise<number>;
  read(key: string): Promise<string[]>;
}

/** Registers the presence scripts on `redis` (ioredis `defineCommand`); `sharded` announces with SPUBLISH. */
export function definePresenceScripts(redis: RedisClient, sharded: boolean): PresenceScripts {
  redis.defineCommand("twPresenceAdd", { numberOfKeys: 2, lua: ADD });
  redis.defineCommand("twPresenceRemove", { numberOfKeys: 2, lua: REMOVE });
  redis.defineCommand("twPresenceRead", { numberOfKeys: 1, lua: READ });
  const commands = redis as unknown as {
    twPresenceAdd(key: string, users: string, entryTtlMs: number, keyTtlMs: number, pubsub: string, command: string, ...members: string[]): Promise<number>;
    twPresenceRemove(key: string, users: string, entryTtlMs: number, keyTtlMs: number, pubsub: string, command: string, member: string): Promise<number>;
    twPresenceRead(key: string): Promise<string[]>;
  };
  const publish = sharded ? "SPUBLISH" : "PUBLISH";
  return {
    add: (t, entryTtlMs, keyTtlMs, members) => commands.twPresenceAdd(t.key, t.users, entryTtlMs, keyTtlMs, t.announce ?? "", publish, ...members),
    remove: (t, entryTtlMs, keyTtlMs, member) => commands.twPresenceRemove(t.key, t.users, entryTtlMs, keyTtlMs, t.announce ?? "", publish, member),
    read: (key) => commands.twPresenceRead(key),
  };
}
