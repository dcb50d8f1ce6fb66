import type { DeliveryPolicy, DeliveryPolicyContext } from "../core/delivery-policy.js";
import type { Publication } from "../core/publication.js";
import { systemTimers, type Timers } from "./timers.js";

/**
 * Latest-wins delivery with at most one write per interval, for the sessions of
 * one (channel, tier) group: the first publication of an idle interval goes out
 * at once, later ones replace each other, and the newest is always flushed when
 * the interval ends. One timer per group, never one per socket.
 *
 * Used for quote conflation (`conflationMs` per tier) and portfolio batching (`batchMs`).
 * @example new ConflationPolicy(context, 250) // participant quotes: at most 4 writes per second
 */
export class ConflationPolicy implements DeliveryPolicy {
  private timer: unknown;
  private pending: Publication | undefined;
  private closed = false;

  constructor(
    private readonly context: DeliveryPolicyContext,
    /** Shortest time between two writes to the group, in ms (> 0). */
    readonly intervalMs: number,
    private readonly timers: Timers = systemTimers,
  ) {}

  offer(publication: Publication): void {
    if (this.closed) return;
    if (this.timer === undefined) {
      this.context.flush(publication);
      this.arm();
      return;
    }
    if (this.pending !== undefined) this.context.skipped(1);
    this.pending = publication;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private arm(): void {
    this.timer = this.timers.setTimeout(() => this.tick(), this.intervalMs);
  }

  /** End of an interval: flush the newest held publication and start another interval, or go idle. */
  private tick(): void {
    this.timer = undefined;
    const next = this.pending;
    if (next === undefined || this.closed) return;
    this.pending = undefined;
    this.context.flush(next, true);
    this.arm();
  }
}
