import { describe, expect, it } from "vitest";
import type { Publication } from "../../src/core/publication.js";
import { SubscriptionRecovery } from "../../src/core/recovery.js";

const pub = (epoch: string, offset: number): Publication => ({ channel: "trades:alice", offset, epoch, ts: offset, event: "trade:update", data: { n: offset }, traceId: `t${offset}` });

/** What the hub does with each publication it writes: skip what the subscriber has, record the rest. */
function send(recovery: SubscriptionRecovery, publications: readonly Publication[]): Array<[epoch: string, offset: number, resync: boolean]> {
  const sent: Array<[string, number, boolean]> = [];
  for (const p of publications) {
    if (recovery.has(p)) continue;
    sent.push([p.epoch, p.offset, recovery.advance(p)]);
  }
  return sent;
}

describe("a subscription's recovery", () => {
  it("starts recovering, with no position and nothing sent", () => {
    const recovery = new SubscriptionRecovery();
    expect(recovery.live).toBe(false);
    expect(recovery.position()).toBeUndefined();
    expect(recovery.offset).toBe(0);
    expect(recovery.has(pub("e1", 1))).toBe(false);
  });

  it("sends once what both the replay and the live buffer hold, in offset order", () => {
    const recovery = new SubscriptionRecovery();
    recovery.start({ epoch: "e1", offset: 3 });
    // 4 and 5 were published while the history was read: both in the history and in the buffer.
    for (const offset of [4, 5, 6]) expect(recovery.buffer(pub("e1", offset))).toBe(true);
    const replayed = send(recovery, [pub("e1", 4), pub("e1", 5)]);
    const merged = send(recovery, recovery.merge(5, "e1"));
    expect([...replayed, ...merged]).toEqual([
      ["e1", 4, false],
      ["e1", 5, false],
      ["e1", 6, false],
    ]);
    expect(recovery.position()).toEqual({ epoch: "e1", offset: 6 });
  });

  it("leaves out what the buffer holds at or below the floor the history read reached", () => {
    const recovery = new SubscriptionRecovery();
    for (const offset of [7, 8, 9, 10]) recovery.buffer(pub("e1", offset));
    const owed = recovery.merge(8, "e1");
    expect(owed.map((p) => p.offset)).toEqual([9, 10]);
    // The floor is the subscriber's position until the first merged publication is sent.
    expect(recovery.position()).toEqual({ epoch: "e1", offset: 8 });
    expect(send(recovery, owed)).toEqual([
      ["e1", 9, false],
      ["e1", 10, false],
    ]);
  });

  it("keeps a newer epoch that starts while recovering, and reports the change on its first publication", () => {
    const recovery = new SubscriptionRecovery();
    recovery.start({ epoch: "e1", offset: 5 });
    for (const p of [pub("e1", 7), pub("e1", 8), pub("e2", 1), pub("e2", 2)]) recovery.buffer(p);
    const replayed = send(recovery, [pub("e1", 6), pub("e1", 7)]);
    const merged = send(recovery, recovery.merge(7, "e1"));
    expect([...replayed, ...merged]).toEqual([
      ["e1", 6, false],
      ["e1", 7, false],
      ["e1", 8, false],
      ["e2", 1, true],
      ["e2", 2, false],
    ]);
  });

  it("drops an older epoch's publications that arrive before those of the epoch the history read found", () => {
    const recovery = new SubscriptionRecovery();
    // The history was lost (e2) before it was read: e1's last publications still came through the live feed.
    for (const p of [pub("e1", 8), pub("e1", 9), pub("e2", 1), pub("e2", 2), pub("e2", 3)]) recovery.buffer(p);
    const owed = recovery.merge(2, "e2");
    expect(send(recovery, owed)).toEqual([["e2", 3, false]]);
  });

  it("answers the start of a rewind as its position until the first replay is sent", () => {
    const recovery = new SubscriptionRecovery();
    recovery.start({ epoch: "e1", offset: 4 });
    expect(recovery.position()).toEqual({ epoch: "e1", offset: 4 });
    // The start is where the journal undoes replays back to, not something the subscriber was sent.
    expect(recovery.has(pub("e1", 4))).toBe(false);
    expect(recovery.offset).toBe(0);
    expect(send(recovery, [pub("e1", 5)])).toEqual([["e1", 5, false]]);
    expect(recovery.position()).toEqual({ epoch: "e1", offset: 5 });
  });

  it("is live after the merge: it buffers nothing more, and only what is above its position gets through", () => {
    const recovery = new SubscriptionRecovery();
    recovery.buffer(pub("e1", 3));
    expect(send(recovery, recovery.merge(2, "e1"))).toEqual([["e1", 3, false]]);
    expect(recovery.live).toBe(true);
    expect(recovery.buffer(pub("e1", 4))).toBe(false);
    expect(recovery.merge(5, "e1")).toEqual([]);
    recovery.start({ epoch: "e1", offset: 0 });
    expect(recovery.position()).toEqual({ epoch: "e1", offset: 3 });
    expect(send(recovery, [pub("e1", 3), pub("e1", 4), pub("e1", 4), pub("e1", 5)])).toEqual([
      ["e1", 4, false],
      ["e1", 5, false],
    ]);
  });

  it("moves to the epoch of the merge when it had another one, without reporting a change", () => {
    const recovery = new SubscriptionRecovery();
    // A state channel's snapshot of e1, then a position read that is already e2.
    send(recovery, [pub("e1", 9)]);
    recovery.buffer(pub("e2", 2));
    expect(send(recovery, recovery.merge(1, "e2"))).toEqual([["e2", 2, false]]);
  });
});
