import { randomBytes } from "node:crypto";
import type { RedisOptions } from "ioredis";
import { pino } from "pino";
import type { NamespaceDefinition } from "@tickwire/protocol";
import { DEFAULT_OPTIONS } from "../../config/defaults.js";
import type { Engine, EngineSubscribeOptions, HistoryRead, PresenceEntry, PresenceListener, PublicationListener } from "../../core/engine.js";
import type { ChannelPosition, Publication, PublishInput } from "../../core/publication.js";
import { untilDeadline } from "../../core/deadline.js";
import { isDurable } from "../../core/rules.js";
import type { SkipListener, SkipReason } from "../../core/stored-data.js";
import type { Logger } from "../../observability/logger.js";
import { newEpoch } from "../memory-engine.js";
import { ChannelFeed, type FeedCounters } from "./channel-feed.js";
import { decodeEntries, decodeMessage, encodeBody, encodeFanOut, FAN_OUT_MARK } from "./redis-codec.js";
import { channelKeys, presenceKey, presenceUsersKey, type ChannelKeys } from "./redis-keys.js";
import { defineScripts, type EngineScripts } from "./redis-scripts.js";
import { decodePresence, definePresenceScripts, PRESENCE_MARK, type PresenceScripts, type PresenceTarget } from "./presence-scripts.js";
import { connectClient, createRedisClient, isCluster, redisTarget, type RedisClient, type RedisTarget } from "./redis-client.js";
import { RedisResumeStore } from "./redis-resume-store.js";
import { RedisOccupancy } from "./occupancy-state.js";
import type { OccupancyState } from "../../core/occupancy.js";

/** Options of the Redis engine. */
export interface RedisEngineOptions {
  /** `redis://` URL of the Redis every node shares (or `clusterNodes`). */
  readonly url?: string;
  /** Redis Cluster instead of one instance: some of its nodes, `host:port` (the rest are discovered). Publications go over sharded pub/sub (Redis 7). @default undefined */
  readonly clusterNodes?: readonly string[];
  /** Redis Sentinel instead of `url`: the sentinels (`host:port`) that name the master of `sentinelName`. A failover is at most an epoch change. @default undefined */
  readonly sentinels?: readonly string[];
  /** The master group the sentinels watch. @default "mymaster" */
  readonly sentinelName?: string;
  /** Prefix of every key and pub/sub channel; nodes of one deployment use the same one. @default DEFAULT_OPTIONS.redisPrefix */
  readonly prefix?: string;
  /** How long a channel's offset and epoch (and a state channel's latest value) outlive its last publish. @default 2592000000 (30 days) */
  readonly metaTtlMs?: number;
  /** Longest wait in `start` for the first connection attempt; the engine keeps reconnecting after it. @default 2000 */
  readonly connectTimeoutMs?: number;
  /** More ioredis options for both connections (TLS, `retryStrategy`, …); the engine's own settings win. @default {} */
  readonly redis?: RedisOptions;
  /** How long a presence entry outlives this node's last renewal (renewed every third of it): a dead node's entries expire after it. @default DEFAULT_OPTIONS.connectionLeaseTtlMs */
  readonly presenceTtlMs?: number;
  /** Clock of the history TTL, injectable for tests. @default Date.now */
  readonly now?: () => number;
  /** @default a silent logger */
  readonly logger?: Logger;
  /** Told about stored publications that reads leave out (unreadable, or too deep to deliver). @default none */
  readonly onSkipped?: SkipListener;
}

const DAY_MS = 24 * 3_600_000;

/** What fan-outs (`RedisEngine.fanOut`) count, for stats and tests. */
export interface FanOutCounters {
  /** Fan-outs published by this node. */
  sent: number;
  /** Fan-outs this node could not publish (Redis unreachable); delivered to its own listener only. */
  failed: number;
  /** Fan-outs handed to this node's listener. */
  delivered: number;
}


