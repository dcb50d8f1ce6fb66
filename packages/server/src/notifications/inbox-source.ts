import type { NamespaceDefinition } from "@tickwire/protocol";
import type { ChannelSource, SourceContext, SourceReceipt, SourceTarget } from "../core/channel-source.js";
import type { Engine } from "../core/engine.js";
import type { Hub } from "../core/hub.js";
import type { ChannelPosition, Publication } from "../core/publication.js";
import type { Subscription } from "../core/subscription.js";
import { InboxOrder, inboxOrderCounters, type InboxOrderCounters } from "./inbox-order.js";
import type { NotificationInbox } from "./notification-inbox.js";
import { parseNotificationData, type NotificationDataLimits } from "./notification-input.js";
import { inboxChannel } from "./notification-payload.js";

/** What the inbox source needs. */
export interface InboxSourceDeps {
  readonly inbox: NotificationInbox;
  /** Subscribes inbox channels `fanOutOnly`: the store numbers them, the engine only fans them out. */
  readonly engine: Pick<Engine, "subscribe" | "unsubscribe">;
  /** Where live notifications go once in order. */
  readonly hub: Pick<Hub, "dispatch">;
  /** The name of the inbox namespace (`notifications`). */
  readonly namespace: string;
  /** Bounds of a notification's `data`. */
  readonly limits: NotificationDataLimits;
  /** Longest wait of a notification that arrived ahead of a missing offset of its inbox. */
  readonly holdMs: number;
}

/**
 * Channels of kind `inbox` (`notifications:{userId}`): the store numbers them
 * (each user's inbox position), decides duplicates and keeps what is unread,
 * which is what a new subscriber is owed; the engine only fans them out between
 * nodes, and this source puts each channel's live notifications back in inbox order.
 */
export class InboxSource implements ChannelSource {
  /** The one inbox namespace: the store keeps one inbox per user. */
  readonly namespaces: readonly string[];
  /** What the ordering of live notifications counted on this node. */
  readonly counters: InboxOrderCounters = inboxOrderCounters();
  /** The live order of each inbox channel with local subscribers. */
  private readonly orders = new Map<string, InboxOrder>();
  /** Fan-outs that came while a channel's position was being read (the memory engine hands them over at once). */
  private readonly early = new Map<string, Publication[]>();

  constructor(private readonly deps: InboxSourceDeps) {
    this.namespaces = [deps.namespace];
  }

  async publish(target: SourceTarget, context: SourceContext): Promise<SourceReceipt> {
    const [receipt] = await this.publishMany([target], context);
    return receipt!;
  }

  /** One notification for every target's user, stored in one transaction (the `data` of the first target: one publication on many channels). */
  async publishMany(targets: readonly SourceTarget[], context: SourceContext): Promise<SourceReceipt[]> {
    const { inbox } = this.deps;
    const draft = parseNotificationData(targets[0]!.data, this.deps.limits);
    const results = await inbox.send(targets.map((t) => t.key!), draft, context.traceId);
    const epoch = await inbox.epoch();
    return results.map((r) => ({ channel: inboxChannel(r.userId), offset: r.seq, epoch, id: r.id, deduplicated: r.deduplicated }));
  }

  /** A notification written to a connection of its user: kept as the user's delivered position. */
  delivered(channel: string, offset: number): void {
    this.deps.inbox.noteDelivered(channel, offset);
  }

  position(channel: string, namespace: NamespaceDefinition): Promise<ChannelPosition> {
    return this.deps.inbox.position(userOf(channel, namespace));
  }

  /** Live notifications are taken in order from the inbox position read here, before the engine subscribes. */
  async attach(channel: string, namespace: NamespaceDefinition): Promise<void> {
    const early: Publication[] = [];
    this.early.set(channel, early);
    let position;
    try {
      position = await this.deps.inbox.position(userOf(channel, namespace));
    } finally {
      if (this.early.get(channel) === early) this.early.delete(channel);
    }
    this.orders.get(channel)?.close();
    const order = new InboxOrder(channel, position, this.deps.holdMs, (p) => this.deps.hub.dispatch(p), this.counters);
    this.orders.set(channel, order);
    // Those the position already counts are dropped as late: the subscriber gets them as unread.
    for (const publication of early) order.push(publication);
    try {
      await this.deps.engine.subscribe(channel, namespace, { fanOutOnly: true });
    } catch (err) {
      this.close(channel);
      throw err;
    }
  }

  async detach(channel: string, namespace: NamespaceDefinition): Promise<void> {
    this.close(channel);
    await this.deps.engine.unsubscribe(channel, namespace);
  }

  owed(sub: Subscription, send: (publication: Publication) => void): Promise<ChannelPosition> {
    return this.deps.inbox.owed(sub, send);
  }

  /** A notification the engine fanned out: in order to the hub when this node has subscribers of its inbox. */
  receive(publication: Publication): void {
    const order = this.orders.get(publication.channel);
    if (order) order.push(publication);
    else this.early.get(publication.channel)?.push(publication);
  }

  private close(channel: string): void {
    this.orders.get(channel)?.close();
    this.orders.delete(channel);
  }
}

function userOf(channel: string, namespace: NamespaceDefinition): string {
  return channel.slice(namespace.name.length + 1);
}
