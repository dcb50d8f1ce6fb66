import type { OccupancyState, TransitionWatcher } from "../../core/occupancy.js";
import type { Logger } from "../../observability/logger.js";
import type { RedisClient } from "./redis-client.js";
import { isCluster } from "./redis-client.js";
import { occupancyKeys, PARTITIONS, partitionOf } from "./redis-keys.js";

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

/**
 * KEYS nodes, state; ARGV stateTtlMs, the publish command, the partition's transition
 * channel, the channel. 1: now occupied, 0: now vacated, -1: unchanged (one caller per
 * transition sees it). A transition is also published ("1<channel>" / "0<channel>") for
 * every node, in the step that decided it.
 */
const SETTLE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local occupied = redis.call('ZCARD', KEYS[1]) > 0
local announced = redis.call('GET', KEYS[2]) == '1'
if occupied and not announced then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
  redis.call(ARGV[2], ARGV[3], '1' .. ARGV[4])
  return 1
end
if announced and not occupied then
  redis.call('DEL', KEYS[2])
  redis.call(ARGV[2], ARGV[3], '0' .. ARGV[4])
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
 * announces the vacancy. Every transition is also published on the partition's
 * transition channel, which every node that follows demand subscribes (`watch`).
 */
export class RedisOccupancy implements OccupancyState {
  /** Channels with local subscribers on this node. */
  private readonly present = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly commands: {
    twOccMark(nodes: string, state: string, ttlMs: number, nodeId: string, present: string, stateTtlMs: number): Promise<number>;
    twOccSettle(nodes: string, state: string, stateTtlMs: number, publish: string, events: string, channel: string): Promise<number>;
  };
  private watcher: TransitionWatcher | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    private readonly nodeId: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    /** The engine's subscriber: `listen` subscribes pub/sub channels (SSUBSCRIBE on a cluster), idempotently. */
    private readonly pubsub: { readonly sharded: boolean; listen(names: readonly string[]): Promise<void> },
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
    const answer = await this.commands.twOccSettle(k.nodes, k.state, this.stateTtlMs(), this.pubsub.sharded ? "SPUBLISH" : "PUBLISH", this.eventChannel(partitionOf(channel)), channel);
    return answer === 1 ? true : answer === 0 ? false : undefined;
  }

  async occupied(channel: string): Promise<boolean> {
    return (await this.client.get(occupancyKeys(this.prefix, channel).state)) === "1";
  }

  async watch(watcher: TransitionWatcher): Promise<void> {
    this.watcher = watcher;
    await this.resync();
  }

  /** The transition channels this node listens to (none until `watch`). */
  eventChannels(): string[] {
    return this.watcher ? Array.from({ length: PARTITIONS }, (_, k) => this.eventChannel(k)) : [];
  }

  /** True when `name` is a transition channel; its message is then handled here. */
  handle(name: string, message: string): boolean {
    if (!name.startsWith(`${this.prefix}occev:`)) return false;
    if (this.watcher && (message[0] === "1" || message[0] === "0") && message.length > 1) this.watcher.change(message.slice(1), message[0] === "1");
    return true;
  }

  /**
   * After `watch` and each reconnect of the subscriber: listens to the transition channels
   * again and resets the watcher with the channels occupied now (what was missed meanwhile).
   * Never throws: a failure is retried a second later (Redis may have been down since start,
   * when no reconnect follows).
   */
  async resync(): Promise<void> {
    const watcher = this.watcher;
    if (!watcher || this.stopped) return;
    clearTimeout(this.retry);
    try {
      await this.pubsub.listen(this.eventChannels());
      watcher.reset(await this.occupiedChannels());
    } catch (err) {
      if (this.stopped) return;
      this.logger.warn({ err }, "occupancy transitions cannot be followed now; retrying");
      this.retry = setTimeout(() => void this.resync(), 1000);
      this.retry.unref();
    }
  }

  /** Every channel announced occupied now: a SCAN of the state keys (on each master of a cluster). */
  async occupiedChannels(): Promise<string[]> {
    const head = `${this.prefix}occs:`;
    const pattern = `${head.replace(/[*?[\]\\]/g, "\\$&")}*`;
    const nodes = isCluster(this.client) ? this.client.nodes("master") : [this.client];
    const out: string[] = [];
    for (const node of nodes) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        cursor = next;
        for (const key of keys) out.push(key.slice(head.length).replace(/^\{p\d+\}:/, ""));
      } while (cursor !== "0");
    }
    return out;
  }

  private eventChannel(partition: number): string {
    return `${this.prefix}occev:{p${partition}}`;
  }

  /** The engine closes: no more renewals or resyncs. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.stopRenewals();
  }

  private stopRenewals(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The announced state outlives every renewal, so it never lapses while a node holds the channel. */
  private stateTtlMs(): number {
    return this.ttlMs * 10;
  }

  private async renew(): Promise<void> {
    if (this.present.size === 0) {
      this.stopRenewals();
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
