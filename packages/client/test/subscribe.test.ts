import { describe, expect, it } from "vitest";
import type { Quote, Trade } from "@tickwire/protocol";
import type { DeliveryMeta } from "../src/index.js";
import { useHarness } from "./support/harness.js";
import { waitFor } from "./support/wait-for.js";

const trade = (n: number): Trade => ({ tradeId: `t${n}`, symbol: "AAPL", status: "executed", quantity: n, side: "buy" });

describe("client.subscribe", () => {
  const h = useHarness();

  it("delivers publications of the canonical channel to a subscription made with the short name", async () => {
    const gw = await h.gateway();
    // A session id instead of a token: the client cannot know the user id, only the server's reply names the channel.
    const client = h.client(gw, { sessionID: "session-alice" });
    const got: [Trade, DeliveryMeta][] = [];
    const sub = client.subscribe("trades", (t, meta) => got.push([t, meta]));
    const info = await sub.ready;
    expect(info).toEqual({ channel: "trades:alice", requested: "trades", offset: 0, epoch: expect.any(String) });
    expect(sub.canonical).toBe("trades:alice");
    expect(gw.requests.filter((r) => r.event === "subscribe")).toEqual([{ event: "subscribe", payload: { channels: ["trades"] } }]);

    const p1 = gw.publish("trades:alice", trade(1), "trade:executed");
    const p2 = gw.publish("trades:alice", trade(2), "trade:failed");
    await waitFor("two trades", () => got.length === 2);
    expect(got).toEqual([
      [trade(1), { channel: "trades:alice", offset: p1.offset, epoch: p1.epoch, ts: expect.any(Number), event: "trade:executed", live: true }],
      [trade(2), { channel: "trades:alice", offset: p2.offset, epoch: p2.epoch, ts: expect.any(Number), event: "trade:failed", live: true }],
    ]);
  });

  it("names the channel canonically itself when the token tells the user id", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    const info = await client.subscribe("trades", () => {}).ready;
    expect(info).toEqual({ channel: "trades:alice", offset: 0, epoch: expect.any(String) });
    expect(gw.requests.filter((r) => r.event === "subscribe")).toEqual([{ event: "subscribe", payload: { channels: ["trades:alice"] } }]);
  });

  it("shares one server subscription between local subscriptions to one channel, in any spelling", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    const a: number[] = [];
    const b: number[] = [];
    const subA = client.subscribe("quotes:aapl", (q) => a.push(q.price));
    await subA.ready;
    const subB = client.subscribe("quotes:AAPL", (q) => b.push(q.price));
    await subB.ready;
    gw.publish("quotes:AAPL", { symbol: "AAPL", price: 101 });
    await waitFor("both handlers", () => a.length === 1 && b.length === 1);
    expect(gw.requests.filter((r) => r.event === "subscribe")).toEqual([{ event: "subscribe", payload: { channels: ["quotes:AAPL"] } }]);

    subA.unsubscribe();
    gw.publish("quotes:AAPL", { symbol: "AAPL", price: 102 });
    await waitFor("second price", () => b.length === 2);
    expect({ a, b }).toEqual({ a: [101], b: [101, 102] });
    expect(gw.requests.some((r) => r.event === "unsubscribe")).toBe(false);

    subB.unsubscribe();
    await waitFor("unsubscribe request", () => gw.requests.find((r) => r.event === "unsubscribe"));
    expect(gw.requests.filter((r) => r.event === "unsubscribe")).toEqual([{ event: "unsubscribe", payload: { channels: ["quotes:AAPL"] } }]);
  });

  it("hands the latest value of a state channel to a subscription that joins later", async () => {
    const gw = await h.gateway();
    gw.publish("quotes:MSFT", { symbol: "MSFT", price: 410 });
    const client = h.client(gw);
    const first: Quote[] = [];
    await client.subscribe("quotes:MSFT", (q) => first.push(q)).ready;
    await waitFor("first value", () => first.length === 1);
    const second: Quote[] = [];
    client.subscribe("quotes:msft", (q) => second.push(q));
    await waitFor("replayed value", () => second.length === 1);
    expect({ first, second }).toEqual({ first: [{ symbol: "MSFT", price: 410 }], second: [{ symbol: "MSFT", price: 410 }] });
  });

  it("asks for the union of the fields of every local subscription to a channel", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    await client.subscribe("quotes:AAPL", () => {}, { fields: ["price"] }).ready;
    const got: Quote[] = [];
    client.subscribe("quotes:AAPL", (q) => got.push(q), { fields: ["bid", "ask"] });
    await waitFor("second subscribe", () => gw.requests.filter((r) => r.event === "subscribe").length === 2);
    // The gateway keeps a channel's first filter, so a new one is an unsubscribe and a subscribe.
    expect(gw.requests).toEqual([
      { event: "subscribe", payload: { channels: [{ channel: "quotes:AAPL", fields: ["price"] }] } },
      { event: "unsubscribe", payload: { channels: ["quotes:AAPL"] } },
      { event: "subscribe", payload: { channels: [{ channel: "quotes:AAPL", fields: ["ask", "bid", "price"] }] } },
    ]);
    gw.publish("quotes:AAPL", { symbol: "AAPL", price: 1, bid: 0.9, ask: 1.1, volume: 5 });
    await waitFor("filtered quote", () => got.length === 1);
    expect(got).toEqual([{ symbol: "AAPL", price: 1, bid: 0.9, ask: 1.1 }]);
  });

  it("rejects ready, calls onError and emits error when the server refuses a channel", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    const errors: unknown[] = [];
    const onError: unknown[] = [];
    client.on("error", (e) => errors.push({ code: e.code, message: e.message, details: e.details }));
    const sub = client.subscribe("trades:bob", () => {}, { onError: (e) => onError.push(e.code) });
    await expect(sub.ready).rejects.toMatchObject({ name: "TickwireError", code: "FORBIDDEN", message: "Not your channel." });
    expect({ errors, onError }).toEqual({
      errors: [{ code: "FORBIDDEN", message: "Not your channel.", details: { channel: "trades:bob" } }],
      onError: ["FORBIDDEN"],
    });
  });

  it("subscribes channels asked for before the connection opens once it is open", async () => {
    const gw = await h.gateway();
    const client = h.client(gw, { autoConnect: false });
    const got: Trade[] = [];
    const sub = client.subscribe("trades", (t) => got.push(t));
    expect(client.state).toBe("disconnected");
    client.connect();
    await sub.ready;
    gw.publish("trades:alice", trade(7));
    await waitFor("trade", () => got.length === 1);
    expect(got).toEqual([trade(7)]);
  });
});