/**
 * The multi-node engine (docs/scaling.md, "Many nodes"). A Lua script orders
 * each publish in Redis: offset from the channel's meta hash, history in a
 * stream, and a PUBLISH on the channel's own pub/sub channel. Every node, the
 * publisher's included, delivers only what its subscriber connection receives,
 * through one ordered queue per channel that fills gaps from the stream (see
 * ChannelFeed). Publishes fail at once while Redis is unreachable (the publisher
 * answers 503); open sockets are not affected. Channels subscribed `fanOutOnly`
 * are numbered by their source: they have no meta, stream or feed here, only
 * their pub/sub channel, on which `fanOut` announces what the source numbered
 * (putting it in order is the source's business). On a Redis
 * Cluster (`clusterNodes`) the same runs per slot: PUBLISH becomes SPUBLISH and
 * each master holds the SSUBSCRIBEs of its slots' channels (docs/scaling.md,
 * "Redis Cluster").
 */
export class RedisEngine implements Engine {
  readonly name = "redis";
  /** What the channel feeds of this node counted. */
  readonly counters: FeedCounters = { filled: 0, holes: 0, syncs: 0, deferred: 0 };
  /** What fan-outs (`fanOut`) of this node counted. */
  readonly relays: FanOutCounters = { sent: 0, failed: 0, delivered: 0 };
  /** Resumable sessions, shared by every node on this Redis. */
  readonly sessions: RedisResumeStore;
  private readonly prefix: string;
  private readonly metaTtlMs: number;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly command: RedisClient;
  private readonly subscriber: RedisClient;
  /** On a Redis Cluster: SSUBSCRIBE and SPUBLISH (each channel on the shard owning its slot). */
  private readonly sharded: boolean;
  private readonly scripts: EngineScripts;
  private readonly presenceScripts: PresenceScripts;
  /** Feeds by pub/sub channel name. */
  private readonly feeds = new Map<string, ChannelFeed>();
  /** Channels subscribed `fanOutOnly`: pub/sub channel name → channel. */
  private readonly fanOutChannels = new Map<string, string>();
  /** Subscribe and unsubscribe of one channel run one after the other. */
  private readonly ops = new Map<string, Promise<void>>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** The newest position this node published on each channel it also delivers (for `settle`). */
  private readonly published = new Map<string, { epoch: string; offset: number }>();
  private listener: PublicationListener = () => {};
  private closed = false;
  /** This node in presence entries. */
  private readonly nodeId: string;
  /** Presence entries of this node: channel → clientId → member. */
  private readonly present = new Map<string, Map<string, string>>();
  /** Channels whose presence changes are announced (namespaces with presence events). */
  private readonly announcing = new Set<string>();
  private presenceListener: PresenceListener = () => {};
  private presenceTimer: NodeJS.Timeout | undefined;
  private presenceTicks = 0;
  private readonly occupancyState: RedisOccupancy;

  constructor(private readonly options: RedisEngineOptions) {
    this.prefix = options.prefix ?? DEFAULT_OPTIONS.redisPrefix;
    this.metaTtlMs = options.metaTtlMs ?? 30 * DAY_MS;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? pino({ level: "silent" });
    const id = randomBytes(4).toString("hex");
    this.nodeId = id;
    // No offline queue and no resend: a command fails at once while Redis is away
    // instead of running late (or twice) after a reconnect.
    const common: RedisOptions = {
      ...options.redis,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    };
    const target: RedisTarget = redisTarget(options);
    // On a cluster, a command whose connection closed under it (a master failing over) is not
    // sent again to the new master: it may have run. MOVED, ASK and TRYAGAIN are followed.
    const cluster = { retryDelayOnFailover: 0 };
    this.command = createRedisClient(target, { ...common, connectionName: `${this.prefix}cmd:${id}` }, cluster);
    // The engine re-subscribes itself after a reconnect, then catches every channel up. On a
    // cluster one subscriber per master holds the channels of its slots; after a failover or a
    // resharding the client moves them to the new owner, then the engine catches them up.
    this.subscriber = createRedisClient(target, { ...common, connectionName: `${this.prefix}sub:${id}`, autoResubscribe: false }, {
      ...cluster,
      shardedSubscribers: true,
      // The subscriber sends no keyed command that a MOVED could correct: it re-reads the slot
      // table every second, so a resharded slot's channels follow it within about that.
      slotsRefreshInterval: 1000,
    });
    this.sharded = isCluster(this.command);
    this.sessions = new RedisResumeStore(this.command, this.prefix);
    // A promoted replica may lack the last publications of its master, on a cluster as behind Sentinel.
    this.scripts = defineScripts(this.command, this.metaTtlMs, this.sharded, this.sharded || target.sentinels !== undefined);
    this.presenceScripts = definePresenceScripts(this.command, this.sharded);
    this.occupancyState = new RedisOccupancy(this.command, this.prefix, id, this.presenceTtlMs(), this.logger, {
      sharded: this.sharded,
      listen: async (names) => {
        if (this.sharded) await Promise.all(names.map((n) => this.subscriber.ssubscribe(n)));
        else if (names.length > 0) await this.subscriber.subscribe(...names);
      },
    });
    this.watch(this.command, "command", () => this.syncAll());
    if (this.sharded) {
      this.watch(this.subscriber, "subscriber", () => {
        this.syncAll();
        void this.occupancyState.resync();
      });
      // Emitted once the sharded subscribers of a changed topology hold every channel again.
      this.subscriber.on("subscribersReady", () => {
        if (this.closed) return;
        this.syncAll();
        void this.occupancyState.resync();
      });
      this.subscriber.on("smessage", (name: string, message: string) => this.onMessage(name, message));
    } else {
      this.watch(this.subscriber, "subscriber", () => this.resubscribe());
      this.subscriber.on("message", (name: string, message: string) => this.onMessage(name, message));
    }
  }

