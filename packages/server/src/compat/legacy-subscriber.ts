import { TickwireError, type SubscribedChannel } from "@tickwire/protocol";
import type { EventContext } from "../core/event-router.js";
import type { Session } from "../core/session.js";
import type { SubscriptionManager } from "../core/subscriptions.js";

/** One channel a legacy request asks for, under the name the client used (a symbol, a stream). */
export interface LegacyItem {
  readonly name: string;
  readonly channel: string;
  /** Event name the channel's publications are delivered under, if not their own. */
  readonly eventAlias?: string | undefined;
}

/** A channel of a legacy request that was refused. */
export interface LegacyFailure {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Subscribes legacy requests through the SubscriptionManager, so authorisation,
 * tier gates, limits, snapshots and the inbox work exactly as for `subscribe`.
 */
export class LegacySubscriber {
  constructor(private readonly subscriptions: SubscriptionManager) {}

  /**
   * Subscribes one channel.
   * @throws TickwireError with the refusal's code and message (the router answers it).
   */
  async one(session: Session, channel: string, eventAlias?: string): Promise<SubscribedChannel> {
    const result = await this.subscriptions.subscribe(session, channel, { eventAlias });
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
      const result = await this.subscriptions.subscribe(session, item.channel, { eventAlias: item.eventAlias });
      if ("ok" in result) subscribed.push({ ...item, channel: result.ok.channel });
      else failed.push({ name: item.name, code: result.failed.code, message: result.failed.message });
    }
    if (!context.acknowledged && !session.closed) {
      for (const f of failed) session.connection.emit("error", { code: f.code, message: f.message.includes(f.name) ? f.message : `${f.name}: ${f.message}`, event });
    }
    return { subscribed, failed };
  }

  /** Unsubscribes one channel name; resolves to the canonical channel when it was subscribed. */
  unsubscribe(session: Session, channel: string): Promise<string | undefined> {
    return this.subscriptions.unsubscribe(session, channel);
  }
}
