import { TickwireError, isErrorCode } from "@tickwire/protocol/core";
import type { FailedChannel, PublicationMeta, SubscribeItem, SubscribedChannel } from "@tickwire/protocol/core";
import { canonicalChannel, isStateChannel } from "./channel-names.js";
import { effectiveFields, isDuplicate, type ChannelEntry, type LocalSubscriber, type TargetedMeta } from "./channel-entry.js";
import type { ChannelHandler, DeliveryMeta, RecoveredInfo, ResyncInfo, SubscribeOptions } from "./types.js";

/** Publications buffered while their channel's first subscribe reply is on its way. */
const MAX_BUFFERED = 1000;

/** What the registry tells the client after a subscribe reply. */
export interface SubscribeOutcome {
  recovered?: RecoveredInfo;
  resync?: ResyncInfo;
}

/**
 * The channels of one client: ref-counted local subscriptions sharing one
 * server subscription per channel, recovery positions, duplicate filtering
 * and routing of publications by `meta.channel`. It does no I/O; the client
 * sends what it asks for.
 */
export class ChannelRegistry {
  readonly #entries = new Map<string, ChannelEntry>();
  /** Canonical and guessed names → entry, for routing publications. */
  readonly #byChannel = new Map<string, ChannelEntry>();
  #buffer: Array<{ event: string; payload: unknown; meta: PublicationMeta }> = [];
  readonly #onHandlerError: (err: unknown) => void;

  constructor(onHandlerError: (err: unknown) => void) {
    this.#onHandlerError = onHandlerError;
  }

