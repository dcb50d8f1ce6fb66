import { hostname } from "node:os";
import { Redis } from "ioredis";
import { TickwireError } from "@tickwire/protocol";
import { DEFAULT_OPTIONS } from "../config/defaults.js";
import type { ComponentContext, FeedState, GatewayComponent } from "../core/component.js";
import type { Publisher } from "../core/publisher.js";
import { newTraceId } from "../core/rules.js";
import type { Logger } from "../observability/logger.js";
import { isRetryable, publicationFromStreamFields } from "./publication-message.js";

/** Options of the Redis Streams ingest. */
export interface RedisIngestOptions {
  /** `redis://` URL of the stream's server. */
  readonly url: string;
  /** Stream key. @default DEFAULT_OPTIONS.ingestStream */
  readonly stream?: string;
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

type Entry = [id: string, fields: string[] | null];
type Outcome = "done" | "retry";

/**
 * Consumes publications from a Redis stream in a consumer group and publishes
 * them through the gateway's publisher (the HTTP API's path). An entry is
 * acknowledged only once published; a bad entry is logged, counted and
 * acknowledged (no poison loop); a retryable failure is left pending and read
 * again in order. Entries added while the gateway was down, and entries it read
 * but did not acknowledge before a crash, are consumed when it returns. Each
 * entry publishes with an idempotency key (its own, or `{stream}:{entry id}`),
 * so a redelivery never publishes twice.
 */
export class RedisStreamIngest implements GatewayComponent {
  readonly name: string;
  /** Its publications pass the streams' rules, and its notifications find the inbox. */
  readonly startsAfter = ["streams", "notifications"];
  private readonly stream: string;
  private readonly group: string;
  private readonly consumer: string;
  private redis: Redis | undefined;
  private publisher!: Publisher;
  private logger!: Logger;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private state = "stopped";
  private received = 0;
  private errors = 0;
  /** Reading this consumer's pending entries (at start and after a failure) before new ones. */
  private backlog = true;
  private groupReady = false;
  private readonly attempts = new Map<string, number>();
  private wake: (() => void) | undefined;

  constructor(private readonly options: RedisIngestOptions) {
    this.name = options.name ?? "redis-ingest";
    this.stream = options.stream ?? DEFAULT_OPTIONS.ingestStream;
    this.group = options.group ?? DEFAULT_OPTIONS.ingestGroup;
    this.consumer = options.consumer ?? hostname();
  }

  async start(ctx: ComponentContext): Promise<void> {
    this.publisher = ctx.publisher;
    this.logger = ctx.logger.child({ component: this.name, stream: this.stream });
    this.stopped = false;
    // Commands wait for a reconnect instead of failing; stop() disconnects to end a blocking read.
    this.redis = new Redis(this.options.url, { maxRetriesPerRequest: null, lazyConnect: true });
    this.redis.on("error", (err: Error) => this.logger.debug({ err: err.message }, "redis connection error"));
    this.state = "connecting";
    // Started in the background: the gateway serves clients whether or not Redis is up.
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = "stopped";
    this.wake?.();
    this.redis?.disconnect();
    await this.loop;
  }

  feedState(): FeedState {
    return { name: this.name, state: this.state, breaker: "none", received: this.received, errors: this.errors };
  }

  /** Always ready: entries wait in the stream while Redis or the ingest is down, nothing is lost; the state shows in the details. */
  ready(): { ok: boolean; details: unknown } {
    return { ok: true, details: this.feedState() };
  }

  private async run(): Promise<void> {
    const redis = this.redis!;
    while (!this.stopped) {
      try {
        if (!this.groupReady) await this.prepare(redis);
        const entries = await this.read(redis, this.backlog ? "0" : ">");
        if (this.stopped) return;
        this.state = "running";
        if (this.backlog && entries.length === 0) this.backlog = false;
        for (const entry of entries) {
          if ((await this.handle(redis, entry)) === "retry") {
            // Keep the stream's order: later entries wait, pending, behind this one.
            this.backlog = true;
            await this.sleep(this.options.retryDelayMs ?? 1000);
            break;
          }
        }
      } catch (err) {
        if (this.stopped) return;
        if (String((err as Error).message).includes("NOGROUP")) this.groupReady = false;
        if (this.state !== "reconnecting") this.logger.warn({ err: (err as Error).message }, "redis ingest failed; retrying");
        this.state = "reconnecting";
        this.backlog = true;
        await this.sleep(this.options.retryDelayMs ?? 1000);
      }
    }
  }

  /** Creates the group if needed and claims entries other consumers left unacknowledged too long (a crashed node). */
  private async prepare(redis: Redis): Promise<void> {
    if (redis.status === "wait") await redis.connect();
    try {
      await redis.xgroup("CREATE", this.stream, this.group, this.options.startId ?? "0", "MKSTREAM");
    } catch (err) {
      if (!String((err as Error).message).includes("BUSYGROUP")) throw err;
    }
    let cursor = "0-0";
    do {
      const reply = (await redis.xautoclaim(this.stream, this.group, this.consumer, this.options.claimIdleMs ?? 60_000, cursor, "COUNT", this.options.batchSize ?? 100, "JUSTID")) as [string, unknown];
      cursor = reply[0];
    } while (cursor !== "0-0" && !this.stopped);
    this.groupReady = true;
    this.backlog = true;
  }

  /** `id` "0" reads this consumer's pending entries (no wait), ">" new ones (blocking). */
  private async read(redis: Redis, id: "0" | ">"): Promise<Entry[]> {
    const count = this.options.batchSize ?? 100;
    const reply =
      id === "0"
        ? await redis.xreadgroup("GROUP", this.group, this.consumer, "COUNT", count, "STREAMS", this.stream, id)
        : await redis.xreadgroup("GROUP", this.group, this.consumer, "COUNT", count, "BLOCK", this.options.blockMs ?? 5000, "STREAMS", this.stream, id);
    const streams = reply as Array<[string, Entry[]]> | null;
    return streams?.[0]?.[1] ?? [];
  }

  private async handle(redis: Redis, [id, fields]: Entry): Promise<Outcome> {
    this.received++;
    const traceId = newTraceId();
    try {
      const request = publicationFromStreamFields(fields, this.options.maxEntryBytes ?? DEFAULT_OPTIONS.maxBodyBytes);
      await this.publisher.publish({ ...request, idempotencyKey: request.idempotencyKey ?? `${this.stream}:${id}`, traceId });
    } catch (err) {
      this.errors++;
      const attempts = (this.attempts.get(id) ?? 0) + 1;
      const message = (err as Error).message;
      // A refused publication never succeeds; an unexpected error (INTERNAL or not a TickwireError) gets a few
      // attempts, UNAVAILABLE, RATE_LIMITED and SHUTDOWN as many as it takes.
      const unexpected = !(err instanceof TickwireError) || err.code === "INTERNAL";
      if (isRetryable(err) && (!unexpected || attempts < (this.options.maxAttempts ?? 5))) {
        this.attempts.set(id, attempts);
        this.logger.warn({ id, traceId, attempts, err: message }, "publishing a stream entry failed; it stays pending and is retried");
        return "retry";
      }
      this.logger.warn({ id, traceId, err: message }, "skipping a bad stream entry");
    }
    this.attempts.delete(id);
    await redis.xack(this.stream, this.group, id);
    return "done";
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
