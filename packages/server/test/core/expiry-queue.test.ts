import { describe, expect, it } from "vitest";
import { ExpiryQueue, type Expiring } from "../../src/core/expiry-queue.js";
import { ManualTimers } from "../streams/manual-timers.js";

class Item implements Expiring {
  expirySlot: number | undefined;
  expiredAt: number | undefined;
  constructor(
    readonly name: string,
    private readonly clock: ManualTimers,
  ) {}
  expired(): void {
    this.expiredAt = this.clock.now();
  }
}

describe("the expiry queue", () => {
  it("expires each item at its time, never early and at most one resolution late, on one timer", () => {
    const timers = new ManualTimers();
    const queue = new ExpiryQueue<Item>(timers, () => timers.now(), 250);
    const items = [1000, 1100, 5000, 250, 10_000].map((at, i) => {
      const item = new Item(`i${i}`, timers);
      queue.add(item, at);
      return [item, at] as const;
    });
    expect(timers.size).toBe(1);
    expect(queue.size).toBe(5);
    timers.advance(20_000);
    for (const [item, at] of items) {
      expect(item.expiredAt).toBeGreaterThanOrEqual(at);
      expect(item.expiredAt! - at).toBeLessThan(250);
    }
    expect(queue.size).toBe(0);
    expect(timers.size).toBe(0);
  });

  it("moves an item that is queued again and forgets one that is removed", () => {
    const timers = new ManualTimers();
    const queue = new ExpiryQueue<Item>(timers, () => timers.now(), 100);
    const moved = new Item("moved", timers);
    const removed = new Item("removed", timers);
    queue.add(moved, 500);
    queue.add(removed, 500);
    queue.add(moved, 3000);
    queue.remove(removed);
    timers.advance(1000);
    expect(moved.expiredAt).toBeUndefined();
    expect(removed.expiredAt).toBeUndefined();
    timers.advance(2000);
    expect(moved.expiredAt).toBe(3000);
    expect(removed.expiredAt).toBeUndefined();
  });
});
