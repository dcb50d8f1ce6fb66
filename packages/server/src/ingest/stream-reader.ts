import { TickwireError } from "@tickwire/protocol";
import type { Publisher } from "../core/publisher.js";
import { newTraceId } from "../core/rules.js";
import type { RedisClient } from "../engines/redis/redis-client.js";
import type { Logger } from "../observability/logger.js";
import { isRetryable, publicationFromStreamFields } from "./publication-message.js";
import { Pause } from "./backoff.js";

type Entry = [id: string, fields: string[] | null];
type Outcome = "done" | "retry";

/** What a reader needs besides its streams. */
export interface StreamReaderSettings {
  readonly group: string;
  readonly consumer: string;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly claimIdleMs: number;
  readonly retryDelayMs: number;
  readonly maxAttempts: number;
  readonly startId: string;
  readonly maxEntryBytes: number;
  readonly publisher: Publisher;
  readonly logger: Logger;
  /** Counts shared by the readers of one ingest. */
  readonly counters: { received: number; errors: number };
}

/**
 * One read loop over streams that one XREADGROUP may name together (one Redis, or one
 * slot of a cluster), on a connection of its own: a blocking read holds its connection,
 * and the acknowledgements of its entries follow it on the same one. An entry is
 * acknowledged only once published; a bad entry is logged, counted and acknowledged (no
 * poison loop); a retryable failure is left pending and read again in order, the entries
 * after it waiting behind it.
 */
export class StreamReader {
  state = "connecting";
  private stopped = false;
  /** Reading this consumer's pending entries (at start and after a failure) before new ones. */
  private backlog = true;
  private groupReady = false;
  private readonly attempts = new Map<string, number>();
  private readonly pause = new Pause();

  constructor(
    private readonly redis: RedisClient,
    private readonly streams: readonly string[],
    private readonly settings: StreamReaderSettings,
  ) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.groupReady) await this.prepare();
        const entries = await this.read(this.backlog ? "0" : ">");
        if (this.stopped) return;
        this.state = "running";
        if (this.backlog && entries.length === 0) this.backlog = false;
        for (const [stream, entry] of entries) {
          if ((await this.handle(stream, entry)) === "retry") {
            // Keep the stream's order: later entries wait, pending, behind this one.
            this.backlog = true;
            await this.pause.for(this.settings.retryDelayMs);
            break;
          }
        }
      } catch (err) {
        if (this.stopped) return;
        if (String((err as Error).message).includes("NOGROUP")) this.groupReady = false;
        if (this.state !== "reconnecting") this.settings.logger.warn({ err: (err as Error).message, streams: this.streams }, "redis ingest failed; retrying");
        this.state = "reconnecting";
        this.backlog = true;
        await this.pause.for(this.settings.retryDelayMs);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.state = "stopped";
    this.pause.wake();
  }

  /** Creates the groups if needed and claims entries other consumers left unacknowledged too long (a crashed node). */
  private async prepare(): Promise<void> {
    const { group, consumer, batchSize, claimIdleMs, startId } = this.settings;
    if (this.redis.status === "wait") await this.redis.connect();
    for (const stream of this.streams) {
      try {
        await this.redis.xgroup("CREATE", stream, group, startId, "MKSTREAM");
      } catch (err) {
        if (!String((err as Error).message).includes("BUSYGROUP")) throw err;
      }
      let cursor = "0-0";
      do {
        const reply = (await this.redis.xautoclaim(stream, group, consumer, claimIdleMs, cursor, "COUNT", batchSize, "JUSTID")) as [string, unknown];
        cursor = reply[0];
      } while (cursor !== "0-0" && !this.stopped);
    }
    this.groupReady = true;
    this.backlog = true;
  }

  /** `id` "0" reads this consumer's pending entries (no wait), ">" new ones (blocking). */
  private async read(id: "0" | ">"): Promise<Array<[stream: string, entry: Entry]>> {
    const { group, consumer, batchSize, blockMs } = this.settings;
    const ids = this.streams.map(() => id);
    const reply =
      id === "0"
        ? await this.redis.xreadgroup("GROUP", group, consumer, "COUNT", batchSize, "STREAMS", ...this.streams, ...ids)
        : await this.redis.xreadgroup("GROUP", group, consumer, "COUNT", batchSize, "BLOCK", blockMs, "STREAMS", ...this.streams, ...ids);
    const streams = (reply as Array<[string, Entry[]]> | null) ?? [];
    return streams.flatMap(([stream, entries]) => entries.map((entry): [string, Entry] => [stream, entry]));
  }

  private async handle(stream: string, [id, fields]: Entry): Promise<Outcome> {
    const { counters, logger } = this.settings;
    counters.received++;
    const traceId = newTraceId();
    const key = `${stream}:${id}`;
    try {
      const request = publicationFromStreamFields(fields, this.settings.maxEntryBytes);
      await this.settings.publisher.publish({ ...request, idempotencyKey: request.idempotencyKey ?? key, traceId });
    } catch (err) {
      counters.errors++;
      const attempts = (this.attempts.get(key) ?? 0) + 1;
      const message = (err as Error).message;
      // A refused publication never succeeds; an unexpected error (INTERNAL or not a TickwireError) gets a few
      // attempts, UNAVAILABLE, RATE_LIMITED and SHUTDOWN as many as it takes.
      const unexpected = !(err instanceof TickwireError) || err.code === "INTERNAL";
      if (isRetryable(err) && (!unexpected || attempts < this.settings.maxAttempts)) {
        this.attempts.set(key, attempts);
        logger.warn({ stream, id, traceId, attempts, err: message }, "publishing a stream entry failed; it stays pending and is retried");
        return "retry";
      }
      logger.warn({ stream, id, traceId, err: message }, "skipping a bad stream entry");
    }
    this.attempts.delete(key);
    await this.redis.xack(stream, this.settings.group, id);
    return "done";
  }
}

/**
 * Streams grouped so that each group may be read by one XREADGROUP: all of them on one
 * Redis; on a cluster, the streams sharing a hash tag (one slot for sure), each other
 * stream alone (its slot is the cluster's to place).
 */
export function readGroups(streams: readonly string[], cluster: boolean): string[][] {
  if (!cluster) return [[...streams]];
  const groups = new Map<string, string[]>();
  for (const stream of streams) {
    const tag = /\{([^}]+)\}/.exec(stream)?.[1];
    const key = tag === undefined ? `key:${stream}` : `tag:${tag}`;
    groups.set(key, [...(groups.get(key) ?? []), stream]);
  }
  return [...groups.values()];
}
