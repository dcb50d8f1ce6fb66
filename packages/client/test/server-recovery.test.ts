import { describe, expect, it } from "vitest";
import type { Trade } from "@tickwire/protocol";
import type { ConnectionState, RecoveredInfo, ResyncInfo } from "../src/index.js";
import { useRealGateway } from "./support/real-gateway.js";
import { waitFor } from "./support/wait-for.js";

const trade = (n: number): Trade => ({ tradeId: `t${n}`, symbol: "AAPL", side: "buy", status: "executed", quantity: n, executedPrice: 100 + n });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("recovery against the real gateway", () => {
  const rt = useRealGateway();

  it("delivers every trade exactly once and in order across a network cut", async () => {
    const gw = await rt.start();
    const proxy = await rt.proxy(gw);
    const token = await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 });
    const client = rt.client(proxy.url, { token });
    const got: [Trade, number][] = [];
    const recovered: RecoveredInfo[] = [];
    const states: ConnectionState[] = [];
    client.on("recovered", (info) => recovered.push(info));
    client.on("state", (s) => states.push(s));
    await client.subscribe("trades", (t, meta) => got.push([t, meta.offset])).ready;

    for (const n of range(1, 5)) await gw.publish({ channel: "trades:alice", data: trade(n), event: "trade:executed" });
    await waitFor("first five", () => got.length === 5);

    proxy.cut(); // the network is down: these five are published while the client is away
    await waitFor("reconnecting", () => client.state === "reconnecting");
    for (const n of range(6, 10)) await gw.publish({ channel: "trades:alice", data: trade(n), event: "trade:executed" });
    proxy.restore();
    await waitFor("recovered five", () => got.length === 10, 10_000);
    for (const n of range(11, 12)) await gw.publish({ channel: "trades:alice", data: trade(n), event: "trade:executed" });
    await waitFor("live again", () => got.length === 12);

    expect(got).toEqual(range(1, 12).map((n) => [trade(n), n]));
    expect(recovered).toEqual([{ channel: "trades:alice", replayed: 5 }]);
    expect(states).toEqual(["connected", "reconnecting", "connected"]);
  });

  it("delivers every trade exactly once and in order while a publisher keeps publishing through three cuts", async () => {
    const gw = await rt.start();
    const proxy = await rt.proxy(gw);
    const token = await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 });
    const client = rt.client(proxy.url, { token });
    const got: number[] = [];
    const recovered: RecoveredInfo[] = [];
    client.on("recovered", (info) => recovered.push(info));
    await client.subscribe("trades", (t) => got.push(t.quantity)).ready;

    const total = 150;
    const publisher = (async () => {
      for (const n of range(1, total)) {
        await gw.publish({ channel: "trades:alice", data: trade(n) });
        if (n % 5 === 0) await new Promise((r) => setTimeout(r, 15));
      }
    })();
    for (const at of [30, 70, 110]) {
      await waitFor(`trade ${at}`, () => got.length >= at, 10_000);
      proxy.drop();
    }
    await publisher;
    await waitFor("every trade and three recoveries", () => got.length >= total && recovered.length === 3, 15_000);
    expect(got).toEqual(range(1, total));
    expect(recovered.map((r) => r.channel)).toEqual(["trades:alice", "trades:alice", "trades:alice"]);
  });

  it("delivers every trade exactly once and in order across a server restart on the same port and data directory", async () => {
    const dataDir = rt.dataDir();
    const first = await rt.start({ dataDir });
    const port = first.port;
    const token = await first.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 });
    const client = rt.client(first.url, { token });
    const got: [Trade, number][] = [];
    const shutdowns: unknown[] = [];
    client.on("shutdown", (p) => shutdowns.push(p));
    await client.subscribe("trades", (t, meta) => got.push([t, meta.offset])).ready;
    for (const n of range(1, 3)) await first.publish({ channel: "trades:alice", data: trade(n) });
    await waitFor("first three", () => got.length === 3);

    await rt.stop(first);
    const second = await rt.start({ port, dataDir });
    for (const n of range(4, 6)) await second.publish({ channel: "trades:alice", data: trade(n) });
    await waitFor("recovered after restart", () => got.length === 6, 15_000);
    for (const n of range(7, 8)) await second.publish({ channel: "trades:alice", data: trade(n) });
    await waitFor("live after restart", () => got.length === 8);

    expect(got).toEqual(range(1, 8).map((n) => [trade(n), n]));
    expect(shutdowns).toEqual([{ reconnectAfterMs: expect.any(Number) }]);
    expect(client.state).toBe("connected");
  });

  it("tells the app to refetch when the history is gone after a restart (recovered: false)", async () => {
    const first = await rt.start();
    const port = first.port;
    const token = await first.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 });
    const client = rt.client(first.url, { token });
    const got: [Trade, number][] = [];
    const resync: ResyncInfo[] = [];
    const onResync: ResyncInfo[] = [];
    client.on("resync", (info) => resync.push(info));
    await client.subscribe("trades", (t, meta) => got.push([t, meta.offset]), { onResync: (info) => onResync.push(info) }).ready;
    for (const n of range(1, 2)) await first.publish({ channel: "trades:alice", data: trade(n) });
    await waitFor("first two", () => got.length === 2);

    await rt.stop(first);
    const second = await rt.start({ port }); // a new, empty data directory: a new epoch
    await waitFor("resync", () => resync.length === 1, 15_000);
    await second.publish({ channel: "trades:alice", data: trade(3) });
    await waitFor("new history", () => got.length === 3);

    expect({ got, resync, onResync }).toEqual({
      got: [[trade(1), 1], [trade(2), 2], [trade(3), 1]],
      resync: [{ channel: "trades:alice", reason: "not_recovered" }],
      onResync: [{ channel: "trades:alice", reason: "not_recovered" }],
    });
  });

  it("routes quotes asked for in lower case to the upper-case canonical channel", async () => {
    const gw = await rt.start();
    const token = await gw.issueToken({ sub: "alice", tier: "operator", ttlSeconds: 3600 });
    const client = rt.client(gw.url, { token });
    const got: unknown[] = [];
    const info = await client.subscribe("quotes:aapl", (q, meta) => got.push([q, meta.channel, meta.event])).ready;
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.5, bid: 190.4, ask: 190.6 } });
    await waitFor("quote", () => got.length === 1);
    expect({ info, got }).toEqual({
      info: { channel: "quotes:AAPL", offset: 0, epoch: expect.any(String) },
      got: [[{ symbol: "AAPL", price: 190.5, bid: 190.4, ask: 190.6 }, "quotes:AAPL", "quote:update"]],
    });
  });
});
