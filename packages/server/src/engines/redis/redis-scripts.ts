import type { RedisClient } from "./redis-client.js";
import type { ChannelKeys } from "./redis-keys.js";
import type { StreamEntry } from "./redis-codec.js";

/**
 * Sets the epoch when the meta hash is missing (it was never written, expired,
 * or Redis lost it) and drops a stream left from the lost epoch, so an epoch
 * changes only when its offsets are gone.
 */
const ENSURE_EPOCH = `
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
`;

/**
 * KEYS: meta, hist. ARGV: candidate epoch, meta TTL ms, body, MAXLEN (0: no
 * stream), stream TTL ms, pub/sub channel, and the command announcing on it
 * (PUBLISH; SPUBLISH on a cluster, where the channel shares the keys' slot),
 * and "1" to check for a failover. On a cluster the meta hash also keeps `r`, the
 * replication id of the master that last wrote it. A master whose previous
 * replication id is `r` is a replica that took over from that writer after a
 * failover: what the old master had not yet replicated is gone, so the channel
 * starts a new epoch (subscribers resync) instead of giving lost offsets to new
 * publications. Keys moved by a resharding keep their epoch (the new owner did
 * not replicate from the writer).
 * Returns `{ offset, epoch }`.
 */
const PUBLISH = `${ENSURE_EPOCH}
if ARGV[8] == '1' then
  local info = redis.call('INFO', 'replication')
  local me = string.match(info, 'master_replid:(%w+)')
  local before = string.match(info, 'master_replid2:(%w+)')
  local writer = redis.call('HGET', KEYS[1], 'r')
  if writer ~= me then
    if writer and writer == before then
      epoch = ARGV[1]
      redis.call('DEL', KEYS[2])
      redis.call('HSET', KEYS[1], 'e', epoch, 's', 0)
    end
    redis.call('HSET', KEYS[1], 'r', me)
  end
end
local offset = redis.call('HINCRBY', KEYS[1], 's', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if offset == 1 then redis.call('DEL', KEYS[2]) end
local maxlen = tonumber(ARGV[4])
if maxlen > 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', maxlen, offset .. '-0', 'b', ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
redis.call(ARGV[7], ARGV[6], offset .. ':' .. epoch .. '|' .. ARGV[3])
return {offset, epoch}
`;

/**
 * KEYS: meta, hist. ARGV: candidate epoch, meta TTL ms, first offset (or
 * "top"), last offset (or "+"), count (0: position only). Returns
 * `{ top, epoch, entries }`, all read at one instant.
 */
const READ = `${ENSURE_EPOCH}
local top = tonumber(redis.call('HGET', KEYS[1], 's') or '0')
local count = tonumber(ARGV[5])
local from = ARGV[3]
if from == 'top' then from = top end
local entries = {}
if count > 0 and tonumber(from) >= 1 and tonumber(from) <= top then
  entries = redis.call('XRANGE', KEYS[2], from, ARGV[4], 'COUNT', count)
end
return {top, epoch, entries}
`;

/** A channel's position and the stream entries read with it. */
export interface RawRead {
  readonly top: number;
  readonly epoch: string;
  readonly entries: StreamEntry[];
}

/** What the publish script needs besides the keys. */
export interface PublishArgs {
  readonly epoch: string;
  readonly body: string;
  /** Stream length kept; 0 keeps no stream. */
  readonly maxLen: number;
  readonly streamTtlMs: number;
}

/** The engine's two scripts on one connection (EVALSHA, falling back to EVAL after a Redis restart). */
export interface EngineScripts {
  publish(keys: ChannelKeys, args: PublishArgs): Promise<{ offset: number; epoch: string }>;
  read(keys: ChannelKeys, epoch: string, from: number | "top", to: number | "+", count: number): Promise<RawRead>;
}

type Reply = [number, string, StreamEntry[]?];
type ScriptFn = (...args: Array<string | number>) => Promise<Reply>;

/**
 * Registers the scripts on `redis` (ioredis `defineCommand`). With `sharded`
 * the publish script announces with SPUBLISH (Redis 7 sharded pub/sub). With
 * `checkFailover` (a cluster, Sentinel) it notices a promoted replica (a new epoch).
 */
export function defineScripts(redis: RedisClient, metaTtlMs: number, sharded = false, checkFailover = sharded): EngineScripts {
  const announce = sharded ? "SPUBLISH" : "PUBLISH";
  redis.defineCommand("twPublish", { numberOfKeys: 2, lua: PUBLISH });
  redis.defineCommand("twRead", { numberOfKeys: 2, lua: READ });
  const commands = redis as unknown as { twPublish: ScriptFn; twRead: ScriptFn };
  return {
    async publish(keys, args) {
      const [offset, epoch] = await commands.twPublish(keys.meta, keys.hist, args.epoch, metaTtlMs, args.body, args.maxLen, args.streamTtlMs, keys.pubsub, announce, checkFailover ? "1" : "0");
      return { offset: Number(offset), epoch };
    },
    async read(keys, epoch, from, to, count) {
      const [top, current, entries] = await commands.twRead(keys.meta, keys.hist, epoch, metaTtlMs, from, to, count);
      return { top: Number(top), epoch: current, entries: entries ?? [] };
    },
  };
}
