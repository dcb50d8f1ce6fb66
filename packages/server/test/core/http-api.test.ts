import { afterEach, describe, expect, it } from "vitest";
import { API_KEY, TestBed, api, record, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

describe("HTTP publish API", () => {
  it("refuses a missing or unknown API key with 401", async () => {
    const gw = await bed.gateway();
    expect(await api(gw, "POST", "/api/v1/publish", { channel: "quotes:A", data: {} }, null)).toEqual({
      status: 401,
      body: { statusCode: 401, code: "UNAUTHORIZED", message: "Send Authorization: Bearer <api key>." },
    });
    expect(await api(gw, "POST", "/api/v1/publish", { channel: "quotes:A", data: {} }, "wrong")).toEqual({
      status: 401,
      body: { statusCode: 401, code: "UNAUTHORIZED", message: "Unknown API key." },
    });
  });

  it("blocks an address for a minute after too many refused credentials, valid key or not", async () => {
    const gw = await bed.gateway({ maxAuthFailuresPerMinute: 3 });
    for (let i = 0; i < 4; i++) expect((await api(gw, "GET", "/api/v1/stats", undefined, `guess-${i}`)).status).toBe(401);
    const res = await fetch(`${gw.url}/api/v1/stats`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await res.json()).toEqual({ statusCode: 429, code: "RATE_LIMITED", message: "Too many refused credentials from this address; wait a minute." });
    // Health and metrics are not behind credentials and stay available.
    expect((await api(gw, "GET", "/healthz", undefined, null)).status).toBe(200);
  });

  it("lets a publisher that gets its key right keep working", async () => {
    const gw = await bed.gateway({ maxAuthFailuresPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await api(gw, "GET", "/api/v1/stats", undefined, "typo")).status).toBe(401);
    for (let i = 0; i < 20; i++) expect((await api(gw, "POST", "/api/v1/publish", { channel: "signals", data: { i } })).status).toBe(200);
  });

  it("publishes and answers the offset and epoch; subscribers get payload and meta", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "trade:executed", "trade:update");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    const trade = { tradeId: "t-1", symbol: "AAPL", side: "buy", status: "executed", quantity: 10, executedPrice: 190.25, timestamp: "2026-11-22T10:00:00Z" };
    const res = await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade, event: "trade:executed" });
    expect(res).toEqual({ status: 200, body: { channel: "trades:alice", offset: 1, epoch: expect.any(String) } });
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({ event: "trade:executed", payload: trade, meta: { channel: "trades:alice", offset: 1, epoch: res.body.epoch, ts: expect.any(Number) } });
  });

  it.each([
    ["no channel", { data: {} }, 400, "BAD_REQUEST", "Invalid request: payload must have required property 'channel'."],
    ["an unknown namespace", { channel: "nope:1", data: {} }, 400, "UNKNOWN_CHANNEL", 'No namespace "nope".'],
    ["an owner channel without a user", { channel: "trades", data: {} }, 400, "BAD_REQUEST", '"trades" needs a user id: trades:{userId}.'],
    ["an event the namespace does not allow", { channel: "trades:alice", data: {}, event: "trade:deleted" }, 400, "BAD_REQUEST", 'Event "trade:deleted" is not allowed on "trades".'],
    ["a malformed event name", { channel: "trades:alice", data: {}, event: "Trade Update" }, 400, "BAD_REQUEST", 'Invalid request: event must match pattern "^[a-z0-9_\\-]+(:[a-z0-9_\\-]+)*$".'],
    ["no data", { channel: "trades:alice" }, 400, "BAD_REQUEST", "Invalid request: payload must have required property 'data'."],
    ["a quote that is not an object", { channel: "quotes:AAPL", data: 5 }, 400, "BAD_REQUEST", '"quotes" publications are objects.'],
    ["an unknown property", { channel: "trades:alice", data: {}, foo: 1 }, 400, "BAD_REQUEST", 'Invalid request: payload: unknown property "foo".'],
  ])("refuses %s", async (_name, body, status, code, message) => {
    const gw = await bed.gateway();
    expect(await api(gw, "POST", "/api/v1/publish", body)).toEqual({ status, body: { statusCode: status, code, message } });
    expect(gw.metrics.totals.publications.size).toBe(0);
  });

  it("refuses data over maxPublicationBytes with 413 and a body over maxBodyBytes with 413", async () => {
    const gw = await bed.gateway({ maxPublicationBytes: 100, maxBodyBytes: 2000 });
    expect(await api(gw, "POST", "/api/v1/publish", { channel: "trades:a", data: { x: "y".repeat(200) } })).toEqual({
      status: 413,
      body: { statusCode: 413, code: "PAYLOAD_TOO_LARGE", message: "`data` is larger than 100 bytes." },
    });
    expect(await api(gw, "POST", "/api/v1/publish", { channel: "trades:a", data: { x: "y".repeat(5000) } })).toEqual({
      status: 413,
      body: { statusCode: 413, code: "PAYLOAD_TOO_LARGE", message: "The request body is larger than the configured maximum." },
    });
  });

  it("answers malformed JSON with 400 BAD_REQUEST", async () => {
    const gw = await bed.gateway();
    const res = await api(gw, "POST", "/api/v1/publish", "{not json");
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: "BAD_REQUEST" });
  });

  it("answers a body that is not JSON, or an empty JSON body, with 400 BAD_REQUEST", async () => {
    const gw = await bed.gateway();
    const post = (body: string, type: string) =>
      fetch(`${gw.url}/api/v1/publish`, { method: "POST", headers: { authorization: `Bearer ${API_KEY}`, "content-type": type }, body }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await post("channel=quotes:A", "application/x-www-form-urlencoded")).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: "Send the body as application/json." } });
    expect(await post("", "application/json")).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: "The JSON body is empty." } });
  });

  it("returns the first result for a repeated idempotency key and publishes nothing more", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "trade:update");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    const body = { channel: "trades:alice", data: { tradeId: "t-9" }, idempotencyKey: "order-9-fill" };
    const [first, second] = await Promise.all([api(gw, "POST", "/api/v1/publish", body), api(gw, "POST", "/api/v1/publish", body)]);
    const third = await api(gw, "POST", "/api/v1/publish", { ...body, data: { tradeId: "changed" } });
    expect(first.body).toEqual({ channel: "trades:alice", offset: 1, epoch: expect.any(String) });
    expect(second.body).toEqual(first.body);
    expect(third.body).toEqual(first.body);
    // A later publication on the same channel arrives after anything the repeats could have sent.
    await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { tradeId: "t-10" } });
    await until(() => seen.length >= 2, 5000, "the later publication");
    expect(seen.map((e) => e.payload)).toEqual([{ tradeId: "t-9" }, { tradeId: "t-10" }]);
  });

  it("publishes a batch in order and reports each item", async () => {
    const gw = await bed.gateway();
    const res = await api(gw, "POST", "/api/v1/publish/batch", {
      items: [
        { channel: "signals", data: { n: 1 } },
        { channel: "bad:x", data: {} },
        { channel: "signals", data: { n: 2 } },
      ],
    });
    expect(res).toEqual({
      status: 200,
      body: {
        results: [
          { ok: true, channel: "signals", offset: 1, epoch: expect.any(String) },
          { ok: false, channel: "bad:x", error: { code: "UNKNOWN_CHANNEL", message: 'No namespace "bad".' } },
          { ok: true, channel: "signals", offset: 2, epoch: res.body.results[0].epoch },
        ],
      },
    });
  });

  it("keeps a batch's order per channel, with and without idempotency keys", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "trade:update");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    const plain = await api(gw, "POST", "/api/v1/publish/batch", { items: Array.from({ length: 100 }, (_, i) => ({ channel: "trades:alice", data: { n: i + 1 } })) });
    expect(plain.body.results.map((r: { offset: number }) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const keyed = await api(gw, "POST", "/api/v1/publish/batch", {
      items: Array.from({ length: 10 }, (_, i) => ({ channel: "trades:alice", data: { n: 101 + i }, ...(i % 2 === 0 ? { idempotencyKey: `k-${i}` } : {}) })),
    });
    expect(keyed.body.results.map((r: { offset: number }) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => 101 + i));
    await until(() => seen.length === 110);
    expect(seen.map((e) => [e.meta.offset, (e.payload as { n: number }).n])).toEqual(Array.from({ length: 110 }, (_, i) => [i + 1, i + 1]));
  });

  it("serves channel history after an offset, with a limit", async () => {
    const gw = await bed.gateway();
    for (let i = 1; i <= 5; i++) await gw.publish({ channel: "signals:prov", data: { n: i } });
    const res = await api(gw, "GET", "/api/v1/channels/signals:prov/history?since=2&limit=2");
    expect(res).toEqual({
      status: 200,
      body: {
        epoch: expect.any(String),
        offset: 5,
        publications: [
          { offset: 3, ts: expect.any(Number), event: "signal:new", data: { n: 3 } },
          { offset: 4, ts: expect.any(Number), event: "signal:new", data: { n: 4 } },
        ],
      },
    });
    expect((await api(gw, "GET", "/api/v1/channels/signals:prov/history?limit=0")).body).toMatchObject({ code: "BAD_REQUEST" });
    expect((await api(gw, "GET", "/api/v1/channels/nope/history")).status).toBe(404);
  });

  it("disconnects every connection of a user and nobody else's", async () => {
    const gw = await bed.gateway();
    const a1 = await bed.connectAs(gw, "alice");
    const a2 = await bed.connectAs(gw, "alice");
    const bob = await bed.connectAs(gw, "bob");
    const errors = record(a1, "error");
    expect(await api(gw, "POST", "/api/v1/users/alice/disconnect")).toEqual({ status: 200, body: { userId: "alice", disconnected: 2 } });
    await until(() => !a1.connected && !a2.connected);
    expect(errors.map((e) => e.payload)).toEqual([{ code: "KICKED", message: "Disconnected by the platform." }]);
    expect(bob.connected).toBe(true);
  });

  it("answers unknown routes with a 404 error body", async () => {
    const gw = await bed.gateway();
    expect(await api(gw, "GET", "/api/v1/nothing")).toEqual({ status: 404, body: { statusCode: 404, code: "NOT_FOUND", message: "Nothing at GET /api/v1/nothing." } });
  });
});

