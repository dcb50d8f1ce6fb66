import { afterEach, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";
import { REDIS_URL, redisAvailable } from "../services.js";
import { deleteKeys, testPrefix } from "../multi-node/redis-test-keys.js";

// Server-side subscriptions: the platform subscribes a user's live connections (POST /api/v1/users/{id}/subscribe),
// and a token's `channels` claim is subscribed at connect.
const bed = new TestBed();
let prefix = testPrefix();
afterEach(async () => {
  await bed.cleanup();
  await deleteKeys(prefix);
  prefix = testPrefix();
});

/** Resolves once `gw` receives the server-side subscriptions of `user` (a connection of theirs is open there). */
function listening(gw: Gateway, user: string): Promise<void> {
  return gw.serverSubscriptions.whenListening(user);
}

describe("server-side subscriptions", () => {
  it("subscribes every connection of the user, tells each, and delivers; other users get nothing", async () => {
    const gw = await bed.gateway();
    const one = await bed.connectAs(gw, "alice", "participant");
    const two = await bed.connectAs(gw, "alice", "participant");
    const bob = await bed.connectAs(gw, "bob", "participant");
    await listening(gw, "alice");
    const told = [record(one, "server:subscribed"), record(two, "server:subscribed")];
    const bobTold = record(bob, "server:subscribed", "signal:new");
    const res = await api(gw, "POST", "/api/v1/users/alice/subscribe", { channels: ["signals:acme", "trades", "ai"] });
    expect(res).toEqual({ status: 200, body: { userId: "alice", channels: ["signals:acme", "trades:alice", "ai"] } });
    await until(() => told.every((t) => t.length === 1), 5000, "server:subscribed on both connections");
    for (const t of told) {
      expect(t[0]!.payload).toEqual({
        subscribed: [
          { channel: "signals:acme", offset: 0, epoch: expect.any(String) },
          { channel: "trades:alice", offset: 0, epoch: expect.any(String) },
        ],
        // The connection's own rules still apply: ai needs builder.
        failed: [{ channel: "ai", code: "FORBIDDEN", message: '"ai" needs tier builder or above; you are participant.' }],
      });
    }
    const signals = [record(one, "signal:new"), record(two, "signal:new")];
    await gw.publish({ channel: "signals:acme", data: { id: "s1", symbol: "AAPL", action: "buy" } });
    await until(() => signals.every((s) => s.length === 1), 5000, "the signal on both connections");
    expect(signals.map((s) => s[0]!.payload)).toEqual([{ id: "s1", symbol: "AAPL", action: "buy" }, { id: "s1", symbol: "AAPL", action: "buy" }]);
    expect(bobTold).toEqual([]);

    const gone = [record(one, "server:unsubscribed"), record(two, "server:unsubscribed")];
    expect(await api(gw, "POST", "/api/v1/users/alice/unsubscribe", { channels: ["signals:acme", "quotes:AAPL"] })).toEqual({ status: 200, body: { userId: "alice", channels: ["signals:acme", "quotes:AAPL"] } });
    await until(() => gone.every((g) => g.length === 1), 5000, "server:unsubscribed on both");
    for (const g of gone) expect(g[0]!.payload).toEqual({ unsubscribed: ["signals:acme"] });
    const live = Object.entries(gw.hub.subscriptionsByNamespace()).filter(([, n]) => n > 0);
    expect(Object.fromEntries(live)).toEqual({ trades: 2 });
  });

  it("refuses bad input with a clear code and sends nothing", async () => {
    const gw = await bed.gateway();
    const alice = await bed.connectAs(gw, "alice");
    await listening(gw, "alice");
    const told = record(alice, "server:subscribed");
    expect(await api(gw, "POST", "/api/v1/users/alice/subscribe", { channels: ["signals", "nope:x"] })).toEqual({ status: 400, body: { statusCode: 400, code: "UNKNOWN_CHANNEL", message: '"nope:x": No namespace "nope".' } });
    expect(await api(gw, "POST", "/api/v1/users/alice/subscribe", { channels: ["quotes"] })).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: '"quotes": "quotes" needs a key: quotes:{key}.' } });
    expect((await api(gw, "POST", "/api/v1/users/alice/subscribe", { channels: [] })).body).toMatchObject({ code: "BAD_REQUEST" });
    expect((await api(gw, "POST", "/api/v1/users/alice/subscribe", { channels: ["signals"], extra: 1 })).body).toMatchObject({ code: "BAD_REQUEST" });
    expect((await api(gw, "POST", "/api/v1/users/bad%20id/subscribe", { channels: ["signals"] })).body).toMatchObject({ code: "BAD_REQUEST" });
    expect((await api(gw, "POST", "/api/v1/users/alice/subscribe", { channels: ["signals"] }, null)).status).toBe(401);
    expect((await api(gw, "POST", "/api/v1/users/alice/subscribe", { channels: ["signals"] }, "wrong")).status).toBe(401);
    // The connection is still there and was told nothing.
    expect(await alice.emitWithAck("ping", {})).toMatchObject({ ok: true });
    expect(told).toEqual([]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
  });

  it("subscribes the token's channels claim at connect", async () => {
    const gw = await bed.gateway();
    const token = await gw.issueToken({ sub: "alice", tier: "builder", channels: ["signals", "ai:ensemble", "trades:bob"] });
    // Listening before the connection opens: the subscriptions come right after `connected`.
    const socket = io(gw.url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
    bed.sockets.push(socket);
    const told = record(socket, "server:subscribed");
    await until(() => told.length === 1, 5000, "server:subscribed");
    expect(told[0]!.payload).toEqual({
      subscribed: [
        { channel: "signals", offset: 0, epoch: expect.any(String) },
        { channel: "ai:ensemble", offset: 0, epoch: expect.any(String) },
      ],
      failed: [{ channel: "trades:bob", code: "FORBIDDEN", message: '"trades:bob" belongs to another user.' }],
    });
    const bad = await bed.refused(gw, { token: await gw.issueToken({ sub: "alice", channels: Array.from({ length: 101 }, (_, i) => `quotes:S${i}`) }) });
    expect(bad.data).toEqual({ code: "UNAUTHORIZED", message: "`channels` must be an array of at most 100 channel names." });
  });
});

