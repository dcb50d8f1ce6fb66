import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { io, type Socket } from "socket.io-client";
import { WebSocket, WebSocketServer } from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { attach, ConfigError, tickwirePlugin, type Gateway, type GatewayOptions } from "@tickwire/server";
import { API_KEY, SECRET, TestBed, record, until } from "../helpers.js";

const bed = new TestBed();
const servers: Server[] = [];
const fastifies: FastifyInstance[] = [];
const sockets: Socket[] = [];
const attached: Gateway[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(attached.splice(0).map((g) => g.close()));
  await Promise.all(fastifies.splice(0).map((f) => f.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
  await bed.cleanup();
});

function options(extra: Partial<GatewayOptions> = {}): Partial<GatewayOptions> & { logLevel: "silent" } {
  return { dataDir: bed.tempDir(), jwtSecret: SECRET, apiKeys: [API_KEY], simulator: false, ...extra, logLevel: "silent" };
}

/** A plain `http` app with routes of its own, listening on a free port. */
async function plainApp(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/hello") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ app: "plain", hello: "world" }));
      return;
    }
    res.statusCode = 404;
    res.setHeader("content-type", "text/plain");
    res.end(`app: no ${req.method} ${req.url}`);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function connect(base: string, token: string, path: string, transports = ["websocket"]): Promise<{ socket: Socket; connected: Record<string, unknown> }> {
  const socket = io(base, { path, auth: { token }, transports, reconnection: false, forceNew: true });
  sockets.push(socket);
  const connected = await new Promise<Record<string, unknown>>((resolve, reject) => {
    socket.once("connected", resolve);
    socket.once("connect_error", reject);
  });
  return { socket, connected };
}

async function request(url: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text
  }
  return { status: res.status, type: res.headers.get("content-type"), body };
}

