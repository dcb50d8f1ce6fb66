import { ERRORS, isErrorCode, type TickwireError } from "@tickwire/protocol/core";
import type { SubscribeItem, SubscribeReply, UnsubscribeReply } from "@tickwire/protocol/core";
import type { ChannelEntry, LocalSubscriber } from "./channel-entry.js";
import type { ChannelRegistry } from "./channel-registry.js";
import type { RetryTimer } from "./retry-timer.js";
import { toTickwireError } from "./to-tickwire-error.js";
import type { RecoveredInfo, ResyncInfo } from "./types.js";

/** Most channels sent in one `subscribe` request (the protocol's limit). */
const MAX_CHANNELS_PER_REQUEST = 100;

/** Attempts of a subscribe that fails with a retryable code (RATE_LIMITED, UNAVAILABLE…) before it is reported failed. */
export const MAX_SUBSCRIBE_ATTEMPTS = 5;

/** What {@link SubscriptionSync} needs from its client. */
export interface SubscriptionSyncDeps {
  readonly registry: ChannelRegistry;
  /** Whether the socket is connected now. */
  connected(): boolean;
  /** Bumped on every new connection: replies of an older one are ignored. */
  generation(): number;
  subscribe(channels: SubscribeItem[]): Promise<SubscribeReply>;
  unsubscribe(channels: string[]): Promise<UnsubscribeReply>;
  onRecovered(info: RecoveredInfo): void;
  onResync(info: ResyncInfo): void;
  onError(error: TickwireError): void;
  /** Paces the retries of channels refused with a retryable code; without it they fail at once. */
  readonly retry?: RetryTimer;
}

/**
 * Keeps the server's subscriptions in step with the registry: sends
 * `subscribe` (with `since` for recovery) for new channels and after every
 * reconnect, applies the replies, and unsubscribes a channel when its last
 * local subscriber leaves.
 */
export class SubscriptionSync {
  readonly #deps: SubscriptionSyncDeps;
  /** Channels refused with a retryable code, waiting for the retry timer, with their attempts so far. */
  readonly #retrying = new Map<ChannelEntry, number>();
  readonly #attempts = new Map<ChannelEntry, number>();

  constructor(deps: SubscriptionSyncDeps) {
    this.#deps = deps;
  }

  /** The connection dropped: the next connect subscribes every channel again, attempts start over. */
  onDisconnect(): void {
    this.#deps.retry?.cancel();
    this.#deps.retry?.reset();
    this.#retrying.clear();
    this.#attempts.clear();
  }

  /** Subscribes these channels on the server (a no-op while disconnected: the next connect sends them all). */
  async send(entries: ChannelEntry[]): Promise<void> {
    const deps = this.#deps;
    if (!deps.connected() || entries.length === 0) return;
    const generation = deps.generation();
    for (let i = 0; i < entries.length; i += MAX_CHANNELS_PER_REQUEST) {
      const chunk = entries.slice(i, i + MAX_CHANNELS_PER_REQUEST);
      const sent = new Map<string, { entry: ChannelEntry; sentSince: boolean }>();
      const items: SubscribeItem[] = [];
      for (const entry of chunk) {
        const { item, sentSince } = deps.registry.subscribeItem(entry);
        entry.status = "pending";
        sent.set(typeof item === "string" ? item : item.channel, { entry, sentSince });
        items.push(item);
      }
      let reply: SubscribeReply;
      try {
        reply = await deps.subscribe(items);
      } catch (err) {
        if (generation !== deps.generation()) return; // reconnected: the connect handler resubscribed
        const error = toTickwireError(err);
        for (const { entry } of sent.values()) this.#fail(entry, error);
        continue;
      }
      if (generation !== deps.generation()) return;
      this.#apply(reply, sent);
    }
  }

  /**
   * Changes the field filter of a subscribed channel. The gateway keeps the
   * filter of a channel's first subscribe, so this unsubscribes and subscribes
   * again (fields exist on quotes only: a state channel, whose latest value the
   * gateway sends again, and the registry drops as a duplicate).
   */
  refilter(entry: ChannelEntry): void {
    if (!this.#deps.connected()) return;
    this.#deps.unsubscribe([entry.canonical ?? entry.key]).catch(() => {});
    void this.send([entry]);
  }

  /** Removes a local subscriber; the last one of a channel unsubscribes it on the server. */
  unsubscribe(entry: ChannelEntry, sub: LocalSubscriber): void {
    if (!sub.active) return;
    const removed = this.#deps.registry.remove(entry, sub);
    if (!removed || removed.status === "idle" || removed.status === "failed" || !this.#deps.connected()) return;
    this.#deps.unsubscribe([removed.canonical ?? removed.key]).catch(() => {});
  }

  #apply(reply: SubscribeReply, sent: Map<string, { entry: ChannelEntry; sentSince: boolean }>): void {
    const deps = this.#deps;
    for (const s of reply.subscribed) {
      const name = s.requested ?? s.channel;
      const match = sent.get(name) ?? sent.get(s.channel);
      if (!match) continue;
      sent.delete(name);
      sent.delete(s.channel);
      if (match.entry.subscribers.size === 0) {
        // The last local subscriber left while the request was on its way.
        if (!deps.registry.find(s.channel)) deps.unsubscribe([s.channel]).catch(() => {});
        continue;
      }
      if (this.#attempts.delete(match.entry) && this.#attempts.size === 0) deps.retry?.reset();
      const outcome = deps.registry.onSubscribed(match.entry, s, match.sentSince);
      if (outcome.recovered) deps.onRecovered(outcome.recovered);
      if (outcome.resync) {
        deps.registry.resync(match.entry, outcome.resync);
        deps.onResync(outcome.resync);
      }
    }
    for (const f of reply.failed) {
      const match = sent.get(f.channel);
      if (!match) continue;
      sent.delete(f.channel);
      this.#fail(match.entry, f);
    }
    for (const { entry } of sent.values()) if (entry.status === "pending") entry.status = "idle";
  }

  #fail(entry: ChannelEntry, failed: { code: string; message: string }): void {
    if (entry.subscribers.size === 0) return;
    const code = isErrorCode(failed.code) ? failed.code : "INTERNAL";
    // The error registry says whether the same request may succeed later: then it is sent again, paced.
    const attempts = (this.#attempts.get(entry) ?? 0) + 1;
    if (ERRORS[code].retryable && this.#deps.retry && attempts < MAX_SUBSCRIBE_ATTEMPTS) {
      this.#attempts.set(entry, attempts);
      entry.status = "idle";
      this.#retrying.set(entry, attempts);
      this.#scheduleRetry();
      return;
    }
    this.#attempts.delete(entry);
    this.#deps.onError(this.#deps.registry.onFailed(entry, { code, message: failed.message }));
  }

  #scheduleRetry(): void {
    const retry = this.#deps.retry!;
    retry.schedule(retry.nextDelayMs(), () => {
      const entries = [...this.#retrying.keys()].filter((e) => e.subscribers.size > 0 && e.status === "idle");
      this.#retrying.clear();
      void this.send(entries);
    });
  }
}
