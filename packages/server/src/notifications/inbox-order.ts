import type { ChannelPosition, Publication } from "../core/publication.js";

/** What the inbox's ordering of live deliveries counts on this node, for stats and tests. */
export interface InboxOrderCounters {
  /** Notifications handed on to the hub. */
  delivered: number;
  /** Notifications that arrived ahead of a missing offset and waited for it. */
  held: number;
  /** Offsets given up on after the wait (a fan-out that never came: its node failed to publish it). */
  skipped: number;
  /** Dropped: at or below the position already delivered (re-sent on subscribe instead). */
  late: number;
  /** Dropped: numbered by another store (nodes with their own inboxes). */
  foreign: number;
}

/** A fresh set of counters. */
export function inboxOrderCounters(): InboxOrderCounters {
  return { delivered: 0, held: 0, skipped: 0, late: 0, foreign: 0 };
}

/**
 * One inbox channel's live notifications on one node. The store numbers an
 * inbox 1, 2, 3… without gaps, but fan-outs of one user made by two nodes may
 * cross in the engine, and the hub drops an offset at or below one a subscriber
 * already got. So the order delivers in offset order from the position read when
 * the node got its first subscriber: the next offset goes at once, a later one
 * waits (at most `holdMs`) for the missing ones, then everything held goes in
 * order and the missing offsets are skipped (their notifications stay unread
 * and are re-sent on the next subscribe). Notifications of another epoch belong
 * to another store's inbox and are dropped.
 */
export class InboxOrder {
  private cursor: number;
  private readonly epoch: string;
  private readonly held = new Map<number, Publication>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly channel: string,
    position: ChannelPosition,
    private readonly holdMs: number,
    private readonly deliver: (publication: Publication) => void,
    private readonly counters: InboxOrderCounters,
  ) {
    this.cursor = position.offset;
    this.epoch = position.epoch;
  }

  /** A notification fanned out by the engine (from any node, this one included). */
  push(publication: Publication): void {
    if (this.closed) return;
    if (publication.epoch !== this.epoch) {
      this.counters.foreign++;
      return;
    }
    if (publication.offset <= this.cursor || this.held.has(publication.offset)) {
      this.counters.late++;
      return;
    }
    if (publication.offset > this.cursor + 1) {
      this.held.set(publication.offset, publication);
      this.counters.held++;
      this.timer ??= setTimeout(() => this.release(), this.holdMs);
      return;
    }
    this.accept(publication);
    this.drain();
  }

  /** Stops delivering; held notifications are dropped (they stay unread in the store). */
  close(): void {
    this.closed = true;
    this.held.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Delivers held notifications that are now next in line; stops waiting once none is held. */
  private drain(): void {
    for (let next = this.held.get(this.cursor + 1); next; next = this.held.get(this.cursor + 1)) {
      this.held.delete(next.offset);
      this.accept(next);
    }
    if (this.held.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** The wait is over: what is held goes in offset order; the offsets still missing are skipped. */
  private release(): void {
    this.timer = undefined;
    if (this.closed) return;
    const waiting = [...this.held.values()].sort((a, b) => a.offset - b.offset);
    this.held.clear();
    for (const publication of waiting) {
      this.counters.skipped += publication.offset - this.cursor - 1;
      this.accept(publication);
    }
  }

  private accept(publication: Publication): void {
    this.cursor = publication.offset;
    this.counters.delivered++;
    this.deliver(publication);
  }
}
