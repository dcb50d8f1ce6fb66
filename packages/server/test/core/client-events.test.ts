import { SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { SECRET, TestBed, record, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

describe("client events", () => {
  it("answers ping with the server time and the client's timestamp", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const before = Date.now();
    const reply = await socket.emitWithAck("ping", { timestamp: 12345 });
    expect(reply).toEqual({ ok: true, timestamp: expect.any(Number), client_timestamp: 12345, server_time: expect.any(String) });
    expect(reply.timestamp).toBeGreaterThanOrEqual(before);
    expect(Date.parse(reply.server_time)).toBe(reply.timestamp);
    expect(await socket.emitWithAck("ping", {})).toMatchObject({ ok: true, client_timestamp: null });
  });

  it.each([
    ["a missing channels list", "subscribe", {}, "Invalid request: payload must have required property 'channels'."],
    ["channels that is not a list", "subscribe", { channels: "quotes:A" }, "Invalid request: channels must be array."],
    ["an empty channels list", "subscribe", { channels: [] }, "Invalid request: channels must NOT have fewer than 1 items."],
    ["an unknown property", "subscribe", { channels: ["trades"], extra: 1 }, 'Invalid request: payload: unknown property "extra".'],
    ["a bad recovery position", "subscribe", { channels: [{ channel: "trades", since: { offset: -1, epoch: "e" } }] }, "Invalid request: channels.0 must be string."],
    ["a non-object payload", "unsubscribe", "trades", "Invalid request: payload must be object."],
    ["a token that is not a string", "auth:refresh", { token: 5 }, "Invalid request: token must be string."],
  ])("refuses %s with BAD_REQUEST and changes nothing", async (_name, event, payload, message) => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    expect(await socket.emitWithAck(event, payload)).toEqual({ ok: false, error: { code: "BAD_REQUEST", message } });
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
  });

  it("answers an unknown event with UNKNOWN_EVENT, by ack or by an `error` event when there is no ack", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    expect(await socket.emitWithAck("cancel:trade", { symbol: "AAPL" })).toEqual({ ok: false, error: { code: "UNKNOWN_EVENT", message: '"cancel:trade" is not a Tickwire event.' } });
    const errors = record(socket, "error");
    socket.emit("whatever", {});
    await until(() => errors.length === 1);
    expect(errors[0]!.payload).toEqual({ code: "UNKNOWN_EVENT", message: '"whatever" is not a Tickwire event.', event: "whatever" });
    // The connection is still usable.
    expect(await socket.emitWithAck("ping", {})).toMatchObject({ ok: true });
  });

  it("refuses an oversized payload with PAYLOAD_TOO_LARGE", async () => {
    const gw = await bed.gateway({ maxEventBytes: 1024 });
    const socket = await bed.connectAs(gw, "alice");
    const reply = await socket.emitWithAck("subscribe", { channels: Array.from({ length: 100 }, (_, i) => `quotes:SYMBOL${i}`) });
    expect(reply).toEqual({ ok: false, error: { code: "PAYLOAD_TOO_LARGE", message: "The payload is larger than 1024 bytes." } });
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
    expect(await socket.emitWithAck("ping", {})).toMatchObject({ ok: true });
  });

  it("answers a flood of events with RATE_LIMITED beyond rate + burst, and recovers afterwards", async () => {
    const gw = await bed.gateway({ rateLimit: { navigator: { eventsPerSecond: 5, burst: 10 }, participant: { eventsPerSecond: 5, burst: 10 }, builder: { eventsPerSecond: 5, burst: 10 }, operator: { eventsPerSecond: 5, burst: 10 } } });
    const socket = await bed.connectAs(gw, "alice");
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => socket.emitWithAck("ping", { timestamp: i })));
    const ok = replies.filter((r) => r.ok).length;
    const limited = replies.filter((r) => !r.ok);
    expect(ok).toBe(10);
    expect(limited).toHaveLength(20);
    expect(limited[0]).toEqual({ ok: false, error: { code: "RATE_LIMITED", message: "More than 5 events per second; slow down." } });
    expect(await gw.metrics.registry.metrics()).toContain("tickwire_rate_limited_total 20");
    // A refused subscribe changes nothing.
    expect(await socket.emitWithAck("subscribe", { channels: ["trades"] })).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
    // Tokens come back at 5 per second: a ping is answered again once one has.
    let reply: { ok: boolean } = { ok: false };
    for (let i = 0; i < 40 && !reply.ok; i++) {
      await new Promise((r) => setTimeout(r, 100));
      reply = await socket.emitWithAck("ping", {});
    }
    expect(reply).toMatchObject({ ok: true });
  });

  it("ends the connection with TOKEN_EXPIRED when the token expires without a refresh", async () => {
    const gw = await bed.gateway();
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));
    const { socket } = await bed.connect(gw, { token });
    const errors = record(socket, "error");
    const reason = await new Promise((resolve) => socket.on("disconnect", resolve));
    expect(errors.map((e) => e.payload)).toEqual([{ code: "TOKEN_EXPIRED", message: "The token expired; reconnect with a new token, or refresh it with auth:refresh before it expires." }]);
    expect(reason).toBe("io server disconnect");
  });

  it("keeps the connection open past the old expiry after auth:refresh", async () => {
    const gw = await bed.gateway();
    const sign = (sub: string, seconds: number) =>
      new SignJWT({ tier: "builder" }).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setExpirationTime(Math.floor(Date.now() / 1000) + seconds).sign(new TextEncoder().encode(SECRET));
    const { socket } = await bed.connect(gw, { token: await sign("alice", 2) });
    const fresh = await sign("alice", 3600);
    const reply = await socket.emitWithAck("auth:refresh", { token: fresh });
    expect(reply).toEqual({ ok: true, expiresAt: expect.stringMatching(/Z$/) });
    expect(Date.parse(reply.expiresAt)).toBeGreaterThan(Date.now() + 3000_000);
    // Past the first token's expiry (2 s, rounded down to the second), the connection still answers.
    const firstExpiry = (Math.floor(Date.now() / 1000) + 2) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, firstExpiry - Date.now()) + 500));
    expect(await socket.emitWithAck("ping", {})).toMatchObject({ ok: true });
    expect(socket.connected).toBe(true);
  });

  it("refuses auth:refresh with another user's token or a bad token, keeping the session", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    expect(await socket.emitWithAck("auth:refresh", { token: await bed.token(gw, "bob") })).toEqual({
      ok: false,
      error: { code: "FORBIDDEN", message: "A refreshed token must name the same user as the connection." },
    });
    expect(await socket.emitWithAck("auth:refresh", { token: "a.b.c" })).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
    expect(socket.connected).toBe(true);
  });

  it("drops subscriptions the refreshed token's lower tier no longer allows", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice", "builder");
    await socket.emitWithAck("subscribe", { channels: ["ai", "trades"] });
    const errors = record(socket, "error");
    const reply = await socket.emitWithAck("auth:refresh", { token: await bed.token(gw, "alice", "navigator") });
    expect(reply.ok).toBe(true);
    expect(errors.map((e) => e.payload)).toEqual([{ code: "FORBIDDEN", message: 'Unsubscribed from "ai": the new token\'s tier does not allow it.' }]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ ai: 0, trades: 1 });
  });
});
