import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TestBed } from "../helpers.js";
import { REDIS_URL, redisAvailable } from "../services.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

describe("server-side sessions over HTTP", () => {
  let server: Server;
  let url: string;
  let calls = 0;
  let failing = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls++;
      const id = new URL(req.url!, "http://x").searchParams.get("sessionID");
      if (failing) return void res.writeHead(500).end();
      if (id === "good") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ user: { id: "sam", tier: "participant" } }));
      if (id === "passport") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ passport: { user: "pat" } }));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/session`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("accepts auth: { sessionID } resolved by the platform's endpoint", async () => {
    const gw = await bed.gateway({ sessionUrl: url });
    expect((await bed.connect(gw, { sessionID: "good" })).connected).toMatchObject({ userId: "sam", tier: "participant" });
    expect((await bed.connect(gw, { sessionId: "passport" })).connected).toMatchObject({ userId: "pat", tier: "navigator" });
  });

  it("refuses an unknown session with UNAUTHORIZED", async () => {
    const gw = await bed.gateway({ sessionUrl: url });
    expect((await bed.refused(gw, { sessionID: "nope" })).data).toEqual({ code: "UNAUTHORIZED", message: "The session is unknown or has expired." });
  });

  it("answers UNAVAILABLE while the endpoint fails and opens the circuit breaker", async () => {
    const gw = await bed.gateway({ sessionUrl: url });
    failing = true;
    try {
      for (let i = 0; i < 6; i++) expect((await bed.refused(gw, { sessionID: "good" })).data?.code).toBe("UNAVAILABLE");
      const before = calls;
      expect((await bed.refused(gw, { sessionID: "good" })).data?.code).toBe("UNAVAILABLE");
      expect(calls).toBe(before); // the open breaker answered without calling the endpoint
      const ready = await fetch(`${gw.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: "not_ready", checks: { sessions: { ok: false, details: { name: "session-http", breaker: "open" } } } });
    } finally {
      failing = false;
    }
  });

  it("refuses session ids when no resolver is configured", async () => {
    const gw = await bed.gateway();
    expect((await bed.refused(gw, { sessionID: "good" })).data?.code).toBe("UNAUTHORIZED");
  });
});

describe("server-side sessions in Redis (express-session / connect-redis)", async () => {
  const available = await redisAvailable();
  const prefix = `tw-test-${randomBytes(4).toString("hex")}:sess:`;
  let redis: Redis;

  beforeAll(() => {
    if (available) redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    if (!available) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it.skipIf(!available)("resolves sess:{id} JSON to the user and tier, and refuses expired or missing sessions", async () => {
    await redis.set(`${prefix}abc`, JSON.stringify({ cookie: { expires: new Date(Date.now() + 60_000).toISOString() }, userId: "rita", tier: "builder" }));
    await redis.set(`${prefix}old`, JSON.stringify({ cookie: { expires: new Date(Date.now() - 1000).toISOString() }, userId: "rita" }));
    const gw = await bed.gateway({ sessionRedisUrl: REDIS_URL, sessionPrefix: prefix });
    expect((await bed.connect(gw, { sessionID: "abc" })).connected).toMatchObject({ userId: "rita", tier: "builder" });
    expect((await bed.refused(gw, { sessionID: "old" })).data?.code).toBe("UNAUTHORIZED");
    expect((await bed.refused(gw, { sessionID: "missing" })).data?.code).toBe("UNAUTHORIZED");
  });
});
