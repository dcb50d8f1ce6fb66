import { afterEach, describe, expect, it } from "vitest";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

/** A gateway whose series timer stays out of the way: the test takes the points itself (gw.ops.sample()). */
const gateway = (): Promise<Gateway> => bed.gateway({ opsSampleMs: 60_000 });

describe("the ops API", () => {
  it("needs an API key or an operator token", async () => {
    const gw = await gateway();
    const builder = await bed.token(gw, "bob", "builder");
    const operator = await bed.token(gw, "olga", "operator");
    for (const [method, path] of [
      ["GET", "/api/v1/ops/series"],
      ["GET", "/api/v1/ops/channels"],
      ["GET", "/api/v1/ops/users/alice/connections"],
      ["POST", "/api/v1/ops/connections/abc/disconnect"],
    ] as const) {
      expect((await api(gw, method, path, undefined, null)).status, path).toBe(401);
      expect(await api(gw, method, path, undefined, builder), path).toEqual({ status: 403, body: { statusCode: 403, code: "FORBIDDEN", message: "The ops API needs an operator token." } });
      // Past the auth check: the answer itself (404 for the unknown connection).
      expect((await api(gw, method, path, undefined, operator)).status, path).toBe(path.endsWith("/disconnect") ? 404 : 200);
    }
  });

  it("keeps a point per interval for the last 10 minutes: connections, rates, latency and slow consumers", async () => {
    const gw = await gateway();
    const operator = await bed.token(gw, "olga", "operator");
    expect(await api(gw, "GET", "/api/v1/ops/series", undefined, operator)).toEqual({ status: 200, body: { intervalMs: 60_000, points: [] } });
    const socket = await bed.connectAs(gw, "alice");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    const seen = record(socket, "trade:update");
    for (const n of [1, 2, 3]) await gw.publish({ channel: "trades:alice", data: { tradeId: `t${n}` } });
    await until(() => seen.length === 3, 5000, "three deliveries");
    gw.ops.sample();
    const first = (await api(gw, "GET", "/api/v1/ops/series", undefined, operator)).body;
    expect(first.points).toEqual([
      {
        ts: expect.any(Number),
        connections: 1,
        publicationsPerSecond: expect.any(Number),
        deliveriesPerSecond: expect.any(Number),
        latencyP50Ms: expect.any(Number),
        latencyP99Ms: expect.any(Number),
        conflatedLatencyP99Ms: 0,
        slowConsumers: 0,
      },
    ]);
    expect(first.points[0].publicationsPerSecond).toBeGreaterThan(0);
    expect(first.points[0].deliveriesPerSecond).toBe(first.points[0].publicationsPerSecond);
    // Nothing happened in the next interval.
    gw.ops.sample();
    const second = (await api(gw, "GET", "/api/v1/ops/series", undefined, operator)).body.points[1];
    expect(second).toMatchObject({ connections: 1, publicationsPerSecond: 0, deliveriesPerSecond: 0, latencyP50Ms: 0, latencyP99Ms: 0 });
    // 10 minutes at one point a minute: the oldest go.
    for (let i = 0; i < 12; i++) gw.ops.sample();
    const points = (await api(gw, "GET", "/api/v1/ops/series", undefined, operator)).body.points as Array<{ ts: number }>;
    expect(points).toHaveLength(10);
    expect(points.map((p) => p.ts)).toEqual([...points.map((p) => p.ts)].sort((a, b) => a - b));
  });

  it("lists the top channels by local subscribers and by rate", async () => {
    const gw = await gateway();
    const operator = await bed.token(gw, "olga", "operator");
    const a = await bed.connectAs(gw, "alice");
    const b = await bed.connectAs(gw, "bob");
    await a.emitWithAck("subscribe", { channels: ["quotes:AAPL", "quotes:MSFT"] });
    await b.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    const seen = record(a, "quote:update");
    for (const price of [1, 2, 3]) await gw.publish({ channel: "quotes:MSFT", data: { symbol: "MSFT", price } });
    await until(() => seen.length >= 1, 5000, "a quote");
    gw.ops.sample();
    const top = await api(gw, "GET", "/api/v1/ops/channels?limit=5", undefined, operator);
    expect(top.status).toBe(200);
    expect(top.body.bySubscribers).toEqual([
      { channel: "quotes:AAPL", subscribers: 2, perSecond: 0 },
      { channel: "quotes:MSFT", subscribers: 1, perSecond: expect.any(Number) },
    ]);
    expect(top.body.byRate).toEqual([{ channel: "quotes:MSFT", subscribers: 1, perSecond: expect.any(Number) }]);
    expect(top.body.byRate[0].perSecond).toBeGreaterThan(0);
    expect((await api(gw, "GET", "/api/v1/ops/channels?limit=0", undefined, operator)).body).toEqual({ statusCode: 400, code: "BAD_REQUEST", message: "limit must be a whole number from 1 to 100." });
  });

  it("lists one user's connections with tier, transport, address, subscriptions and queue, and nobody else's", async () => {
    const gw = await gateway();
    const operator = await bed.token(gw, "olga", "operator");
    const ws = (await bed.connect(gw, { token: await bed.token(gw, "alice", "participant") })).socket;
    const polling = (await bed.connect(gw, { token: await bed.token(gw, "alice", "participant") }, { transports: ["polling"] })).socket;
    await bed.connectAs(gw, "bob");
    await ws.emitWithAck("subscribe", { channels: ["quotes:AAPL", "trades"] });
    const res = await api(gw, "GET", "/api/v1/ops/users/alice/connections", undefined, operator);
    expect(res).toEqual({
      status: 200,
      body: {
        userId: "alice",
        connections: [
          { id: ws.id, tier: "participant", transport: "websocket", address: "127.0.0.1", connectedAt: expect.any(String), subscriptions: ["quotes:AAPL", "trades:alice"], queuedPackets: 0, queuedBytes: 0 },
          { id: polling.id, tier: "participant", transport: "polling", address: "127.0.0.1", connectedAt: expect.any(String), subscriptions: [], queuedPackets: expect.any(Number), queuedBytes: expect.any(Number) },
        ],
      },
    });
    expect((await api(gw, "GET", "/api/v1/ops/users/nobody/connections", undefined, operator)).body).toEqual({ userId: "nobody", connections: [] });
    expect((await api(gw, "GET", `/api/v1/ops/users/${encodeURIComponent("a b")}/connections`, undefined, operator)).body.code).toBe("BAD_REQUEST");
  });

  it("disconnects one connection with KICKED and leaves the user's others open", async () => {
    const gw = await gateway();
    const operator = await bed.token(gw, "olga", "operator");
    const first = await bed.connectAs(gw, "alice");
    const second = await bed.connectAs(gw, "alice");
    const errors = record(first, "error");
    const gone = new Promise<string>((resolve) => first.once("disconnect", resolve));
    expect(await api(gw, "POST", `/api/v1/ops/connections/${first.id}/disconnect`, undefined, operator)).toEqual({ status: 200, body: { id: first.id, userId: "alice", disconnected: true } });
    expect(await gone).toBe("io server disconnect");
    expect(errors.map((e) => e.payload)).toEqual([{ code: "KICKED", message: "Disconnected by an operator." }]);
    expect(second.connected).toBe(true);
    expect((await api(gw, "GET", "/api/v1/ops/users/alice/connections", undefined, operator)).body.connections.map((c: { id: string }) => c.id)).toEqual([second.id]);
    expect(await api(gw, "POST", `/api/v1/ops/connections/${first.id}/disconnect`, undefined, operator)).toEqual({ status: 404, body: { statusCode: 404, code: "NOT_FOUND", message: "No such connection on this node." } });
    expect((await api(gw, "POST", "/api/v1/ops/connections/bad%20id/disconnect", undefined, operator)).body.code).toBe("BAD_REQUEST");
  });

  it("lets an operator token read history and publish (the ops page's channel view), a builder token not", async () => {
    const gw = await gateway();
    const operator = await bed.token(gw, "olga", "operator");
    const builder = await bed.token(gw, "bob", "builder");
    const published = await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { tradeId: "t1" } }, operator);
    expect(published).toEqual({ status: 200, body: { channel: "trades:alice", offset: 1, epoch: expect.any(String) } });
    expect((await api(gw, "GET", "/api/v1/channels/trades:alice/history?since=0", undefined, operator)).body.publications).toEqual([
      { offset: 1, ts: expect.any(Number), event: "trade:update", data: { tradeId: "t1" } },
    ]);
    expect((await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: {} }, builder)).status).toBe(403);
    expect((await api(gw, "GET", "/api/v1/channels/trades:alice/history", undefined, builder)).status).toBe(403);
    // Nothing was published by the refused call.
    expect((await api(gw, "GET", "/api/v1/channels/trades:alice/history?since=0")).body.offset).toBe(1);
  });
});
