import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { record, TestBed, until } from "../helpers.js";
import { streamPolicyFactory } from "../../src/streams/stream-policy-factory.js";
import { ManualTimers } from "./manual-timers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

const settle = (socket: Socket): Promise<unknown> => socket.emitWithAck("ping", {});
const portfolio = (totalValue: number): Record<string, unknown> => ({
  userId: "alice",
  totalValue,
  cash: 1000,
  positions: [{ symbol: "AAPL", quantity: 10, avgPrice: 180 }],
  broker: "ibkr",
});

describe("portfolio", () => {
  it("sends the first update at once, then at most one per second, the newest always delivered", async () => {
    const clock = new ManualTimers();
    const gw = await bed.gateway({}, { policyFactory: streamPolicyFactory({ timers: clock }) });
    const socket = await bed.connectAs(gw, "alice", "operator");
    await socket.emitWithAck("subscribe", { channels: ["portfolio"] });
    const seen = record(socket, "portfolio:update");

    const { epoch } = await gw.publish({ channel: "portfolio:alice", data: portfolio(1) });
    await gw.publish({ channel: "portfolio:alice", data: portfolio(2) });
    await gw.publish({ channel: "portfolio:alice", data: portfolio(3) });
    await until(() => seen.length === 1, 5000, "the first portfolio");
    clock.advance(999);
    await settle(socket);
    expect(seen).toHaveLength(1);
    clock.advance(1);
    await until(() => seen.length === 2, 5000, "the newest portfolio");
    expect(seen).toEqual([
      { event: "portfolio:update", payload: portfolio(1), meta: { channel: "portfolio:alice", offset: 1, epoch, ts: expect.any(Number) } },
      { event: "portfolio:update", payload: portfolio(3), meta: { channel: "portfolio:alice", offset: 3, epoch, ts: expect.any(Number) } },
    ]);
    expect(gw.metrics.totals.conflated).toBe(1);
  });

  it("gives a new subscriber the latest portfolio at once, and only its owner", async () => {
    const gw = await bed.gateway();
    const { epoch } = await gw.publish({ channel: "portfolio:alice", data: portfolio(42) });
    const alice = await bed.connectAs(gw, "alice", "navigator");
    const seen = record(alice, "portfolio:update");
    expect(await alice.emitWithAck("subscribe", { channels: ["portfolio"] })).toEqual({
      ok: true,
      subscribed: [{ channel: "portfolio:alice", requested: "portfolio", offset: 1, epoch }],
      failed: [],
    });
    expect(seen).toEqual([{ event: "portfolio:update", payload: portfolio(42), meta: { channel: "portfolio:alice", offset: 1, epoch, ts: expect.any(Number) } }]);

    const bob = await bed.connectAs(gw, "bob", "operator");
    expect(await bob.emitWithAck("subscribe", { channels: ["portfolio:alice"] })).toEqual({
      ok: true,
      subscribed: [],
      failed: [{ channel: "portfolio:alice", code: "FORBIDDEN", message: '"portfolio:alice" belongs to another user.' }],
    });
  });
});
