import {
  buildCatalogue,
  isAllowedEvent,
  isChannelError,
  parseChannel,
  TickwireError,
  type NamespaceDefinition,
  type PublishResult,
} from "@tickwire/protocol";
import type { Logger } from "../observability/logger.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import type { SourceReceipt } from "./channel-source.js";
import type { ChannelSources } from "./channel-sources.js";
import { checkInput, isSafeString } from "./input-bounds.js";
import type { IdempotencyStore } from "./store.js";
import { channelError, newTraceId } from "./rules.js";
import type { PublishTarget } from "./publication.js";

/** What any publisher (HTTP API, Redis ingest, upstream feed, simulator) hands to the gateway. */
export interface PublishRequest {
  readonly channel: unknown;
  readonly data: unknown;
  readonly event?: unknown;
  readonly idempotencyKey?: string | undefined;
  /** Carried into logs; generated when absent. */
  readonly traceId?: string | undefined;
}

/** One publication onto several channels of one namespace, stored together where the source can (`Publisher.publishMany`). */
export interface PublishManyRequest {
  readonly channels: readonly unknown[];
  readonly data: unknown;
  readonly event?: unknown;
  /** Carried into logs; generated when absent. */
  readonly traceId?: string | undefined;
}

/** A publication about to be stored, as publish rules see it (declared beside `Publication`). */
export type { PublishTarget };

/** Extends the publish path (payload checks, copies to aggregate channels); added with `Publisher.use`. */
export interface PublishRule {
  /** Throws a TickwireError (BAD_REQUEST) to refuse the publication; nothing is stored then. */
  check?(target: PublishTarget): void;
  /** Other channels the publication is also published on, after it was stored; each keeps its own offsets. */
  copyTo?(target: PublishTarget): readonly string[];
}

/** Options of the publisher. */
export interface PublisherOptions {
  readonly catalogue: ReturnType<typeof buildCatalogue>;
  /** The channel source of each kind: where a checked publication is stored. */
  readonly sources: ChannelSources;
  readonly idempotency: IdempotencyStore;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly maxPublicationBytes: number;
  /** Deepest nesting of `data` (docs/errors.md, "Limits"). */
  readonly maxInputDepth: number;
  readonly idempotencyTtlMs: number;
  readonly now?: () => number;
}

/** Longest idempotency key from any publisher (the HTTP schema allows 128; the stream ingest makes longer ones from stream names). */
const MAX_IDEMPOTENCY_KEY_LENGTH = 256;
/** Longest event name (the HTTP schema's bound). */
const MAX_EVENT_LENGTH = 64;

/** A short id that follows a publication through the logs (kept here for the modules that import it from the publisher). */
export { newTraceId };

/**
 * The single publish path: validation, authorisation of the event name,
 * idempotency, then the channel source of the namespace's kind (the engine for
 * event and state channels, the inbox for notifications). Every way into the
 * gateway goes through it.
 */
export class Publisher {
  private readonly inflight = new Map<string, Promise<PublishResult>>();
  private readonly rules: PublishRule[] = [];
  private readonly now: () => number;

  constructor(private readonly options: PublisherOptions) {
    this.now = options.now ?? Date.now;
  }

  private closing = false;

  /** Shutdown: every later publish is refused with SHUTDOWN (retryable; nothing is stored). */
  stopAccepting(): void {
    this.closing = true;
  }

  /** Adds a rule every later publication passes through (components call it in `register`). */
  use(rule: PublishRule): void {
    this.rules.push(rule);
  }

