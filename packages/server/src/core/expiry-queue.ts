/** The timer an ExpiryQueue runs on (tests drive it by hand). */
export interface ExpiryTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd: a pending expiry never keeps a stopping process alive. */
const nodeTimers: ExpiryTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What an ExpiryQueue holds: told once its time came. */
export interface Expiring {
  /** The queue's bookkeeping (which slot holds it); undefined when not queued. */
  expirySlot: number | undefined;
  /** Its time came (never early, at most one resolution late). */
  expired(): void;
}

/** setTimeout's longest delay. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Expiries of many items on one timer: items are kept in slots of
 * `resolutionMs` and the timer is armed for the earliest slot, so ten thousand
 * sessions with a token expiry cost one timer, not ten thousand.
 * @example const queue = new ExpiryQueue<Session>(); queue.add(session, identity.expiresAt);
 */
export class ExpiryQueue<T extends Expiring> {
  private readonly slots = new Map<number, Set<T>>();
  /** Slot numbers, a min-heap; a slot emptied by remove() stays until it comes up. */
  private readonly heap: number[] = [];
  private timer: unknown;
  private armedSlot = Infinity;

  constructor(
    private readonly timers: ExpiryTimers = nodeTimers,
    private readonly now: () => number = Date.now,
    private readonly resolutionMs = 250,
  ) {}

  /** Queues `item` to expire at `at` (ms since the epoch); moves it if it was queued. */
  add(item: T, at: number): void {
    this.remove(item);
    const slot = Math.ceil(at / this.resolutionMs);
    let set = this.slots.get(slot);
    if (set === undefined) {
      set = new Set();
      this.slots.set(slot, set);
      this.push(slot);
    }
    set.add(item);
    item.expirySlot = slot;
    if (slot < this.armedSlot) this.arm();
  }

  remove(item: T): void {
    const slot = item.expirySlot;
    if (slot === undefined) return;
    item.expirySlot = undefined;
    const set = this.slots.get(slot);
    if (set === undefined) return;
    set.delete(item);
    if (set.size === 0) this.slots.delete(slot);
  }

  /** Items queued (tests, stats). */
  get size(): number {
    let n = 0;
    for (const set of this.slots.values()) n += set.size;
    return n;
  }

  private arm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedSlot = Infinity;
    while (this.heap.length > 0 && !this.slots.has(this.heap[0]!)) this.pop();
    if (this.heap.length === 0) return;
    const slot = this.heap[0]!;
    this.armedSlot = slot;
    this.timer = this.timers.setTimeout(() => this.fire(), Math.min(MAX_DELAY, Math.max(0, slot * this.resolutionMs - this.now())));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.now();
    while (this.heap.length > 0 && this.heap[0]! * this.resolutionMs <= now) {
      const slot = this.pop();
      const set = this.slots.get(slot);
      if (set === undefined) continue;
      this.slots.delete(slot);
      for (const item of set) {
        item.expirySlot = undefined;
        item.expired();
      }
    }
    this.arm();
  }

  private push(slot: number): void {
    const h = this.heap;
    h.push(slot);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= h[i]!) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]! < h[m]!) m = l;
        if (r < h.length && h[r]! < h[m]!) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
