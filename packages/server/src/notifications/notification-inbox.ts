import { TickwireError, type NamespaceDefinition, type Notification } from "@tickwire/protocol";
import type { Engine } from "../core/engine.js";
import type { ChannelPosition, Publication } from "../core/publication.js";
import type { InboxStore, InboxWriteResult } from "../core/store.js";
import type { Subscription } from "../core/subscription.js";
import type { Logger } from "../observability/logger.js";
import { dedupHash } from "./dedup-hash.js";
import { KeyedSerializer } from "./keyed-serializer.js";
import type { NotificationDraft } from "./notification-input.js";
import { notificationItem, notificationPublication } from "./notification-payload.js";
import type { NotificationServiceOptions } from "./notification-options.js";

/** What the inbox needs from the gateway. */
export interface NotificationInboxDeps {
  readonly store: InboxStore;
  /** Live fan-out to every node with subscribers of the inbox (one node: straight to the local listener). */
  readonly engine: Pick<Engine, "fanOut">;
  /** The `notifications` namespace of the catalogue. */
  readonly namespace: NamespaceDefinition;
  readonly logger: Logger;
  readonly options: NotificationServiceOptions;
}

/** A page of an inbox. */
export interface InboxPage {
  items: Notification[];
  unread: number;
}

/**
 * The durable inbox: stores first, then delivers. The store assigns each
 * notification its position in the user's inbox (the publication offset) in
 * the same transaction that decides duplicates; only after the commit is the
 * publication fanned out by the engine to every node with subscribers of the
 * inbox (InboxSource puts it in order there). Writes touching a user are
 * serialised in this process, so one node's fan-outs leave in offset order.
 */
export class NotificationInbox {
  private readonly serializer = new KeyedSerializer();
  private readonly pending = new Set<Promise<unknown>>();

  /** Delivered positions written lately, by user (see noteDelivered). */
  private readonly marks = new Map<string, number>();

  constructor(private readonly deps: NotificationInboxDeps) {}

  /**
   * Stores one notification for each user and delivers it live to their
   * subscribed connections on every node that shares the store and the engine. Results come in `userIds` order; a
   * user listed twice gets the same result twice.
   */
  async send(userIds: readonly string[], draft: NotificationDraft, traceId: string): Promise<InboxWriteResult[]> {
    const { store, options } = this.deps;
    const distinct = [...new Set(userIds)];
    const hash = dedupHash(draft.content, draft.dedupKey);
    const task = this.serializer.run(distinct, async () => {
      const epoch = await store.epoch();
      const now = options.now();
      let results: InboxWriteResult[];
      try {
        results = await store.write({ userIds: distinct, content: draft.content, dedupHash: hash, now, dedupWindowMs: options.dedupWindowMs, maxPerUser: options.maxPerUser });
      } catch (err) {
        this.deps.logger.error({ err, traceId, recipients: distinct.length }, "notification write failed");
        // Not committed (or the commit's answer was lost): a retry inside the dedup window cannot deliver twice.
        throw new TickwireError("UNAVAILABLE", "The notification could not be stored; retry.", { cause: err });
      }
      this.deliver(results, draft, epoch, traceId);
      return results;
    });
    this.pending.add(task);
    try {
      const results = await task;
      const byUser = new Map(results.map((r) => [r.userId, r]));
      return userIds.map((u) => byUser.get(u)!);
    } finally {
      this.pending.delete(task);
    }
  }

  /**
   * What a new subscriber of an inbox is owed: sends every unread notification,
   * oldest first, with `send`, then answers the inbox position. The position is
   * read before the unread items, so an item committed in between is either
   * among them or arrives through the subscription's live buffer (never lost,
   * never sent twice).
   */
  async owed(sub: Subscription, send: (publication: Publication) => void): Promise<ChannelPosition> {
    const { store, namespace, options } = this.deps;
    const userId = sub.channel.slice(namespace.name.length + 1);
    const epoch = await store.epoch();
    const offset = await store.position(userId);
    const unread = await store.unread(userId, options.maxPerUser);
    // A client that never acknowledges is not sent again what a connection of the user already got.
    const floor = sub.view?.unacknowledged === true ? Math.max(this.marks.get(userId) ?? 0, await store.delivered(userId)) : 0;
    for (const n of unread) {
      if (n.seq > floor) send(notificationPublication(n, epoch, namespace.event, "inbox-resend"));
    }
    return { offset, epoch };
  }

  /**
   * Hub: `offset` of the inbox `channel` was written to a connection of its user.
   * Kept as the user's delivered position (in memory at once, in the store behind).
   */
  noteDelivered(channel: string, offset: number): void {
    const userId = channel.slice(channel.indexOf(":") + 1);
    if ((this.marks.get(userId) ?? 0) >= offset) return;
    this.marks.set(userId, offset);
    // Bounded: the store holds every mark; memory only bridges a write still in flight.
    if (this.marks.size > 10_000) this.marks.delete(this.marks.keys().next().value!);
    this.deps.store.markDelivered(userId, offset).catch((err: unknown) => this.deps.logger.warn({ err, userId }, "the delivered position of an inbox could not be saved"));
  }

  /** The store's inbox epoch: the epoch of every inbox it numbers. */
  epoch(): Promise<string> {
    return this.deps.store.epoch();
  }

  /** The inbox position of `notifications:{userId}`: what a repeated subscribe should answer. */
  async position(userId: string): Promise<{ offset: number; epoch: string }> {
    const [offset, epoch] = await Promise.all([this.deps.store.position(userId), this.deps.store.epoch()]);
    return { offset, epoch };
  }

  /** A page of the user's inbox, newest first, with the unread count. */
  async list(userId: string, query: { unreadOnly?: boolean | undefined; limit?: number | undefined; before?: string | undefined }): Promise<InboxPage> {
    const { store, options } = this.deps;
    const limit = query.limit ?? options.defaultListLimit;
    const [items, unread] = await Promise.all([
      store.list(userId, { unreadOnly: query.unreadOnly === true, limit, beforeId: query.before }),
      store.countUnread(userId),
    ]);
    return { items: items.map(notificationItem), unread };
  }

  /** Marks the user's own notifications among `ids` read; resolves to how many changed. */
  ack(userId: string, ids: readonly string[]): Promise<number> {
    return this.deps.store.markRead(userId, ids, this.deps.options.now());
  }

  /** Deletes notifications older than the retention. */
  prune(): Promise<number> {
    return this.deps.store.prune(this.deps.options.now() - this.deps.options.retentionMs);
  }

  /** Resolves once every write in flight has settled (before the store closes). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /**
   * Fans out each new notification; never throws and never waits: stored is what
   * the API promises, and a notification that missed its live delivery is
   * re-sent on the next subscribe. Fan-outs are issued in offset order (the
   * engine keeps the order of one node's fan-outs).
   */
  private deliver(results: readonly InboxWriteResult[], draft: NotificationDraft, epoch: string, traceId: string): void {
    const event = this.deps.namespace.event;
    const failed = (err: unknown, userId: string): void => this.deps.logger.warn({ err, traceId, userId }, "live notification delivery failed");
    for (const r of results) {
      if (r.deduplicated) continue;
      const stored = { ...draft.content, id: r.id, userId: r.userId, seq: r.seq, createdAt: r.createdAt, readAt: null };
      try {
        this.deps.engine.fanOut(notificationPublication(stored, epoch, event, traceId)).catch((err: unknown) => failed(err, r.userId));
      } catch (err) {
        failed(err, r.userId);
      }
    }
  }
}
