import { hostname } from "node:os";
import { DEFAULT_OPTIONS } from "../config/defaults.js";
import type { ComponentContext, FeedState, GatewayComponent } from "../core/component.js";
import { createRedisClient, type RedisTarget } from "../engines/redis/redis-client.js";
import type { Logger } from "../observability/logger.js";
import { readGroups, StreamReader } from "./stream-reader.js";

/** Options of the Redis Streams ingest. */
export interface RedisIngestOptions {
  /** `redis://` URL of the streams' server (or `clusterNodes`). */
  readonly url?: string;
  /** A Redis Cluster instead of `url`: some of its nodes, `host:port`. @default undefined */
  readonly clusterNodes?: readonly string[];
  /** Stream key. @default DEFAULT_OPTIONS.ingestStream */
  readonly stream?: string;
  /** Several stream keys instead of `stream`, read together (on a cluster, one read per hash tag). @default [stream] */
  readonly streams?: readonly string[];
  /** Consumer group; nodes of one deployment share it, so each entry is published once. @default DEFAULT_OPTIONS.ingestGroup */
  readonly group?: string;
  /** Consumer name; stable across restarts so this node's unacknowledged entries are read again. @default the host name */
  readonly consumer?: string;
  /** Entries read per call. @default 100 */
  readonly batchSize?: number;
  /** How long one read waits for new entries. @default 5000 */
  readonly blockMs?: number;
  /** Entries another consumer received but left unacknowledged this long are claimed at start. @default 60000 */
  readonly claimIdleMs?: number;
  /** Wait before a retryable failure (UNAVAILABLE, Redis down) is tried again. @default 1000 */
  readonly retryDelayMs?: number;
  /** Attempts of an entry failing with an unexpected error before it is dropped (poison entry). @default 5 */
  readonly maxAttempts?: number;
  /** Where a new group starts: "0" reads what the stream already holds, "$" only later entries. @default "0" */
  readonly startId?: string;
  /** Name in `/api/v1/stats` feeds and `/readyz`. @default "redis-ingest" */
  readonly name?: string;
  /** Largest entry (its fields together), refused as a bad entry before its `data` is parsed. @default DEFAULT_OPTIONS.maxBodyBytes */
  readonly maxEntryBytes?: number;
}

/**
 * Consumes publications from Redis streams in a consumer group and publishes
 * them through the gateway's publisher (the HTTP API's path), one StreamReader
 * per group of streams one read may name (docs/streams.md). Entries added while
 * the gateway was down, and entries it read but did not acknowledge before a
 * crash, are consumed when it returns. Each entry publishes with an idempotency
 * key (its own, or `{stream}:{entry id}`), so a redelivery never publishes twice.
 */
export class RedisStreamIngest implements GatewayComponent {
  readonly name: string;
  /** Its publications pass the streams' rules, and its notifications find the inbox. */
  readonly startsAfter = ["streams", "notifications"];
  private readonly streams: readonly string[];
  private readonly target: RedisTarget;
  private readonly counters = { received: 0, errors: 0 };
  private readers: Array<{ reader: StreamReader; redis: { disconnect(): void }; loop: Promise<void> }> = [];
  private state = "stopped";

  constructor(private readonly options: RedisIngestOptions) {
    this.name = options.name ?? "redis-ingest";
    this.streams = options.streams ?? [options.stream ?? DEFAULT_OPTIONS.ingestStream];
    this.target = options.clusterNodes !== undefined ? { clusterNodes: options.clusterNodes } : { url: options.url ?? "redis://127.0.0.1:6379" };
  }

  async start(ctx: ComponentContext): Promise<void> {
    const logger: Logger = ctx.logger.child({ component: this.name, streams: this.streams });
    const o = this.options;
    const settings = {
      group: o.group ?? DEFAULT_OPTIONS.ingestGroup,
      consumer: o.consumer ?? hostname(),
      batchSize: o.batchSize ?? 100,
      blockMs: o.blockMs ?? 5000,
      claimIdleMs: o.claimIdleMs ?? 60_000,
      retryDelayMs: o.retryDelayMs ?? 1000,
      maxAttempts: o.maxAttempts ?? 5,
      startId: o.startId ?? "0",
      maxEntryBytes: o.maxEntryBytes ?? DEFAULT_OPTIONS.maxBodyBytes,
      publisher: ctx.publisher,
      logger,
      counters: this.counters,
    };
    this.state = "connecting";
    // Started in the background: the gateway serves clients whether or not Redis is up.
    this.readers = readGroups(this.streams, this.target.clusterNodes !== undefined).map((streams) => {
      // Commands wait for a reconnect instead of failing; stop() disconnects to end a blocking read.
      const redis = createRedisClient(this.target, { maxRetriesPerRequest: null, lazyConnect: true });
      redis.on("error", (err: Error) => logger.debug({ err: err.message }, "redis connection error"));
      const reader = new StreamReader(redis, streams, settings);
      return { reader, redis, loop: reader.run() };
    });
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    for (const { reader, redis } of this.readers) {
      reader.stop();
      redis.disconnect();
    }
    await Promise.all(this.readers.map((r) => r.loop));
    this.readers = [];
  }

  /** One state for all readers: the first one not running, else running. */
  feedState(): FeedState {
    const state = this.readers.length === 0 ? this.state : (this.readers.find((r) => r.reader.state !== "running")?.reader.state ?? "running");
    return { name: this.name, state, breaker: "none", received: this.counters.received, errors: this.counters.errors };
  }

  /** Always ready: entries wait in the stream while Redis or the ingest is down, nothing is lost; the state shows in the details. */
  ready(): { ok: boolean; details: unknown } {
    return { ok: true, details: this.feedState() };
  }
}
