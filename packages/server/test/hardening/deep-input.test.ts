import { afterEach, describe, expect, it } from "vitest";
import type { DeliveryPolicyFactory } from "@tickwire/server";
import { api, API_KEY, record, TestBed, until } from "../helpers.js";
import { nested, nestedJson, STACK_BREAKER_DEPTH } from "./hostile.js";

// Hardening review, defect 1: one publish nested ~4,105 levels deep passed every
// check, was stored, then overflowed the stack when encoded for a subscriber.
const bed = new TestBed();
afterEach(() => bed.cleanup());

const trade = (n: number) => ({ tradeId: `t${n}`, symbol: "AAPL", status: "executed", quantity: n });
const TOO_DEEP = { statusCode: 400, code: "BAD_REQUEST", message: "`data` is nested more than 32 levels deep." };

describe("inputs nested too deep", () => {
  it("refuses a deep publication in a group commit with BAD_REQUEST and answers and delivers the others", async () => {
    const gw = await bed.gateway();
    const alice = await bed.connectAs(gw, "alice");
    const seen = record(alice, "trade:update");
    await alice.emitWithAck("subscribe", { channels: ["trades"] });

    // One batch starts its items in one turn: they share one commit.
    const batch = await api(gw, "POST", "/api/v1/publish/batch", {
      items: [
        { channel: "trades:alice", data: trade(1) },
        { channel: "trades:alice", data: nested(STACK_BREAKER_DEPTH) },
        { channel: "trades:alice", data: trade(3) },
      ],
    });
    expect(batch.status).toBe(200);
    const epoch = batch.body.results[0].epoch;
    expect(batch.body.results).toEqual([
      { ok: true, channel: "trades:alice", offset: 1, epoch },
      { ok: false, channel: "trades:alice", error: { code: "BAD_REQUEST", message: TOO_DEEP.message } },
      { ok: true, channel: "trades:alice", offset: 2, epoch },
    ]);
    await until(() => seen.length === 2, 5000, "two trades");
    expect(seen.map((e) => [e.payload, e.meta.offset])).toEqual([
      [trade(1), 1],
      [trade(3), 2],
    ]);
    expect(await alice.emitWithAck("ping", {})).toMatchObject({ ok: true });
  });

  it("answers a deep publish 400 on every channel kind, stores nothing, and keeps history and recovery whole", async () => {
    const gw = await bed.gateway();
    const bob = await bed.connectAs(gw, "bob", "operator");
    await bob.emitWithAck("subscribe", { channels: ["quotes:AAPL", "trades"] });
    for (const [channel, data] of [
      ["trades:bob", nested(STACK_BREAKER_DEPTH)],
      ["quotes:AAPL", { symbol: "AAPL", price: 1, extra: nested(STACK_BREAKER_DEPTH) }],
      ["signals", nested(33)],
    ] as const) {
      expect(await api(gw, "POST", "/api/v1/publish", { channel, data })).toEqual({ status: 400, body: TOO_DEEP });
    }
    // As raw JSON text too: the body parser is not where the depth is decided.
    const raw = await fetch(`${gw.url}/api/v1/publish`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: `{"channel":"trades:bob","data":${nestedJson(STACK_BREAKER_DEPTH)}}`,
    });
    expect({ status: raw.status, body: await raw.json() }).toEqual({ status: 400, body: TOO_DEEP });
    // 32 levels pass.
    expect((await api(gw, "POST", "/api/v1/publish", { channel: "trades:bob", data: { ...trade(1), deep: nested(31) } })).status).toBe(200);

    const history = await api(gw, "GET", "/api/v1/channels/trades:bob/history");
    expect(history.status).toBe(200);
    expect(history.body.publications.map((p: { offset: number }) => p.offset)).toEqual([1]);
    const again = await bed.connectAs(gw, "bob", "operator");
    const replayed = record(again, "trade:update");
    const reply = await again.emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: 0, epoch: history.body.epoch } }] });
    expect(reply.subscribed).toEqual([{ channel: "trades:bob", requested: "trades", offset: 1, epoch: history.body.epoch, recovered: true, replayed: 1 }]);
    expect(replayed.map((e) => e.payload)).toEqual([{ ...trade(1), deep: nested(31) }]);
  });

  it("refuses deep notification data with 400 instead of failing with 500", async () => {
    const gw = await bed.gateway();
    const res = await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "hi", data: nested(STACK_BREAKER_DEPTH) });
    expect(res).toEqual({ status: 400, body: TOO_DEEP });
    expect((await api(gw, "GET", "/api/v1/notifications?userId=alice")).body).toEqual({ items: [], unread: 0 });
  });

  it("answers a legacy ping with a deep timestamp BAD_REQUEST instead of INTERNAL", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const pongs = record(socket, "pong");
    expect(await socket.emitWithAck("ping", { type: "ping", timestamp: nested(STACK_BREAKER_DEPTH) })).toEqual({
      ok: false,
      error: { code: "BAD_REQUEST", message: "The payload is nested more than 32 levels deep." },
    });
    expect(await socket.emitWithAck("ping", { type: "ping", timestamp: 5 })).toMatchObject({ ok: true, client_timestamp: 5 });
    expect(pongs.map((p) => (p.payload as { client_timestamp: unknown }).client_timestamp)).toEqual([5]);
  });

  it("refuses a deep payload of any socket event before its handler runs, and changes nothing", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice", "operator");
    for (const event of ["subscribe", "unsubscribe", "notifications:list", "subscribe:trades", "subscribe_market_stream", "request"]) {
      expect(await socket.emitWithAck(event, nested(STACK_BREAKER_DEPTH))).toEqual({
        ok: false,
        error: { code: "BAD_REQUEST", message: "The payload is nested more than 32 levels deep." },
      });
    }
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
  });

  it("follows maxInputDepth", async () => {
    const gw = await bed.gateway({ maxInputDepth: 4 });
    expect((await api(gw, "POST", "/api/v1/publish", { channel: "signals", data: nested(4) })).status).toBe(200);
    expect(await api(gw, "POST", "/api/v1/publish", { channel: "signals", data: nested(5) })).toEqual({
      status: 400,
      body: { statusCode: 400, code: "BAD_REQUEST", message: "`data` is nested more than 4 levels deep." },
    });
  });
});