  /**
   * Publishes one item. A repeated idempotency key within its window returns the first result and publishes nothing.
   * @throws TickwireError BAD_REQUEST, UNKNOWN_CHANNEL, PAYLOAD_TOO_LARGE, UNAVAILABLE, SHUTDOWN
   * @example await publisher.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.1 } })
   */
  async publish(request: PublishRequest): Promise<PublishResult> {
    if (this.closing) throw new TickwireError("SHUTDOWN");
    const key = request.idempotencyKey;
    if (key === undefined) return this.publishOnce(request);
    if (!isSafeString(key, MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw new TickwireError("BAD_REQUEST", `An idempotency key is a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, well-formed Unicode without NUL.`);
    }
    const running = this.inflight.get(key);
    if (running) return running;
    const run = (async () => {
      let seen;
      try {
        seen = await this.options.idempotency.get(key, this.now());
      } catch (err) {
        this.options.logger.error({ err, traceId: request.traceId }, "idempotency lookup failed");
        throw new TickwireError("UNAVAILABLE", "The idempotency key could not be checked; retry with the same key.", { cause: err });
      }
      if (seen) return seen;
      const result = await this.publishOnce(request);
      // Stored already: a key that could not be remembered is logged, never reported as a failed publish.
      await this.options.idempotency.put(key, result, this.now() + this.options.idempotencyTtlMs).catch((err: unknown) => {
        this.options.logger.error({ err, channel: result.channel, offset: result.offset, traceId: request.traceId }, "the idempotency key of a stored publication could not be saved");
      });
      return result;
    })();
    this.inflight.set(key, run);
    try {
      return await run;
    } finally {
      this.inflight.delete(key);
    }
  }

  /**
   * Publishes one item on several channels of one namespace (a notification to
   * many users): each channel is checked like `publish`, then the source stores
   * them together where it can. Receipts come in `channels` order.
   * @throws TickwireError BAD_REQUEST (channels of two namespaces among them), UNKNOWN_CHANNEL, PAYLOAD_TOO_LARGE, UNAVAILABLE, SHUTDOWN
   * @example await publisher.publishMany({ channels: ["notifications:alice", "notifications:bob"], data: { type: "info", message: "Hi." } })
   */
  async publishMany(request: PublishManyRequest): Promise<SourceReceipt[]> {
    if (this.closing) throw new TickwireError("SHUTDOWN");
    if (request.channels.length === 0) throw new TickwireError("BAD_REQUEST", "A publication needs at least one channel.");
    // The data is the same on every channel: checked once, in the order `publish` checks it.
    const targets = request.channels.map((channel, i) => this.target({ channel, data: request.data, event: request.event }, i === 0));
    const { namespace } = targets[0]!;
    if (targets.some((t) => t.namespace !== namespace)) throw new TickwireError("BAD_REQUEST", "One publication on many channels needs channels of one namespace.");
    const traceId = request.traceId ?? newTraceId();
    const source = this.options.sources.of(namespace);
    const context = { traceId, ts: this.now() };
    const receipts = source.publishMany ? await source.publishMany(targets, context) : await Promise.all(targets.map((t) => source.publish(t, context)));
    this.options.metrics.published(namespace.name);
    this.options.logger.debug({ traceId, namespace: namespace.name, channels: targets.length }, "published");
    for (const target of targets) await this.publishCopies(target, traceId);
    return receipts;
  }

  private async publishOnce(request: PublishRequest): Promise<PublishResult> {
    const target = this.target(request, true);
    const traceId = request.traceId ?? newTraceId();
    const { channel, namespace, event } = target;
    const receipt = await this.options.sources.of(namespace).publish(target, { traceId, ts: this.now() });
    this.options.metrics.published(namespace.name);
    this.options.logger.debug({ traceId, channel, offset: receipt.offset, event }, "published");
    await this.publishCopies(target, traceId);
    return { channel, offset: receipt.offset, epoch: receipt.epoch };
  }

  /** Every way in passes here, so what is stored can always be encoded, replayed and served. */
  private checkData(data: unknown): void {
    if (data === undefined) throw new TickwireError("BAD_REQUEST", "A publication needs `data`.");
    checkInput(data, { maxDepth: this.options.maxInputDepth, maxBytes: this.options.maxPublicationBytes }, "`data`");
  }

  /** Checks a publication's channel, event, data (unless checked already) and rules into what its source stores. */
  private target(request: Pick<PublishRequest, "channel" | "data" | "event">, checkData: boolean): PublishTarget {
    const parsed = parseChannel(request.channel, this.options.catalogue);
    if (isChannelError(parsed)) throw channelError(parsed);
    const { namespace, channel } = parsed;
    const event = request.event ?? namespace.event;
    if (typeof event !== "string" || event.length > MAX_EVENT_LENGTH || !isAllowedEvent(namespace, event)) {
      throw new TickwireError("BAD_REQUEST", `Event "${typeof event === "string" ? event.slice(0, MAX_EVENT_LENGTH) : String(event)}" is not allowed on "${namespace.name}".`);
    }
    if (checkData) this.checkData(request.data);
    if (namespace.keyField !== undefined && (typeof request.data !== "object" || request.data === null || Array.isArray(request.data))) {
      throw new TickwireError("BAD_REQUEST", `"${namespace.name}" publications are objects.`);
    }
    const target: PublishTarget = { channel, namespace, key: parsed.key, event, data: request.data };
    for (const rule of this.rules) rule.check?.(target);
    return target;
  }

  private async publishCopies(target: PublishTarget, traceId: string): Promise<void> {
    for (const rule of this.rules) for (const copy of rule.copyTo?.(target) ?? []) await this.publishCopy(copy, target.event, target.data, traceId);
  }

  /**
   * Publishes a rule's copy (`signals:acme` → `signals`). The original is stored
   * already, so a failed copy is logged rather than failing the publish: a retry
   * would store the original twice.
   */
  private async publishCopy(name: string, event: string, data: unknown, traceId: string): Promise<void> {
    const parsed = parseChannel(name, this.options.catalogue);
    if (isChannelError(parsed)) return;
    try {
      const target = { channel: parsed.channel, namespace: parsed.namespace, key: parsed.key, event, data };
      const copy = await this.options.sources.of(parsed.namespace).publish(target, { traceId, ts: this.now() });
      this.options.metrics.published(parsed.namespace.name);
      this.options.logger.debug({ traceId, channel: parsed.channel, offset: copy.offset, event }, "published copy");
    } catch (err) {
      this.options.logger.error({ err, channel: parsed.channel, traceId }, "publishing a copy failed");
    }
  }
}
