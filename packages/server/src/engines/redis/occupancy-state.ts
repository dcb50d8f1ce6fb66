import type { OccupancyState } from "../../core/occupancy.js";
import type { Logger } from "../../observability/logger.js";
import type { RedisClient } from "./redis-client.js";
import { occupancyKeys } from "./redis-keys.js";

// Times come from Redis (TIME), like presence: a dead node's entry expires after
// ttlMs whatever the clocks of the nodes say.

/** KEYS nodes, state; ARGV ttlMs, nodeId, present (1/0), stateTtlMs. Drops expired nodes, adds (and keeps the announced state alive) or removes this one. */
const MARK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
else
  redis.call('ZREM', KEYS[1], ARGV[2])
end
return 1
`;

/** KEYS nodes, state; ARGV stateTtlMs. 1: now occupied, 0: now vacated, -1: unchanged (one caller per transition sees it). */
const SETTLE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local occupied = redis.call('ZCARD', KEYS[1]) > 0
local announced = redis.call('GET', KEYS[2]) == '1'
if occupied and not announced then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
  return 1
end
if announced and not occupied then
  redis.call('DEL', KEYS[2])
  return 0
end
if occupied then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return -1
`;

/**
 * Occupancy across nodes: each node with local subscribers of a channel holds an
 * entry in the channel's node set, renewed every third of `ttlMs`; a settle
 * compares the set with the announced state in one script, so of several nodes
 * settling at once exactly one sees each transition. A node that dies stops
 * renewing: its entries expire, and the next settle of the channel (any node's)
 * announces the vacancy.
 */
export class RedisOccupancy implements OccupancyState {
  /** Channels with local subscribers on this node. */
  private readonly present = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly commands: {
    twOccMark(nodes: string, state: string, ttlMs: number, nodeId: string, present: string, stateTtlMs: number): Promise<number>;
    twOccSettle(nodes: string, state: string, stateTtlMs: number): Promise<number>;
  };

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    private readonly nodeId: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {
    redis.defineCommand("twOccMark", { numberOfKeys: 2, lua: MARK });
    redis.defineCommand("twOccSettle", { numberOfKeys: 2, lua: SETTLE });
    this.commands = redis as unknown as RedisOccupancy["commands"];
    this.client = redis;
  }

  private readonly client: RedisClient;

  async mark(channel: string, present: boolean): Promise<void> {
    if (present) this.present.add(channel);
    else this.present.delete(channel);
    if (this.present.size > 0 && !this.timer) {
      this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.ttlMs / 3)));
      this.timer.unref();
    }
    const k = occupancyKeys(this.prefix, channel);
    await this.commands.twOccMark(k.nodes, k.state, this.ttlMs, this.nodeId, present ? "1" : "0", this.stateTtlMs());
  }

  async settle(channel: string): Promise<boolean | undefined> {
    const k = occupancyKeys(this.prefix, channel);
    const answer = await this.commands.twOccSettle(k.nodes, k.state, this.stateTtlMs());
    return answer === 1 ? true : answer === 0 ? false : undefined;
  }

  async occupied(channel: string): Promise<boolean> {
    return (await this.client.get(occupancyKeys(this.prefix, channel).state)) === "1";
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The announced state outlives every renewal, so it never lapses while a node holds the channel. */
  private stateTtlMs(): number {
    return this.ttlMs * 10;
  }

  private async renew(): Promise<void> {
    if (this.present.size === 0) {
      this.stop();
      return;
    }
    const results = await Promise.allSettled(
      [...this.present].map((channel) => {
        const k = occupancyKeys(this.prefix, channel);
        return this.commands.twOccMark(k.nodes, k.state, this.ttlMs, this.nodeId, "1", this.stateTtlMs());
      }),
    );
    const failed = results.filter((r) => r.status === "rejected").length;
    if (failed > 0) this.logger.warn({ failed }, "occupancy renewal failed; retried on the next one");
  }
}