  async start(listener: PublicationListener): Promise<void> {
    this.listener = listener;
    const timeoutMs = this.options.connectTimeoutMs ?? 2000;
    // Wait for the first attempt only: a gateway starts (and answers 503 on publish) while Redis is down.
    await Promise.all([connectClient(this.command, timeoutMs), connectClient(this.subscriber, timeoutMs)]);
  }

  publish(channel: string, namespace: NamespaceDefinition, input: PublishInput): Promise<Publication> {
    if (this.closed) return Promise.reject(new Error("engine closed"));
    const durable = isDurable(namespace);
    const maxLen = durable ? namespace.history.size : namespace.kind === "state" ? 1 : 0;
    const streamTtlMs = durable && namespace.history.ttlMs > 0 ? namespace.history.ttlMs : this.metaTtlMs;
    const args = { epoch: newEpoch(), body: encodeBody(input), maxLen, streamTtlMs };
    const run = this.scripts
      .publish(channelKeys(this.prefix, channel), args)
      .then(({ offset, epoch }): Publication => {
        if (this.feeds.has(channelKeys(this.prefix, channel).pubsub)) this.published.set(channel, { epoch, offset });
        return { channel, offset, epoch, ts: input.ts, event: input.event, data: input.data, traceId: input.traceId };
      });
    this.inflight.add(run);
    const forget = () => this.inflight.delete(run);
    run.then(forget, forget);
    return run;
  }

  /**
   * PUBLISHes the publication, marked as fanned out, on its channel's pub/sub
   * channel; nothing is stored. When Redis cannot take it, this node's own
   * subscribers still get it, and the promise rejects.
   */
  fanOut(publication: Publication): Promise<void> {
    const { pubsub } = channelKeys(this.prefix, publication.channel);
    const message = encodeFanOut(publication);
    const run = this.closed ? Promise.reject(new Error("engine closed")) : this.sharded ? this.command.spublish(pubsub, message) : this.command.publish(pubsub, message);
    const done = run.then(
      () => {
        this.relays.sent++;
      },
      (err: unknown) => {
        this.relays.failed++;
        if (this.fanOutChannels.has(pubsub)) this.deliverFanOut(publication);
        throw err;
      },
    );
    this.inflight.add(done);
    const forget = () => this.inflight.delete(done);
    done.then(forget, forget);
    return done;
  }

  subscribe(channel: string, _namespace: NamespaceDefinition, options: EngineSubscribeOptions = {}): Promise<void> {
    return this.serially(channel, () => (options.fanOutOnly === true ? this.doSubscribeFanOut(channel) : this.doSubscribe(channel)));
  }

  unsubscribe(channel: string): Promise<void> {
    return this.serially(channel, () => this.doUnsubscribe(channel));
  }

  async position(channel: string): Promise<ChannelPosition> {
    const read = await this.scripts.read(channelKeys(this.prefix, channel), newEpoch(), 0, "+", 0);
    return { offset: read.top, epoch: read.epoch };
  }