const redis = await redisAvailable();

describe.runIf(redis)("server-side subscriptions across nodes", () => {
  it("reach the user's connections on every node through Redis", async () => {
    const [a, b] = [await bed.gateway({ redisUrl: REDIS_URL, redisPrefix: prefix }), await bed.gateway({ redisUrl: REDIS_URL, redisPrefix: prefix })];
    const onA = await bed.connectAs(a, "alice", "builder");
    const onB = await bed.connectAs(b, "alice", "builder");
    const bobOnB = await bed.connectAs(b, "bob", "builder");
    await Promise.all([listening(a, "alice"), listening(b, "alice"), listening(b, "bob")]);
    const told = [record(onA, "server:subscribed"), record(onB, "server:subscribed")];
    const bobTold = record(bobOnB, "server:subscribed");
    expect((await api(a, "POST", "/api/v1/users/alice/subscribe", { channels: ["feed:fund"] })).body).toEqual({ userId: "alice", channels: ["feed:fund"] });
    await until(() => told.every((t) => t.length === 1), 5000, "server:subscribed on both nodes");
    for (const t of told) expect(t[0]!.payload).toMatchObject({ subscribed: [{ channel: "feed:fund" }], failed: [] });
    const items = [record(onA, "feed:event"), record(onB, "feed:event")];
    await b.publish({ channel: "feed:fund", data: { tradeId: "f1" } });
    await until(() => items.every((i) => i.length === 1), 5000, "the feed item on both nodes");
    expect(bobTold).toEqual([]);
  });
});
