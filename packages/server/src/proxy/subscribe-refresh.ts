import type { NamespaceDefinition } from "@tickwire/protocol";
import type { Session } from "../core/session.js";
import type { Logger } from "../observability/logger.js";

/** What the backend said on a refresh: still allowed (and when to ask next), or refused with its message. */
export type RefreshAnswer = { readonly allowed: true; readonly refreshAfterMs?: number | undefined } | { readonly allowed: false; readonly message: string };

/** Options of the refresh of subscriptions the subscribe proxy admitted. */
export interface SubscribeRefreshOptions {
  /** Time until a subscription is asked about again, unless the backend named its own `refreshAfterMs`; 0: only those that did. */
  readonly refreshMs: number;
  /** Asks the backend about one user and channel, with one of the user's connections as the caller; throws when it cannot answer. */
  readonly ask: (session: Session, channel: string, namespace: NamespaceDefinition) => Promise<RefreshAnswer>;
  /** The backend refused a live subscription: end it for this connection. */
  readonly refused: (session: Session, channel: string, message: string) => Promise<void>;
  /** Counts a refresh by its outcome. */
  readonly counted: (result: "allowed" | "refused" | "failed") => void;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Refreshes waiting on the backend at once, across all users; more wait their turn. @default 16 */
  readonly maxInFlight?: number;
}

/** The connections of one user subscribed to one channel through the proxy, refreshed together. */
interface Watch {
  readonly userId: string;
  readonly channel: string;
  readonly namespace: NamespaceDefinition;
  readonly sessions: Set<Session>;
  due: number;
  /** Bumped at each reschedule: older heap entries of the watch are stale. */
  version: number;
  intervalMs: number;
  asking: boolean;
}

interface Due {
  readonly at: number;
  readonly key: string;
  readonly version: number;
}

/**
 * Asks the subscribe backend again about live subscriptions it admitted, so an
 * entitlement that ends also ends the subscription (Centrifugo's subscribe refresh).
 * One timer for all of them, armed for the earliest due refresh (a binary heap, no
 * timer per subscription); due times are spread by up to a tenth of the interval so
 * that subscriptions made together are not asked together. A user's connections of
 * one channel are asked about in one call, at most one at a time per user and channel,
 * and at most `maxInFlight` calls wait on the backend at once. A refusal ends the
 * subscription of each of those connections; a backend that cannot answer keeps it
 * (fail-open for live subscriptions: counted and logged) and is asked again later.
 */
export class SubscribeRefresh {
  private readonly watches = new Map<string, Watch>();
  private readonly heap: Due[] = [];
  private readonly now: () => number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed = false;

  constructor(private readonly options: SubscribeRefreshOptions) {
    this.now = options.now ?? Date.now;
    this.maxInFlight = options.maxInFlight ?? 16;
  }

  /** User and channel pairs being refreshed. */
  get size(): number {
    return this.watches.size;
  }

  /** A subscription of `session` to `channel` was admitted by the backend; `refreshAfterMs` is its own answer's, if it gave one. */
  track(session: Session, channel: string, namespace: NamespaceDefinition, refreshAfterMs: number | undefined): void {
    const intervalMs = refreshAfterMs ?? this.options.refreshMs;
    if (this.closed || intervalMs <= 0) return;
    const key = `${session.userId}\n${channel}`;
    const watch = this.watches.get(key);
    if (watch !== undefined) {
      // Another connection of the user: it is asked about with the others, on their schedule.
      watch.sessions.add(session);
      return;
    }
    const created: Watch = { userId: session.userId, channel, namespace, sessions: new Set([session]), due: 0, version: 0, intervalMs, asking: false };
    this.watches.set(key, created);
    this.schedule(key, created, intervalMs);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.watches.clear();
    this.heap.length = 0;
  }

  private schedule(key: string, watch: Watch, intervalMs: number): void {
    watch.intervalMs = intervalMs;
    watch.due = this.now() + intervalMs + Math.floor(Math.random() * (intervalMs / 10));
    watch.version++;
    this.push({ at: watch.due, key, version: watch.version });
    this.arm();
  }

  private arm(): void {
    const next = this.heap[0];
    if (this.closed || next === undefined || this.inFlight >= this.maxInFlight) return;
    if (this.timer !== undefined && this.timerAt <= next.at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next.at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, next.at - this.now()));
    this.timer.unref();
  }

  private pump(): void {
    const now = this.now();
    while (this.inFlight < this.maxInFlight && this.heap.length > 0 && this.heap[0]!.at <= now) {
      const due = this.pop()!;
      const watch = this.watches.get(due.key);
      if (watch === undefined || watch.version !== due.version || watch.asking) continue;
      void this.refresh(due.key, watch);
    }
    this.arm();
  }

  private live(watch: Watch): Session[] {
    for (const session of watch.sessions) {
      if (session.closed || !session.subscriptions.has(watch.channel)) watch.sessions.delete(session);
    }
    return [...watch.sessions];
  }

  private async refresh(key: string, watch: Watch): Promise<void> {
    const sessions = this.live(watch);
    if (sessions.length === 0) {
      this.watches.delete(key);
      return;
    }
    watch.asking = true;
    this.inFlight++;
    try {
      let answer: RefreshAnswer;
      try {
        answer = await this.options.ask(sessions[0]!, watch.channel, watch.namespace);
      } catch (err) {
        this.options.counted("failed");
        this.options.logger.warn({ err, userId: watch.userId, channel: watch.channel }, "subscribe refresh failed; the subscription is kept and asked about again later");
        if (!this.closed) this.schedule(key, watch, watch.intervalMs);
        return;
      }
      if (answer.allowed) {
        this.options.counted("allowed");
        const next = answer.refreshAfterMs ?? this.options.refreshMs;
        if (next > 0 && !this.closed) this.schedule(key, watch, next);
        else this.watches.delete(key);
        return;
      }
      this.options.counted("refused");
      this.watches.delete(key);
      // Connections that subscribed while the call was out are ended too: the answer is about the user.
      for (const session of this.live(watch)) {
        await this.options.refused(session, watch.channel, answer.message).catch((err: unknown) => this.options.logger.error({ err, userId: watch.userId, channel: watch.channel }, "a refused subscription could not be ended"));
      }
    } finally {
      watch.asking = false;
      this.inFlight--;
      this.pump();
    }
  }

  private push(item: Due): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= item.at) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  private pop(): Due | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left;
      if (heap[child]!.at >= last.at) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