  async history(channel: string, namespace: NamespaceDefinition, afterOffset: number, limit: number): Promise<HistoryRead> {
    if (!isDurable(namespace)) {
      const position = await this.position(channel);
      return { position, publications: [], contiguous: afterOffset === position.offset };
    }
    // Position and entries are read at one instant; a later publication reaches a
    // recovering subscriber through the hub's buffer.
    const read = await this.scripts.read(channelKeys(this.prefix, channel), newEpoch(), afterOffset + 1, "+", limit);
    const position = { offset: read.top, epoch: read.epoch };
    if (afterOffset >= position.offset) return { position, publications: [], contiguous: afterOffset === position.offset };
    const minTs = namespace.history.ttlMs > 0 ? this.now() - namespace.history.ttlMs : 0;
    // A skipped entry is a counted error, not a gap in history: the range after it is still contiguous.
    let firstSkipped = Infinity;
    const decoded = decodeEntries(channel, read.epoch, read.entries, (offset, reason) => {
      firstSkipped = Math.min(firstSkipped, offset);
      this.skipped(channel, offset, reason);
    });
    const publications = decoded.filter((p) => p.offset <= position.offset && p.ts >= minTs);
    const first = Math.min(publications[0]?.offset ?? Infinity, firstSkipped);
    const contiguous = publications.length > 0 && first === afterOffset + 1;
    return { position, publications, contiguous };
  }

  async latest(channel: string): Promise<Publication | undefined> {
    const read = await this.scripts.read(channelKeys(this.prefix, channel), newEpoch(), "top", "+", 1);
    return decodeEntries(channel, read.epoch, read.entries, (offset, reason) => this.skipped(channel, offset, reason)).find((p) => p.offset === read.top);
  }

  onPresenceChange(listener: PresenceListener): void {
    this.presenceListener = listener;
  }

  async presenceJoin(channel: string, clientId: string, userId: string, announce = false): Promise<void> {
    if (this.closed) throw new Error("engine closed");
    const member = JSON.stringify([this.nodeId, clientId, userId]);
    let clients = this.present.get(channel);
    if (!clients) this.present.set(channel, (clients = new Map()));
    clients.set(clientId, member);
    if (announce) this.announcing.add(channel);
    this.presenceTimer ??= setInterval(() => void this.renewPresence(), this.presenceSweepMs());
    this.presenceTimer.unref();
    // Kept locally even when Redis fails now: the next renewal writes it.
    await this.writePresence(channel, [member]);
  }

  async presenceLeave(channel: string, clientId: string): Promise<void> {
    const clients = this.present.get(channel);
    const member = clients?.get(clientId);
    if (!clients || member === undefined) return;
    clients.delete(clientId);
    const target = this.presenceTarget(channel);
    if (clients.size === 0) {
      this.present.delete(channel);
      this.announcing.delete(channel);
    }
    if (this.closed) return;
    // If this fails the entry expires by itself, and the sweep of another node announces the leave.
    await this.presenceScripts.remove(target, this.presenceEntryTtlMs(), this.presenceTtlMs(), member);
  }

  async presence(channel: string): Promise<PresenceEntry[]> {
    const members = await this.presenceScripts.read(presenceKey(this.prefix, channel));
    const out: PresenceEntry[] = [];
    for (const member of members) {
      try {
        const [, clientId, userId] = JSON.parse(member) as [string, string, string];
        if (typeof clientId === "string" && typeof userId === "string") out.push({ clientId, userId });
      } catch {
        // Not written by Tickwire: ignored.
      }
    }
    return out;
  }

  /** Occupancy across nodes (docs/scaling.md, "Occupancy"); entries of this node live presenceTtlMs past their last renewal. */
  occupancy(): OccupancyState {
    return this.occupancyState;
  }

  private presenceTtlMs(): number {
    return this.options.presenceTtlMs ?? DEFAULT_OPTIONS.connectionLeaseTtlMs;
  }

  /**
   * How often this node renews and sweeps presence: a sixth of the TTL. An entry is
   * written to expire one sweep before the TTL, so a dead node's users are announced
   * gone by a survivor's sweep within the TTL of its last renewal.
   */
  private presenceSweepMs(): number {
    return Math.max(1, Math.floor(this.presenceTtlMs() / 6));
  }

  private presenceEntryTtlMs(): number {
    return Math.max(1, this.presenceTtlMs() - this.presenceSweepMs());
  }

  private presenceTarget(channel: string): PresenceTarget {
    return { key: presenceKey(this.prefix, channel), users: presenceUsersKey(this.prefix, channel), announce: this.announcing.has(channel) ? channelKeys(this.prefix, channel).pubsub : undefined };
  }

