import { describe, expect, it } from "vitest";
import type { Trade } from "@tickwire/protocol";
import type { ConnectionState, DeliveryMeta, RecoveredInfo, ResyncInfo } from "../src/index.js";
import { FakeGateway } from "./support/fake-gateway.js";
import { useHarness } from "./support/harness.js";
import { waitFor } from "./support/wait-for.js";

const trade = (n: number): Trade => ({ tradeId: `t${n}`, symbol: "AAPL", status: "executed", quantity: n });
const trades = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => trade(from + i));

describe("recovery", () => {
  const h = useHarness();

  it("resubscribes with since after a network drop and delivers every trade exactly once, in order", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    const got: Trade[] = [];
    const recovered: RecoveredInfo[] = [];
    client.on("recovered", (info) => recovered.push(info));
    await client.subscribe("trades", (t) => got.push(t)).ready;
    for (let i = 1; i <= 3; i++) gw.publish("trades:alice", trade(i));
    await waitFor("first three", () => got.length === 3);

    gw.dropConnections();
    await waitFor("reconnecting", () => client.state === "reconnecting");
    for (let i = 4; i <= 6; i++) gw.publish("trades:alice", trade(i)); // missed while away
    await waitFor("replayed", () => got.length === 6);
    for (let i = 7; i <= 8; i++) gw.publish("trades:alice", trade(i));
    await waitFor("live again", () => got.length === 8);

    expect(got).toEqual(trades(1, 8));
    expect(recovered).toEqual([{ channel: "trades:alice", replayed: 3 }]);
    const epoch = gw.store.channels.get("trades:alice")!.epoch;
    expect(gw.requests.filter((r) => r.event === "subscribe").map((r) => r.payload)).toEqual([
      { channels: ["trades:alice"] },
      { channels: [{ channel: "trades:alice", since: { offset: 3, epoch } }] },
    ]);
  });

  it("resumes from the subscribe position when nothing arrived before the drop", async () => {
    const gw = await h.gateway();
    gw.publish("trades:alice", trade(1));
    const client = h.client(gw);
    const got: Trade[] = [];
    await client.subscribe("trades", (t) => got.push(t)).ready;
    gw.dropConnections();
    await waitFor("reconnecting", () => client.state === "reconnecting");
    gw.publish("trades:alice", trade(2));
    await waitFor("missed trade", () => got.length === 1);
    expect(got).toEqual([trade(2)]);
  });

  it("delivers every trade exactly once, in order, across a restart on the same port and store", async () => {
    const first = await h.gateway();
    const client = h.client(first);
    const got: [Trade, number][] = [];
    await client.subscribe("trades", (t, meta) => got.push([t, meta.offset])).ready;
    for (let i = 1; i <= 3; i++) first.publish("trades:alice", trade(i));
    await waitFor("first three", () => got.length === 3);

    await h.stop(first);
    const second = await h.gateway({ port: first.port, store: first.store });
    for (let i = 4; i <= 5; i++) second.publish("trades:alice", trade(i));
    await waitFor("recovered after restart", () => got.length === 5);
    second.publish("trades:alice", trade(6));
    await waitFor("live after restart", () => got.length === 6);

    expect(got).toEqual(trades(1, 6).map((t, i) => [t, i + 1]));
  });

  it("drops a publication it has already delivered under the same epoch", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    const got: [Trade, DeliveryMeta][] = [];
    await client.subscribe("trades", (t, meta) => got.push([t, meta])).ready;
    const p1 = gw.publish("trades:alice", trade(1));
    await waitFor("first", () => got.length === 1);
    const meta = { channel: "trades:alice", offset: p1.offset, epoch: p1.epoch, ts: 1 };
    for (const [, socket] of gw.io.of("/").sockets) (socket.emit as (...a: unknown[]) => void)("trade:update", trade(1), meta);
    const p2 = gw.publish("trades:alice", trade(2));
    await waitFor("second", () => got.length >= 2);
    expect(got.map(([t, m]) => [t, m.offset, m.epoch])).toEqual([
      [trade(1), p1.offset, p1.epoch],
      [trade(2), p2.offset, p2.epoch],
    ]);
  });

  it("tells the app and the subscription to refetch when the server answers recovered: false", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    const got: Trade[] = [];
    const onResync: ResyncInfo[] = [];
    const resync: ResyncInfo[] = [];
    client.on("resync", (info) => resync.push(info));
    await client.subscribe("trades", (t) => got.push(t), { onResync: (info) => onResync.push(info) }).ready;
    gw.publish("trades:alice", trade(1));
    await waitFor("first", () => got.length === 1);

    gw.dropConnections();
    await waitFor("reconnecting", () => client.state === "reconnecting");
    gw.loseHistory("trades:alice"); // new epoch: offset 1 is a different trade now
    await waitFor("resync", () => resync.length === 1);
    gw.publish("trades:alice", trade(2));
    await waitFor("new history", () => got.length === 2);

    expect({ got, resync, onResync }).toEqual({
      got: [trade(1), trade(2)],
      resync: [{ channel: "trades:alice", reason: "not_recovered" }],
      onResync: [{ channel: "trades:alice", reason: "not_recovered" }],
    });
  });

  it("passes a server resync to the app and to the channel's subscriptions", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    const onResync: ResyncInfo[] = [];
    const resync: ResyncInfo[] = [];
    client.on("resync", (info) => resync.push(info));
    await client.subscribe("portfolio", () => {}, { onResync: (info) => onResync.push(info) }).ready;
    gw.io.emit("resync", { channel: "portfolio:alice", reason: "history_lost" });
    await waitFor("resync", () => resync.length === 1);
    expect({ resync, onResync }).toEqual({
      resync: [{ channel: "portfolio:alice", reason: "history_lost" }],
      onResync: [{ channel: "portfolio:alice", reason: "history_lost" }],
    });
  });

  it("reconnects by itself after a server-side disconnect, which socket.io-client would not", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    const states: ConnectionState[] = [];
    client.on("state", (s) => states.push(s));
    const got: Trade[] = [];
    await client.subscribe("trades", (t) => got.push(t)).ready;
    for (const [, socket] of gw.io.of("/").sockets) socket.disconnect(true);
    gw.publish("trades:alice", trade(1));
    await waitFor("trade after reconnect", () => got.length === 1);
    expect({ got, states }).toEqual({ got: [trade(1)], states: ["connected", "reconnecting", "connected"] });
  });

  it("waits for the server's shutdown notice delay before reconnecting, then recovers", async () => {
    const first = await h.gateway();
    const client = h.client(first, { random: () => 0 });
    const shutdowns: unknown[] = [];
    const states: ConnectionState[] = [];
    client.on("shutdown", (p) => shutdowns.push(p));
    client.on("state", (s) => states.push(s));
    const got: Trade[] = [];
    await client.subscribe("trades", (t) => got.push(t)).ready;
    first.publish("trades:alice", trade(1));
    await waitFor("first", () => got.length === 1);

    first.io.emit("server:shutdown", { reconnectAfterMs: 200 });
    await waitFor("shutdown notice", () => shutdowns.length === 1);
    await h.stop(first);
    const second = new FakeGateway({ port: first.port, store: first.store });
    await second.listen();
    h.onCleanup(() => second.close());
    second.publish("trades:alice", trade(2));
    await waitFor("recovered", () => got.length === 2);

    expect({ got, shutdowns, states }).toEqual({
      got: [trade(1), trade(2)],
      shutdowns: [{ reconnectAfterMs: 200 }],
      states: ["connected", "reconnecting", "connected"],
    });
  });
});
