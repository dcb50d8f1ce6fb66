import { afterEach, describe, expect, it, vi } from "vitest";
import { optionsFromEnv, resolveOptions } from "@tickwire/server";
import { record, TestBed, until } from "../helpers.js";

// What the legacy layer shares with the protocol: the switch, admission, and delivery under an alias.
const bed = new TestBed();
afterEach(() => bed.cleanup());

describe("the legacy compatibility layer", () => {
  it("is off with legacyEvents: false: legacy events are UNKNOWN_EVENT, { streams } is the protocol's BAD_REQUEST, ping has no pong", async () => {
    const gw = await bed.gateway({ legacyEvents: false });
    const socket = await bed.connectAs(gw, "alice");
    const pongs = record(socket, "pong");
    expect(await socket.emitWithAck("subscribe:trades", {})).toEqual({ ok: false, error: { code: "UNKNOWN_EVENT", message: '"subscribe:trades" is not a Tickwire event.' } });
    expect(await socket.emitWithAck("subscribe_notifications", {})).toEqual({ ok: false, error: { code: "UNKNOWN_EVENT", message: '"subscribe_notifications" is not a Tickwire event.' } });
    expect(await socket.emitWithAck("subscribe", { streams: ["trade_feed"] })).toEqual({
      ok: false,
      error: { code: "BAD_REQUEST", message: "Invalid request: payload must have required property 'channels'." },
    });
    expect(await socket.emitWithAck("ping", { timestamp: 1 })).toMatchObject({ ok: true, client_timestamp: 1 });
    await socket.emitWithAck("ping", {});
    expect(pongs).toEqual([]);
  });

  it("is switched by TICKWIRE_LEGACY_EVENTS=on/off, on by default, and a bad value is reported", () => {
    expect(resolveOptions({}).options.legacyEvents).toBe(true);
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_LEGACY_EVENTS: "off" })).options.legacyEvents).toBe(false);
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_LEGACY_EVENTS: "on" })).options.legacyEvents).toBe(true);
    expect(() => resolveOptions(optionsFromEnv({ TICKWIRE_LEGACY_EVENTS: "maybe" }))).toThrow('TICKWIRE_LEGACY_EVENTS must be "on" or "off" (got "maybe").');
  });

  it("leaves the protocol's BAD_REQUEST for payloads that match neither the protocol nor a legacy variant", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    expect(await socket.emitWithAck("subscribe", { channels: ["trades"], streams: ["trade_feed"] })).toEqual({
      ok: false,
      error: { code: "BAD_REQUEST", message: 'Invalid request: payload: unknown property "streams".' },
    });
    expect(await socket.emitWithAck("unsubscribe", { streams: "trade_feed" })).toEqual({
      ok: false,
      error: { code: "BAD_REQUEST", message: "Invalid request: payload must have required property 'channels'." },
    });
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
  });

  it("tries every variant of an event in order: { streams } and { room } both reach their own handler on one connection", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    expect(await socket.emitWithAck("subscribe", { room: "market_AAPL" })).toEqual({ ok: true, room: "market_AAPL", symbol: "AAPL", channel: "quotes:AAPL", fields: null });
    expect(await socket.emitWithAck("subscribe", { streams: ["trade_feed"] })).toEqual({ ok: true, streams: ["trade_feed"], status: "subscribed", failed: [] });
    expect(await socket.emitWithAck("subscribe", { room: "market_AAPL", streams: ["trade_feed"] })).toEqual({
      ok: false,
      error: { code: "BAD_REQUEST", message: "Invalid request: payload must have required property 'channels'." },
    });
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ quotes: 1, trades: 1 });
  });

  it("size-limits legacy events like every event", async () => {
    const gw = await bed.gateway({ maxEventBytes: 256 });
    const socket = await bed.connectAs(gw, "alice");
    const reply = await socket.emitWithAck("subscribe:watchlist", Array.from({ length: 60 }, (_, i) => `SYM${i}`));
    expect(reply).toEqual({ ok: false, error: { code: "PAYLOAD_TOO_LARGE", message: "The payload is larger than 256 bytes." } });
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
  });

  it("lets the last subscribe of a channel decide its event: a protocol subscribe clears a legacy alias, a legacy one sets it again", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "trade_feed", "trade:update");
    const publish = (n: number) => gw.publish({ channel: "trades:alice", data: { id: `t${n}` } });
    await socket.emitWithAck("subscribe", { streams: ["trade_feed"] });
    await publish(1);
    await until(() => seen.length === 1);
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    await publish(2);
    await until(() => seen.length === 2);
    await socket.emitWithAck("subscribe", { streams: ["trade_feed"] });
    await publish(3);
    await until(() => seen.length === 3);
    expect(seen.map(({ event, payload, meta }) => [event, payload, meta.offset])).toEqual([
      ["trade_feed", { id: "t1" }, 1],
      ["trade:update", { id: "t2" }, 2],
      ["trade_feed", { id: "t3" }, 3],
    ]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ trades: 1 });
  });

  it("encodes a publication once per event alias: sockets with the same alias share one broadcast", async () => {
    const gw = await bed.gateway();
    const [legacyA, legacyB, protocol] = await Promise.all([bed.connectAs(gw, "a"), bed.connectAs(gw, "b"), bed.connectAs(gw, "c")]);
    await legacyA.emitWithAck("subscribe", { streams: ["ai_decision"] });
    await legacyB.emitWithAck("subscribe", { streams: ["ai_decision"] });
    await protocol.emitWithAck("subscribe", { channels: ["ai"] });
    const seen = [record(legacyA, "ai_decision"), record(legacyB, "ai_decision"), record(protocol, "ai:decision")];
    const broadcast = vi.spyOn(gw.transport, "broadcast");
    await gw.publish({ channel: "ai", data: { model_name: "m1", symbol: "BTC-USD" } });
    await until(() => seen.every((s) => s.length === 1));
    expect(broadcast.mock.calls.map(([ids, event]) => [ids.length, event]).sort()).toEqual([
      [1, "ai:decision"],
      [2, "ai_decision"],
    ]);
    expect(seen.map((s) => s[0]!.payload)).toEqual([
      { model_name: "m1", symbol: "BTC-USD" },
      { model_name: "m1", symbol: "BTC-USD" },
      { model_name: "m1", symbol: "BTC-USD" },
    ]);
  });
});
