import type { Timers } from "../../src/streams/timers.js";

/** Timers driven by hand: `advance(ms)` fires what falls due, in time order. */
export class ManualTimers implements Timers {
  private time = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.time + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Milliseconds since the clock was made. */
  now(): number {
    return this.time;
  }

  /** Timers waiting to fire. */
  get size(): number {
    return this.pending.size;
  }

  /** Moves time forward, firing every timer due on the way (including ones set by fired timers). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.pending.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }
}
