import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Publication } from "@tickwire/server";
import { InboxOrder, inboxOrderCounters } from "../../src/notifications/inbox-order.js";

const note = (offset: number, epoch = "E"): Publication => ({ channel: "notifications:alice", offset, epoch, ts: offset, event: "notification:new", data: { offset }, traceId: `t${offset}` });

describe("the live order of one inbox on one node", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function order(offset: number, holdMs = 250) {
    const delivered: Publication[] = [];
    const counters = inboxOrderCounters();
    return { order: new InboxOrder("notifications:alice", { offset, epoch: "E" }, holdMs, (p) => delivered.push(p), counters), delivered, counters };
  }

  it("delivers in offset order when the fan-outs of two nodes cross, holding the one that came early", () => {
    const { order: o, delivered, counters } = order(4);
    o.push(note(6));
    expect(delivered).toEqual([]);
    o.push(note(5));
    o.push(note(7));
    expect(delivered).toEqual([note(5), note(6), note(7)]);
    expect(counters).toEqual({ delivered: 3, held: 1, skipped: 0, late: 0, foreign: 0 });
    // Nothing is held any more: the wait's end changes nothing.
    vi.advanceTimersByTime(250);
    expect(delivered).toEqual([note(5), note(6), note(7)]);
  });

  it("gives up on a missing offset after the hold and drops what it is past or another store numbered", () => {
    const { order: o, delivered, counters } = order(2, 50);
    o.push(note(2)); // at the position read at attach: the store re-sends it on subscribe
    o.push(note(3, "other-store"));
    o.push(note(5)); // 3 and 4 never come
    o.push(note(6));
    vi.advanceTimersByTime(49);
    expect(delivered).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(delivered).toEqual([note(5), note(6)]);
    o.push(note(4)); // too late: 5 and 6 went out
    o.push(note(7));
    expect(delivered).toEqual([note(5), note(6), note(7)]);
    expect(counters).toEqual({ delivered: 3, held: 2, skipped: 2, late: 2, foreign: 1 });
  });

  it("delivers nothing once closed, not even what it held", () => {
    const { order: o, delivered } = order(0);
    o.push(note(2));
    o.close();
    vi.advanceTimersByTime(250);
    o.push(note(1));
    expect(delivered).toEqual([]);
  });
});