  /** Every channel entry. */
  entries(): ChannelEntry[] {
    return [...this.#entries.values()];
  }

  /** The entry that `name` routes to, if any. */
  find(name: string, userId?: string): ChannelEntry | undefined {
    return this.#byChannel.get(name) ?? this.#byChannel.get(canonicalChannel(name, userId));
  }

  /**
   * Adds a local subscriber. `send` is true when the channel must be
   * subscribed on the server (new, or not subscribed on this connection);
   * `refilter` when it is subscribed but with another field filter.
   */
  add(name: string, handler: ChannelHandler<string>, options: SubscribeOptions, userId: string | undefined, subscriber: Pick<LocalSubscriber, "settle">): { entry: ChannelEntry; sub: LocalSubscriber; send: boolean; refilter: boolean } {
    let entry = this.find(name, userId);
    const isNew = entry === undefined;
    if (!entry) {
      const key = canonicalChannel(name, userId);
      entry = {
        key,
        canonical: undefined,
        subscribers: new Set(),
        position: undefined,
        delivered: undefined,
        last: undefined,
        status: "idle",
        info: undefined,
        sentFields: "",
        state: isStateChannel(key),
      };
      this.#entries.set(key, entry);
      this.#byChannel.set(key, entry);
    }
    const sub: LocalSubscriber = { ...subscriber, handler, options, active: true, received: false };
    entry.subscribers.add(sub);
    const fieldsChanged = (effectiveFields(entry) ?? []).join(",") !== entry.sentFields;
    // A changed field filter is confirmed by the next reply; otherwise the channel is ready now.
    if (entry.status === "subscribed" && entry.info && !fieldsChanged) sub.settle({ ok: true, info: entry.info });
    if (entry.state && entry.last) this.#replayLast(entry, sub);
    const send = isNew || entry.status === "idle" || entry.status === "failed";
    return { entry, sub, send, refilter: !send && fieldsChanged };
  }

  /** Removes a local subscriber; returns the entry when it was the last one (the server subscription should end). */
  remove(entry: ChannelEntry, sub: LocalSubscriber): ChannelEntry | undefined {
    sub.active = false;
    entry.subscribers.delete(sub);
    if (entry.subscribers.size > 0) return undefined;
    this.#entries.delete(entry.key);
    for (const [name, e] of this.#byChannel) if (e === entry) this.#byChannel.delete(name);
    return entry;
  }

  /**
   * The subscribe item for an entry. Event channels carry `since` so the
   * server replays what was missed; state channels do not (the server sends
   * their latest value on subscribe anyway).
   */
  subscribeItem(entry: ChannelEntry): { item: SubscribeItem; sentSince: boolean } {
    const fields = effectiveFields(entry);
    entry.sentFields = (fields ?? []).join(",");
    const channel = entry.canonical ?? entry.key;
    const since = entry.state ? undefined : entry.position;
    // Without a position yet, an event channel may start from its recent history.
    let rewind = 0;
    if (!since && !entry.state) for (const sub of entry.subscribers) rewind = Math.max(rewind, Math.min(1000, Math.floor(sub.options.rewind ?? 0)));
    if (!since && !fields && rewind === 0) return { item: channel, sentSince: false };
    const item: SubscribeItem = { channel };
    if (since) item.since = { offset: since.offset, epoch: since.epoch };
    else if (rewind > 0) item.rewind = rewind;
    if (fields) item.fields = fields;
    return { item, sentSince: since !== undefined };
  }

  /** Records a server confirmation and flushes publications buffered for it. */
  onSubscribed(entry: ChannelEntry, reply: SubscribedChannel, sentSince: boolean): SubscribeOutcome {
    entry.canonical = reply.channel;
    entry.info = reply;
    entry.status = "subscribed";
    this.#byChannel.set(reply.channel, entry);
    const outcome: SubscribeOutcome = {};
    if (sentSince && reply.recovered === true) {
      outcome.recovered = { channel: reply.channel, replayed: reply.replayed ?? 0 };
    } else if (sentSince) {
      // History could not be repaired: resume from now and tell the app to refetch.
      entry.position = { offset: reply.offset, epoch: reply.epoch };
      outcome.resync = { channel: reply.channel, reason: "not_recovered" };
    } else {
      entry.position ??= { offset: reply.offset, epoch: reply.epoch };
    }
    for (const sub of entry.subscribers) sub.settle({ ok: true, info: reply });
    this.#flush();
    return outcome;
  }

  /** Records a refusal of the channel; returns the error given to its subscribers. */
  onFailed(entry: ChannelEntry, failed: Pick<FailedChannel, "code" | "message">): TickwireError {
    entry.status = "failed";
    const code = isErrorCode(failed.code) ? failed.code : "INTERNAL";
    const error = new TickwireError(code, failed.message, { details: { channel: entry.canonical ?? entry.key } });
    for (const sub of entry.subscribers) {
      sub.settle({ ok: false, error });
      sub.options.onError?.(error);
    }
    this.#flush();
    return error;
  }

  /** Marks every server subscription as gone (the connection dropped). */
  onDisconnect(): void {
    for (const entry of this.#entries.values()) if (entry.status !== "failed") entry.status = "idle";
    this.#buffer = [];
  }

  /** Tells the subscribers of a channel that they must refetch. */
  resync(entry: ChannelEntry, info: ResyncInfo): void {
    for (const sub of [...entry.subscribers]) {
      if (!sub.active) continue;
      try {
        sub.options.onResync?.(info);
      } catch (err) {
        this.#onHandlerError(err);
      }
    }
  }

  /** Routes one publication to its channel's subscribers, dropping duplicates. */
  route(event: string, payload: unknown, meta: PublicationMeta, buffered = false): void {
    const entry = this.#byChannel.get(meta.channel);
    if (!entry) {
      // The first reply naming this canonical channel may still be on its way.
      const waiting = this.entries().some((e) => e.status === "pending" && e.canonical === undefined);
      if (waiting && this.#buffer.length < MAX_BUFFERED) this.#buffer.push({ event, payload, meta });
      return;
    }
    if (isDuplicate(entry.delivered, meta)) return;
    entry.delivered = { offset: meta.offset, epoch: meta.epoch };
    entry.position = entry.delivered;
    // The server sends snapshots, replays and the unread inbox before it confirms a subscription.
    const live = !buffered && entry.status === "subscribed";
    const delivery: DeliveryMeta = { channel: meta.channel, offset: meta.offset, epoch: meta.epoch, ts: meta.ts, event, live };
    if (entry.state) entry.last = { payload, meta: delivery };
    for (const sub of [...entry.subscribers]) {
      if (!sub.active) continue;
      sub.received = true;
      this.#call(sub, payload, delivery);
    }
  }

  #flush(): void {
    const buffered = this.#buffer;
    this.#buffer = [];
    for (const b of buffered) if (this.#byChannel.has(b.meta.channel)) this.route(b.event, b.payload, b.meta, true);
  }

  /** Hands a message sent to some members of a room to the channel's subscribers; it moves no position. */
  routeTargeted(event: string, payload: unknown, meta: TargetedMeta): void {
    const entry = this.#byChannel.get(meta.channel);
    if (!entry || entry.status !== "subscribed") return;
    const at = entry.delivered ?? entry.position ?? { offset: 0, epoch: "" };
    const delivery: DeliveryMeta = { channel: meta.channel, offset: at.offset, epoch: at.epoch, ts: meta.ts, event, live: true, to: meta.to, ...(meta.role === undefined ? {} : { role: meta.role }) };
    for (const sub of [...entry.subscribers]) {
      if (!sub.active) continue;
      sub.received = true;
      this.#call(sub, payload, delivery);
    }
  }

  #replayLast(entry: ChannelEntry, sub: LocalSubscriber): void {
    // Async so that subscribe() returns before the handler runs.
    void Promise.resolve().then(() => {
      const last = entry.last;
      if (!sub.active || sub.received || !last) return;
      sub.received = true;
      this.#call(sub, last.payload, last.meta);
    });
  }

  #call(sub: LocalSubscriber, payload: unknown, meta: DeliveryMeta): void {
    try {
      (sub.handler as (p: unknown, m: DeliveryMeta) => void)(payload, meta);
    } catch (err) {
      this.#onHandlerError(err);
    }
  }
}