  /** Adds `members` to a channel's presence with a fresh expiry; drops entries expired meanwhile (a dead node's). */
  private async writePresence(channel: string, members: string[]): Promise<void> {
    await this.presenceScripts.add(this.presenceTarget(channel), this.presenceEntryTtlMs(), this.presenceTtlMs(), members);
  }

  /**
   * Every sweep: renews the entries of announcing channels (which drops and announces
   * expired ones); the other channels every second sweep (every third of the TTL).
   */
  private async renewPresence(): Promise<void> {
    if (this.closed) return;
    const all = this.presenceTicks++ % 2 === 0;
    const writes = [...this.present].filter(([channel]) => all || this.announcing.has(channel)).map(([channel, clients]) => this.writePresence(channel, [...clients.values()]));
    const results = await Promise.allSettled(writes);
    if (results.some((r) => r.status === "rejected")) this.logger.warn({ failed: results.filter((r) => r.status === "rejected").length }, "presence renewal failed; retried on the next one");
  }

  /** Ready while both Redis connections are; details carry their states and the feed counters. */
  health(): { ok: boolean; details: Record<string, unknown> } {
    const command = this.command.status;
    const subscriber = this.subscriber.status;
    return { ok: command === "ready" && subscriber === "ready", details: { name: this.name, ...(this.sharded ? { cluster: true } : {}), command, subscriber, channels: this.feeds.size + this.fanOutChannels.size, ...this.counters, relays: { ...this.relays } } };
  }

  /** PING on the command connection (`/readyz`: a connection that says "ready" may still not answer). */
  async ping(): Promise<void> {
    await this.command.ping();
  }

