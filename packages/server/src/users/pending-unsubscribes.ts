import type { Logger } from "../observability/logger.js";

/** Options of the retry of unsubscribe requests. */
export interface PendingUnsubscribesOptions {
  /** Publishes one user's unsubscribe request to every node; rejects while the engine cannot take it. */
  readonly send: (userId: string, channels: readonly string[]) => Promise<void>;
  readonly logger: Logger;
  /** First wait after a failure; doubled per failure up to `maxDelayMs`. @default 250 */
  readonly minDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  /** Most users with requests waiting; beyond, the oldest user's requests are given up (logged). @default 10000 */
  readonly maxUsers?: number;
}

/**
 * Unsubscribe requests the engine could not carry to the other nodes (Redis
 * unreachable), sent again until it does. The node that took the request ended its
 * own connections' subscriptions at once; the others would keep theirs, and get the
 * channel's publications again once Redis is back. One timer for all of them, with
 * a backoff; requests of one user are merged. A later subscribe request of the same
 * channels cancels what waits for them, so an old unsubscribe never undoes it.
 */
export class PendingUnsubscribes {
  private readonly pending = new Map<string, Set<string>>();
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxUsers: number;
  private delayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;
  private closed = false;

  constructor(private readonly options: PendingUnsubscribesOptions) {
    this.minDelayMs = options.minDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.maxUsers = options.maxUsers ?? 10_000;
    this.delayMs = this.minDelayMs;
  }

  /** Users with requests waiting. */
  get size(): number {
    return this.pending.size;
  }

  add(userId: string, channels: readonly string[]): void {
    if (this.closed) return;
    let set = this.pending.get(userId);
    if (set === undefined) {
      if (this.pending.size >= this.maxUsers) {
        const [oldest, lost] = this.pending.entries().next().value as [string, Set<string>];
        this.pending.delete(oldest);
        this.options.logger.error({ userId: oldest, channels: [...lost] }, "an unsubscribe request could not reach the other nodes and is given up: too many wait");
      }
      set = new Set();
      this.pending.set(userId, set);
    }
    for (const channel of channels) set.add(channel);
    this.schedule();
  }

  /** A newer request for these channels of the user was sent: what waited for them is void. */
  cancel(userId: string, channels: readonly string[]): void {
    const set = this.pending.get(userId);
    if (set === undefined) return;
    for (const channel of channels) set.delete(channel);
    if (set.size === 0) this.pending.delete(userId);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0) this.options.logger.error({ users: [...this.pending.keys()] }, "unsubscribe requests that never reached the other nodes are dropped: the node is closing");
    this.pending.clear();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.flushing || this.closed) return;
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    this.flushing = true;
    try {
      for (const [userId, set] of [...this.pending]) {
        if (this.closed) return;
        const channels = [...set];
        try {
          await this.options.send(userId, channels);
        } catch {
          this.delayMs = Math.min(this.delayMs * 2, this.maxDelayMs);
          return;
        }
        // Cancelled or added to meanwhile: only what was sent is done.
        const now = this.pending.get(userId);
        if (now !== undefined) {
          for (const channel of channels) now.delete(channel);
          if (now.size === 0) this.pending.delete(userId);
        }
        this.options.logger.info({ userId, channels }, "an unsubscribe request reached the other nodes after the engine came back");
      }
      this.delayMs = this.minDelayMs;
    } finally {
      this.flushing = false;
      if (this.pending.size > 0) this.schedule();
    }
  }
}