describe("a failure after storage", () => {
  /** Delivery policies that throw for publications marked `explode`, as an encoder that cannot encode them would. */
  const exploding: DeliveryPolicyFactory = (context) => ({
    offer(publication) {
      if ((publication.data as { explode?: boolean }).explode) throw new RangeError("Maximum call stack size exceeded");
      context.flush(publication);
    },
    close() {},
  });

  it("answers every publisher of the commit, tells the subscribers to resync, and the process lives on", async () => {
    const gw = await bed.gateway({}, { policyFactory: exploding });
    const alice = await bed.connectAs(gw, "alice");
    const seen = record(alice, "trade:update", "resync");
    await alice.emitWithAck("subscribe", { channels: ["trades", "quotes:AAPL"] });

    const batch = await api(gw, "POST", "/api/v1/publish/batch", {
      items: [
        { channel: "trades:alice", data: trade(1) },
        { channel: "trades:alice", data: { ...trade(2), explode: true } },
        { channel: "trades:alice", data: trade(3) },
      ],
    });
    const epoch = batch.body.results[0].epoch;
    expect(batch).toEqual({
      status: 200,
      body: { results: [1, 2, 3].map((offset) => ({ ok: true, channel: "trades:alice", offset, epoch })) },
    });
    await until(() => seen.length === 3, 5000, "two trades and a resync");
    expect(seen.map((e) => [e.event, e.payload])).toEqual([
      ["trade:update", trade(1)],
      ["resync", { channel: "trades:alice", reason: "A publication of this channel could not be delivered; refetch its state." }],
      ["trade:update", trade(3)],
    ]);
    const metrics = await fetch(`${gw.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('tickwire_delivery_failures_total{namespace="trades"} 1');
    // The quote is applied and answered as applied, not "could not be stored".
    const quote = await api(gw, "POST", "/api/v1/publish", { channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1, explode: true } });
    expect(quote).toEqual({ status: 200, body: { channel: "quotes:AAPL", offset: 1, epoch: expect.any(String) } });
    await until(() => seen.length === 4, 5000, "the quote's resync");
    expect(seen[3]).toMatchObject({ event: "resync", payload: { channel: "quotes:AAPL" } });
    expect((await api(gw, "GET", "/api/v1/channels/quotes:AAPL/history")).body.publications).toEqual([
      { offset: 1, ts: expect.any(Number), event: "quote:update", data: { symbol: "AAPL", price: 1, explode: true } },
    ]);
  });
});