  /**
   * Resolves once what this node published has come back on its subscriber
   * connection and was handed to the listener (shutdown: in-flight publications
   * reach local subscribers before they are told to go), or at `deadline`.
   */
  async settle(deadline: number): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    const waits: Promise<void>[] = [];
    for (const [channel, position] of this.published) {
      const feed = this.feeds.get(channelKeys(this.prefix, channel).pubsub);
      if (feed) waits.push(feed.reached(position.epoch, position.offset));
    }
    this.published.clear();
    await untilDeadline(Promise.all(waits), deadline);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    this.occupancyState.stop();
    this.present.clear();
    await Promise.allSettled([...this.inflight]);
    for (const feed of this.feeds.values()) feed.close();
    this.feeds.clear();
    this.fanOutChannels.clear();
    this.command.disconnect();
    this.subscriber.disconnect();
  }

  private async doSubscribe(channel: string): Promise<void> {
    if (this.closed) throw new Error("engine closed");
    const keys = channelKeys(this.prefix, channel);
    if (this.feeds.has(keys.pubsub)) return;
    const feed = new ChannelFeed(channel, (from, to, count) => this.readFeed(channel, keys, from, to, count), (p) => this.deliver(p), this.counters, (err, what) =>
      this.logger.warn({ err, channel }, what),
    );
    this.feeds.set(keys.pubsub, feed);
    try {
      // Subscribed first, position second: nothing published in between is missed.
      await this.listen(keys.pubsub);
      const read = await this.scripts.read(keys, newEpoch(), 0, "+", 0);
      feed.start(read.epoch, read.top);
    } catch (err) {
      if (this.feeds.get(keys.pubsub) === feed) await this.doUnsubscribe(channel);
      throw err;
    }
  }

  /** A channel its source numbers: its pub/sub channel only (no meta is read, so none is created). */
  private async doSubscribeFanOut(channel: string): Promise<void> {
    if (this.closed) throw new Error("engine closed");
    const { pubsub } = channelKeys(this.prefix, channel);
    if (this.fanOutChannels.has(pubsub)) return;
    this.fanOutChannels.set(pubsub, channel);
    try {
      await this.listen(pubsub);
    } catch (err) {
      if (this.fanOutChannels.has(pubsub)) await this.doUnsubscribe(channel);
      throw err;
    }
  }

  private async doUnsubscribe(channel: string): Promise<void> {
    const { pubsub } = channelKeys(this.prefix, channel);
    const feed = this.feeds.get(pubsub);
    if (!feed && !this.fanOutChannels.has(pubsub)) return;
    feed?.close();
    this.published.delete(channel);
    this.feeds.delete(pubsub);
    this.fanOutChannels.delete(pubsub);
    // While Redis is away this fails; the reconnect re-subscribes only the channels still wanted.
    await (this.sharded ? this.subscriber.sunsubscribe(pubsub) : this.subscriber.unsubscribe(pubsub)).catch(() => undefined);
  }

  private async listen(pubsub: string): Promise<void> {
    if (this.sharded) await this.subscriber.ssubscribe(pubsub);
    else await this.subscriber.subscribe(pubsub);
  }

  private async readFeed(channel: string, keys: ChannelKeys, from: number, to: number | "+", count: number) {
    const read = await this.scripts.read(keys, newEpoch(), from, to, count);
    return { top: read.top, epoch: read.epoch, publications: decodeEntries(channel, read.epoch, read.entries, (offset, reason) => this.skipped(channel, offset, reason)) };
  }

  private skipped(channel: string, offset: number, reason: SkipReason): void {
    this.options.onSkipped?.({ channel, offset, reason });
  }

  private onMessage(name: string, message: string): void {
    if (this.occupancyState.handle(name, message)) return;
    if (message.startsWith(PRESENCE_MARK)) {
      const feed = this.feeds.get(name);
      const change = feed && decodePresence(message);
      if (!feed) return;
      if (!change) this.logger.warn({ channel: feed.channel }, "malformed presence message ignored");
      else this.announcePresence({ channel: feed.channel, ...change });
      return;
    }
    if (message.startsWith(FAN_OUT_MARK)) {
      const channel = this.fanOutChannels.get(name);
      if (channel === undefined) return;
      const publication = decodeMessage(channel, message.slice(FAN_OUT_MARK.length));
      if (publication) this.deliverFanOut(publication);
      else this.logger.warn({ channel }, "malformed fan-out message ignored");
      return;
    }
    const feed = this.feeds.get(name);
    if (!feed) return;
    const publication = decodeMessage(feed.channel, message);
    if (publication) feed.push(publication);
    else this.logger.warn({ channel: feed.channel }, "malformed pub/sub message ignored");
  }

  private announcePresence(change: { channel: string; userId: string; joined: boolean }): void {
    try {
      this.presenceListener(change);
    } catch (err) {
      this.logger.error({ err, channel: change.channel }, "presence listener failed");
    }
  }

  private deliverFanOut(publication: Publication): void {
    this.relays.delivered++;
    this.deliver(publication);
  }

  private deliver(publication: Publication): void {
    try {
      this.listener(publication);
    } catch (err) {
      this.logger.error({ err, channel: publication.channel, traceId: publication.traceId }, "listener failed");
    }
  }

  /** After the subscriber reconnects: subscribe every wanted channel again, then catch each up from its stream. */
  private async resubscribe(): Promise<void> {
    // Fan-outs missed meanwhile are not fetched again: their source has them (the inbox re-sends unread ones on subscribe).
    const names = [...this.feeds.keys(), ...this.fanOutChannels.keys()];
    if (names.length > 0) await this.subscriber.subscribe(...names);
    this.syncAll();
    await this.occupancyState.resync();
  }

  private syncAll(): void {
    for (const feed of this.feeds.values()) feed.sync();
  }

  /** Logs connection loss once per outage and runs `onReconnect` on every `ready` after the first. */
  private watch(connection: RedisClient, role: string, onReconnect: () => Promise<void> | void): void {
    let connected = false;
    let everReady = false;
    let reported = false;
    connection.on("ready", () => {
      if (reported) this.logger.info({ role }, "redis connection restored");
      connected = true;
      reported = false;
      if (everReady && !this.closed) {
        Promise.resolve(onReconnect()).catch((err: unknown) => this.logger.warn({ err, role }, "resync after reconnect failed"));
      }
      everReady = true;
    });
    connection.on("error", (err: Error) => {
      if (reported || this.closed) return;
      reported = true;
      this.logger.warn({ err, role, connected }, "redis connection failed; retrying");
    });
    connection.on("close", () => {
      connected = false;
    });
  }

  private serially(channel: string, op: () => Promise<void>): Promise<void> {
    const previous = this.ops.get(channel) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(op);
    const settled = next.catch(() => undefined);
    this.ops.set(channel, settled);
    void settled.then(() => {
      if (this.ops.get(channel) === settled) this.ops.delete(channel);
    });
    return next;
  }
}
