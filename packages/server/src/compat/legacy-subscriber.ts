import { TickwireError, type ErrorCode, type SubscribeItem, type SubscribedChannel } from "@tickwire/protocol";
import type { EventContext } from "../core/event-router.js";
import type { Session } from "../core/session.js";
import type { LegacyView, Subscription } from "../core/subscription.js";
import type { SubscriptionManager } from "../core/subscriptions.js";

/** One channel a legacy request asks for, under the name the client used (a symbol, a stream). */
export interface LegacyItem {
  readonly name: string;
  readonly channel: string;
  /** How the channel's publications reach the client, if not as Tickwire's own events. */
  readonly view?: LegacyView | undefined;
}

/** A channel of a legacy request that was refused. */
export interface LegacyFailure {
  readonly name: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * Subscribes legacy requests through the SubscriptionManager, so authorisation,
 * tier gates, limits, snapshots and the inbox work exactly as for `subscribe`.
 */
export class LegacySubscriber {
  constructor(private readonly subscriptions: SubscriptionManager) {}

  /**
   * Subscribes one channel (a name, or `{ channel, fields }`); subscribing it
   * again changes only its fields and view.
   * @throws TickwireError with the refusal's code and message (the router answers it).
   */
  async one(session: Session, item: SubscribeItem, view?: LegacyView): Promise<SubscribedChannel> {
    const result = await this.subscriptions.subscribe(session, item, { view, legacy: true });
    if ("failed" in result) throw new TickwireError(result.failed.code, result.failed.message);
    return result.ok;
  }

  /**
   * Subscribes several channels, each on its own, in order. Refusals are
   * returned, and, when the client passed no acknowledgement to carry them, also
   * sent as `error` events `{ code, message, event }` (legacy clients listen for
   * `error`); the message names the item.
   */
  async many(session: Session, items: readonly LegacyItem[], event: string, context: EventContext): Promise<{ subscribed: Array<LegacyItem & { channel: string }>; failed: LegacyFailure[] }> {
    const subscribed: Array<LegacyItem & { channel: string }> = [];
    const failed: LegacyFailure[] = [];
    for (const item of items) {
      const result = await this.subscriptions.subscribe(session, item.channel, { view: item.view, legacy: true });
      if ("ok" in result) subscribed.push({ ...item, channel: result.ok.channel });
      else failed.push({ name: item.name, code: result.failed.code, message: result.failed.message });
    }
    if (!context.acknowledged && !session.closed) {
      for (const f of failed) session.connection.emit("error", { code: f.code, message: f.message.includes(f.name) ? f.message : `${f.name}: ${f.message}`, event });
    }
    return { subscribed, failed };
  }

  /** The session's subscription of a channel name, if it has one. */
  find(session: Session, channel: string): Subscription | undefined {
    return this.subscriptions.find(session, channel);
  }

  /** Unsubscribes one channel name; resolves to the canonical channel when it was subscribed. */
  unsubscribe(session: Session, channel: string): Promise<string | undefined> {
    return this.subscriptions.unsubscribe(session, channel);
  }
}
