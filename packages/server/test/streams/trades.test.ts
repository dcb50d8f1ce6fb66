import { afterEach, describe, expect, it } from "vitest";
import { api, record, TestBed, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

const trade = (n: number, status = "executed"): Record<string, unknown> => ({ tradeId: `t${n}`, userId: "alice", symbol: "AAPL", side: "buy", quantity: n, status, executedPrice: 190 + n });

describe("trades", () => {
  it("delivers trade:update, trade:executed and trade:failed as the publisher chose", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice", "navigator");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    const seen = record(socket, "trade:update", "trade:executed", "trade:failed");
    const failed = { userId: "alice", error: "Insufficient buying power", signal: { symbol: "TSLA", action: "buy" } };
    expect((await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade(1, "pending") })).status).toBe(200);
    expect((await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", event: "trade:executed", data: trade(1) })).status).toBe(200);
    const last = await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", event: "trade:failed", data: failed });
    expect(last).toEqual({ status: 200, body: { channel: "trades:alice", offset: 3, epoch: expect.any(String) } });
    await until(() => seen.length === 3);
    const meta = (offset: number) => ({ channel: "trades:alice", offset, epoch: last.body.epoch, ts: expect.any(Number) });
    expect(seen).toEqual([
      { event: "trade:update", payload: trade(1, "pending"), meta: meta(1) },
      { event: "trade:executed", payload: trade(1), meta: meta(2) },
      { event: "trade:failed", payload: failed, meta: meta(3) },
    ]);
  });

  it("refuses any other event name with BAD_REQUEST and stores nothing", async () => {
    const gw = await bed.gateway();
    expect(await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", event: "trade:deleted", data: trade(1) })).toEqual({
      status: 400,
      body: { statusCode: 400, code: "BAD_REQUEST", message: 'Event "trade:deleted" is not allowed on "trades".' },
    });
    expect((await api(gw, "GET", "/api/v1/channels/trades:alice/history")).body).toMatchObject({ offset: 0, publications: [] });
  });

  it("never conflates trades, whatever the tier, and keeps their order", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice", "navigator");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    const seen = record(socket, "trade:update");
    await Promise.all(Array.from({ length: 200 }, (_, i) => gw.publish({ channel: "trades:alice", data: trade(i + 1) })));
    await until(() => seen.length === 200, 10_000, "200 trades");
    expect(seen.map((e) => e.meta.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(gw.metrics.totals.conflated).toBe(0);
  });

  it("replays the trades a reconnecting client missed, in order, before the subscribe reply", async () => {
    const gw = await bed.gateway();
    const first = await bed.connectAs(gw, "alice", "navigator");
    const seen = record(first, "trade:update");
    await first.emitWithAck("subscribe", { channels: ["trades"] });
    const { epoch } = await gw.publish({ channel: "trades:alice", data: trade(1) });
    await until(() => seen.length === 1);
    first.close();
    for (let n = 2; n <= 4; n++) await gw.publish({ channel: "trades:alice", data: trade(n) });

    const again = await bed.connectAs(gw, "alice", "navigator");
    const replayed = record(again, "trade:update");
    const reply = await again.emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: 1, epoch } }] });
    expect(reply.subscribed).toEqual([{ channel: "trades:alice", requested: "trades", offset: 4, epoch, recovered: true, replayed: 3 }]);
    expect(replayed.map((e) => [e.payload, e.meta.offset])).toEqual([
      [trade(2), 2],
      [trade(3), 3],
      [trade(4), 4],
    ]);
  });
});