const publishInit = (body: unknown, key = API_KEY): RequestInit => ({
  method: "POST",
  headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("attach(httpServer) to a plain http app", () => {
  it("serves Socket.IO and the HTTP API on the app's port under their paths while the app's routes still answer", async () => {
    const { server, base } = await plainApp();
    const gw = await attach(server, options({ socketPath: "/rt/socket", apiPrefix: "/rt/api" }));
    attached.push(gw);
    expect(gw.port).toBe((server.address() as AddressInfo).port);

    expect(await request(`${base}/hello`)).toEqual({ status: 200, type: "application/json", body: { app: "plain", hello: "world" } });
    // Tickwire's default paths are the app's now.
    expect(await request(`${base}/api/v1/publish`, publishInit({ channel: "signals", data: {} }))).toEqual({ status: 404, type: "text/plain", body: "app: no POST /api/v1/publish" });
    expect((await request(`${base}/healthz`)).body).toBe("app: no GET /healthz");
    // The ops endpoints are under the API prefix.
    expect(await request(`${base}/rt/api/healthz`)).toEqual({ status: 200, type: "application/json; charset=utf-8", body: { status: "ok" } });
    expect((await request(`${base}/rt/api/readyz`)).body).toMatchObject({ status: "ready" });
    expect(String((await request(`${base}/rt/api/metrics`)).body)).toContain("tickwire_");

    // A client on the socket path, over WebSocket and over long-polling.
    const alice = await connect(base, await gw.issueToken({ sub: "alice", tier: "builder" }), "/rt/socket");
    expect(alice.connected).toMatchObject({ userId: "alice", tier: "builder" });
    const polling = await connect(base, await gw.issueToken({ sub: "bob", tier: "builder" }), "/rt/socket", ["polling"]);
    const aliceSeen = record(alice.socket, "signal:new");
    const bobSeen = record(polling.socket, "signal:new");
    expect(await alice.socket.emitWithAck("subscribe", { channels: ["signals"] })).toMatchObject({ ok: true, subscribed: [{ channel: "signals", offset: 0 }] });
    await polling.socket.emitWithAck("subscribe", { channels: ["signals"] });

    const published = await request(`${base}/rt/api/publish`, publishInit({ channel: "signals", data: { symbol: "AAPL", side: "buy" } }));
    expect(published).toMatchObject({ status: 200, body: { channel: "signals", offset: 1 } });
    await until(() => aliceSeen.length === 1 && bobSeen.length === 1, 5000, "the publication on both clients");
    for (const seen of [aliceSeen, bobSeen]) {
      expect(seen[0]).toEqual({ event: "signal:new", payload: { symbol: "AAPL", side: "buy" }, meta: expect.objectContaining({ channel: "signals", offset: 1 }) });
    }
    // Errors of the API keep their shape under the prefix.
    expect(await request(`${base}/rt/api/publish`, publishInit({ channel: "signals", data: {} }, "wrong"))).toMatchObject({ status: 401, body: { statusCode: 401, code: "UNAUTHORIZED" } });
    expect(await request(`${base}/rt/api/nothing`)).toMatchObject({ status: 404, body: { statusCode: 404, code: "NOT_FOUND", message: "Nothing at GET /rt/api/nothing." } });
  });

  it("leaves WebSocket upgrades on other paths to the app", async () => {
    const { server, base } = await plainApp();
    const wss = new WebSocketServer({ noServer: true });
    server.on("upgrade", (req, socket, head) => {
      if (req.url === "/app-ws") wss.handleUpgrade(req, socket, head, (ws) => ws.send("hello from the app"));
    });
    const gw = await attach(server, options());
    attached.push(gw);
    const ws = new WebSocket(`${base.replace("http", "ws")}/app-ws`);
    const message = await new Promise<string>((resolve, reject) => {
      ws.once("message", (data) => resolve(String(data)));
      ws.once("error", reject);
    });
    expect(message).toBe("hello from the app");
    ws.close();
    // And Tickwire's own upgrade on the same server.
    const { connected } = await connect(base, await gw.issueToken({ sub: "carol" }), "/socket.io");
    expect(connected).toMatchObject({ userId: "carol" });
    wss.close();
  });

  it("shuts down without closing the app's server: clients are told, the app keeps answering, the paths are the app's again", async () => {
    const { server, base } = await plainApp();
    const gw = await attach(server, options({ apiPrefix: "/rt" }));
    const { socket } = await connect(base, await gw.issueToken({ sub: "dana" }), "/socket.io");
    const told = new Promise((r) => socket.once("server:shutdown", r));
    await gw.close();
    expect(await told).toEqual({ reconnectAfterMs: 1000 });
    expect(server.listening).toBe(true);
    expect(await request(`${base}/hello`)).toMatchObject({ status: 200, body: { app: "plain", hello: "world" } });
    expect(await request(`${base}/rt/publish`, publishInit({ channel: "signals", data: {} }))).toEqual({ status: 404, type: "text/plain", body: "app: no POST /rt/publish" });
    expect(server.listeners("upgrade")).toHaveLength(0);
    expect(server.listeners("request")).toHaveLength(1);
  });

  it("refuses a bad path or prefix with every problem, and leaves the server untouched", async () => {
    const { server, base } = await plainApp();
    const bad = await attach(server, options({ apiPrefix: "realtime", socketPath: "/a/../b" })).catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(ConfigError);
    const shape = '(segments of letters, digits, "-", "_", "."; at most 100 characters)';
    expect((bad as ConfigError).problems).toEqual([`socketPath must be a path like "/realtime" ${shape}, got "/a/../b".`, `apiPrefix must be a path like "/realtime" ${shape}, got "realtime".`]);
    await expect(attach(server, options({ apiPrefix: "/rt", socketPath: "/rt/socket.io" }))).rejects.toThrow('socketPath "/rt/socket.io" and apiPrefix "/rt" must not contain one another.');
    expect(server.listeners("request")).toHaveLength(1);
    expect(await request(`${base}/hello`)).toMatchObject({ status: 200 });
  });
});

describe("the Fastify plugin", () => {
  it("runs inside the app's Fastify: its routes, the API and Socket.IO on one port, the gateway as app.tickwire", async () => {
    const app = Fastify();
    fastifies.push(app);
    app.get("/hello", async () => ({ app: "fastify", hello: "world" }));
    await app.register(tickwirePlugin, options({ apiPrefix: "/realtime/api", socketPath: "/realtime/socket.io" }));
    app.get("/token", async () => ({ token: await app.tickwire.issueToken({ sub: "erin", tier: "participant" }) }));
    const base = await app.listen({ port: 0, host: "127.0.0.1" });

    expect(await request(`${base}/hello`)).toMatchObject({ status: 200, body: { app: "fastify", hello: "world" } });
    // The app's own 404 for what is not Tickwire's.
    expect(await request(`${base}/api/v1/publish`, publishInit({ channel: "signals", data: {} }))).toMatchObject({ status: 404, body: { message: "Route POST:/api/v1/publish not found" } });
    const { token } = (await request(`${base}/token`)).body as { token: string };
    const { socket, connected } = await connect(base, token, "/realtime/socket.io");
    expect(connected).toMatchObject({ userId: "erin", tier: "participant" });
    const seen = record(socket, "trade:update");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    expect(await request(`${base}/realtime/api/publish`, publishInit({ channel: "trades:erin", data: { tradeId: "t1" } }))).toMatchObject({ status: 200, body: { channel: "trades:erin", offset: 1 } });
    await app.tickwire.publish({ channel: "trades:erin", data: { tradeId: "t2" } });
    await until(() => seen.length === 2, 5000, "both trades");
    expect(seen.map((s) => s.payload)).toEqual([{ tradeId: "t1" }, { tradeId: "t2" }]);

    // app.close() tells the clients first, then closes the app's server.
    const told = new Promise((r) => socket.once("server:shutdown", r));
    await app.close();
    expect(await told).toEqual({ reconnectAfterMs: 1000 });
    expect(app.server.listening).toBe(false);
  });
});

describe("a gateway of its own with another path and prefix", () => {
  it("serves the API only under apiPrefix and Socket.IO only at socketPath; the ops endpoints stay at the root", async () => {
    const gw = await bed.gateway({ apiPrefix: "/rt/v2", socketPath: "/live" });
    const published = await request(`${gw.url}/rt/v2/publish`, publishInit({ channel: "signals", data: { n: 1 } }));
    expect(published).toMatchObject({ status: 200, body: { channel: "signals", offset: 1 } });
    expect(await request(`${gw.url}/api/v1/publish`, publishInit({ channel: "signals", data: {} }))).toMatchObject({
      status: 404,
      body: { statusCode: 404, code: "NOT_FOUND", message: "Nothing at POST /api/v1/publish." },
    });
    expect(await request(`${gw.url}/%61pi/v1/stats`, { headers: { authorization: `Bearer ${API_KEY}` } })).toMatchObject({ status: 404, body: { statusCode: 404, code: "NOT_FOUND" } });
    expect(await request(`${gw.url}/healthz`)).toMatchObject({ status: 200, body: { status: "ok" } });
    const { connected } = await connect(gw.url, await gw.issueToken({ sub: "fay" }), "/live");
    expect(connected).toMatchObject({ userId: "fay" });
    const wrongPath = io(gw.url, { auth: { token: await gw.issueToken({ sub: "fay" }) }, transports: ["polling"], reconnection: false, forceNew: true });
    sockets.push(wrongPath);
    const err = await new Promise<Error>((resolve) => wrongPath.once("connect_error", resolve));
    expect(err.message).toBe("xhr poll error");
  });
});