describe("ops endpoints", () => {
  it("serves health, readiness, Prometheus metrics and stats", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "quote:update");
    await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL", "trades"] });
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1 } });
    await until(() => seen.length === 1, 5000, "the quote to be delivered");
    expect(await api(gw, "GET", "/healthz", undefined, null)).toEqual({ status: 200, body: { status: "ok" } });
    expect(await api(gw, "GET", "/readyz", undefined, null)).toEqual({
      status: 200,
      body: { status: "ready", checks: { store: { ok: true, details: { kind: "sqlite" } }, engine: { ok: true, details: { name: "memory" } } } },
    });
    const metrics = await api(gw, "GET", "/metrics", undefined, null);
    for (const line of [
      "tickwire_connections 1",
      'tickwire_subscriptions{namespace="quotes"} 1',
      'tickwire_publications_total{namespace="quotes"} 1',
      'tickwire_deliveries_total{namespace="quotes"} 1',
      'tickwire_delivery_latency_seconds_count{namespace="quotes"} 1',
    ]) expect(metrics.body).toContain(line);
    const stats = await api(gw, "GET", "/api/v1/stats");
    expect(stats.body).toMatchObject({
      node: { version: "0.1.0", mode: "single", store: "sqlite", simulator: false },
      connections: { current: 1, users: 1, byTier: { navigator: 0, participant: 0, builder: 1, operator: 0 } },
      subscriptions: { total: 2, byNamespace: { quotes: 1, trades: 1 } },
      publications: { total: 1, byNamespace: { quotes: 1 } },
      deliveries: { total: 1, byNamespace: { quotes: 1 } },
      rateLimited: 0,
      slowConsumerDisconnects: 0,
      feeds: [],
    });
  });

  it("lets an operator token read stats and refuses a lower tier", async () => {
    const gw = await bed.gateway();
    expect((await api(gw, "GET", "/api/v1/stats", undefined, await bed.token(gw, "op", "operator"))).status).toBe(200);
    expect(await api(gw, "GET", "/api/v1/stats", undefined, await bed.token(gw, "b", "builder"))).toEqual({
      status: 403,
      body: { statusCode: 403, code: "FORBIDDEN", message: "The ops API needs an operator token." },
    });
  });

  it("serves the demo token only in dev mode", async () => {
    const gw = await bed.gateway();
    expect((await api(gw, "GET", "/api/v1/dev/token", undefined, null)).status).toBe(404);
    const dev = await bed.gateway({ jwtSecret: undefined, apiKeys: [] });
    const res = await api(dev, "GET", "/api/v1/dev/token", undefined, null);
    expect(res).toEqual({ status: 200, body: { token: expect.any(String), userId: "demo", tier: "operator" } });
    expect((await bed.connect(dev, { token: res.body.token })).connected).toMatchObject({ userId: "demo", tier: "operator" });
  });
});
