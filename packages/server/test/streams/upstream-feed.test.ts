import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";
import { UpstreamFeed } from "../../src/ingest/upstream-feed.js";
import { StreamsComponent } from "../../src/streams/streams-component.js";

const bed = new TestBed();
const servers: WebSocketServer[] = [];
afterEach(async () => {
  await bed.cleanup();
  for (const server of servers.splice(0)) await closeServer(server);
});

/** An upstream feed server on `port` (0: any free port) that hands each new connection to `onConnection`. */
async function feedServer(port = 0, onConnection: (ws: WebSocket) => void = () => {}): Promise<WebSocketServer> {
  const server = new WebSocketServer({ host: "127.0.0.1", port });
  servers.push(server);
  server.on("connection", onConnection);
  await new Promise<void>((resolve) => server.once("listening", resolve));
  return server;
}

function closeServer(server: WebSocketServer): Promise<void> {
  for (const client of server.clients) client.terminate();
  return new Promise((resolve) => server.close(() => resolve()));
}

const portOf = (server: WebSocketServer): number => (server.address() as AddressInfo).port;
const feedOf = (gw: Gateway): Record<string, unknown> => (gw.stats().feeds as Array<Record<string, unknown>>).find((f) => f.name === "upstream")!;

describe("upstream WebSocket feed", () => {
  it("publishes each message; bad messages are logged, counted and skipped", async () => {
    const messages = [
      JSON.stringify({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.1 } }),
      "{not json",
      JSON.stringify([1, 2]),
      JSON.stringify({ data: { symbol: "AAPL", price: 1 } }),
      JSON.stringify({ channel: "nope:x", data: {} }),
      JSON.stringify({ channel: "quotes:AAPL", data: { symbol: "MSFT", price: 1 } }),
      JSON.stringify({ channel: "trades:alice", event: "trade:deleted", data: { tradeId: "t0" } }),
      JSON.stringify({ channel: "trades:alice", event: "trade:executed", data: { tradeId: "t1", symbol: "AAPL", status: "executed", quantity: 3 } }),
    ];
    let upstream: WebSocket | undefined;
    const server = await feedServer(0, (ws) => (upstream = ws));
    const gw = await bed.gateway({ feedUrl: `ws://127.0.0.1:${portOf(server)}` });
    const socket = await bed.connectAs(gw, "alice", "operator");
    await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL", "trades"] });
    const seen = record(socket, "quote:update", "trade:executed");
    await until(() => upstream !== undefined, 5000, "the feed to connect");
    for (const m of messages) upstream!.send(m);

    await until(() => feedOf(gw).received === 8, 5000, "eight messages");
    await until(() => seen.length === 2);
    expect(seen.map((e) => [e.event, e.payload, e.meta.channel])).toEqual([
      ["quote:update", { symbol: "AAPL", price: 190.1 }, "quotes:AAPL"],
      ["trade:executed", { tradeId: "t1", symbol: "AAPL", status: "executed", quantity: 3 }, "trades:alice"],
    ]);
    expect((await api(gw, "GET", "/api/v1/stats")).body.feeds).toEqual([{ name: "upstream", state: "connected", breaker: "closed", received: 8, errors: 6 }]);
    const metrics = (await api(gw, "GET", "/metrics", undefined, null)).body as string;
    for (const line of ['tickwire_feed_messages_total{feed="upstream"} 8', 'tickwire_feed_errors_total{feed="upstream"} 6', 'tickwire_feed_breaker_state{feed="upstream"} 0']) expect(metrics).toContain(line);
  });

  it("reconnects with backoff when the feed goes away, and publishes again when it comes back", async () => {
    let connections = 0;
    const server = await feedServer(0, () => connections++);
    const port = portOf(server);
    const gw = await bed.gateway({ feedUrl: `ws://127.0.0.1:${port}`, feedReconnectMinMs: 20, feedReconnectMaxMs: 100 });
    await until(() => feedOf(gw).state === "connected", 5000, "the feed to open");

    await closeServer(server);
    servers.splice(servers.indexOf(server), 1);
    await until(() => feedOf(gw).state !== "connected", 5000, "the feed to notice");
    const readyz = await api(gw, "GET", "/readyz");
    const check = readyz.body.checks.upstream;
    // Ready through a reconnect; degraded (still 200: every node shares the feed) once failures open the breaker.
    expect(readyz.status).toBe(200);
    const open = check.details.breaker === "open";
    expect(check).toEqual({ ok: !open, ...(open ? { degraded: true } : {}), details: { name: "upstream", state: expect.stringMatching(/^(waiting|connecting)$/), breaker: expect.any(String), received: 0, errors: 0 } });
    // A few failed attempts while nothing listens.
    await new Promise((r) => setTimeout(r, 300));

    const socket = await bed.connectAs(gw, "alice", "operator");
    await socket.emitWithAck("subscribe", { channels: ["quotes:NVDA"] });
    const seen = record(socket, "quote:update");
    await feedServer(port, (ws) => {
      connections++;
      ws.send(JSON.stringify({ channel: "quotes:NVDA", data: { symbol: "NVDA", price: 120.5 } }));
    });
    await until(() => seen.length === 1, 10_000, "a quote from the returning feed");
    expect(seen[0]!.payload).toEqual({ symbol: "NVDA", price: 120.5 });
    expect(connections).toBe(2);
    expect(feedOf(gw)).toMatchObject({ state: "connected", received: 1, errors: 0 });
  });

  it("opens its circuit breaker while the feed keeps failing and closes it after a successful trial; /readyz reports it degraded and stays 200", async () => {
    const probe = await feedServer();
    const port = portOf(probe);
    await closeServer(probe);
    servers.splice(0);
    const feed = new UpstreamFeed({ url: `ws://127.0.0.1:${port}`, reconnectMinMs: 10, reconnectMaxMs: 20, breakerVolume: 3, breakerErrorPercent: 50, breakerResetMs: 400, random: () => 0.5 });
    const gw = await bed.gateway({}, { components: [new StreamsComponent(), feed] });
    await until(() => feedOf(gw).breaker === "open", 5000, "the breaker to open");
    expect((await api(gw, "GET", "/api/v1/stats")).body.feeds).toEqual([{ name: "upstream", state: expect.stringMatching(/^(waiting|connecting)$/), breaker: "open", received: 0, errors: 0 }]);
    const readyz = await api(gw, "GET", "/readyz");
    // One shared feed outage must not take every node out of the load balancer.
    expect(readyz).toEqual({
      status: 200,
      body: {
        status: "degraded",
        degraded: ["upstream"],
        checks: {
          store: { ok: true, details: { kind: "sqlite" } },
          engine: { ok: true, details: { name: "memory" } },
          upstream: { ok: false, degraded: true, details: { name: "upstream", state: expect.any(String), breaker: "open", received: 0, errors: 0 } },
        },
      },
    });

    expect((await api(gw, "GET", "/metrics", undefined, null)).body).toContain('tickwire_feed_breaker_state{feed="upstream"} 2');

    await feedServer(port);
    await until(() => feedOf(gw).state === "connected", 5000, "the trial connection");
    expect(feedOf(gw).breaker).toBe("closed");
    expect((await api(gw, "GET", "/metrics", undefined, null)).body).toContain('tickwire_feed_breaker_state{feed="upstream"} 0');
    expect(await api(gw, "GET", "/readyz")).toMatchObject({ status: 200, body: { status: "ready", checks: { upstream: { ok: true } } } });
  });

  it("with readinessFeeds=required an open breaker makes /readyz 503", async () => {
    const probe = await feedServer();
    const port = portOf(probe);
    await closeServer(probe);
    servers.splice(0);
    const feed = new UpstreamFeed({ url: `ws://127.0.0.1:${port}`, reconnectMinMs: 10, reconnectMaxMs: 20, breakerVolume: 3, breakerErrorPercent: 50, breakerResetMs: 60_000, random: () => 0.5 });
    const gw = await bed.gateway({ readinessFeeds: "required" }, { components: [new StreamsComponent(), feed] });
    await until(() => feedOf(gw).breaker === "open", 5000, "the breaker to open");
    const readyz = await api(gw, "GET", "/readyz");
    expect(readyz.status).toBe(503);
    expect(readyz.body).toEqual({
      status: "not_ready",
      checks: {
        store: { ok: true, details: { kind: "sqlite" } },
        engine: { ok: true, details: { name: "memory" } },
        upstream: { ok: false, details: { name: "upstream", state: expect.any(String), breaker: "open", received: 0, errors: 0 } },
      },
    });
  });
});
