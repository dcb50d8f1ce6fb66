import { afterEach, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { TestBed, until } from "../helpers.js";

// RRRalgorithms transparency dashboard (seed 004): its `transparencyWebSocket` service as the
// seed documents it (subscribe(streams), unsubscribe(streams), on(event), ping(),
// getConnectionStatus()), plus the token Tickwire requires.
const bed = new TestBed();
afterEach(() => bed.cleanup());

class TransparencyWebSocket {
  socket!: Socket;
  readonly received: Array<[string, unknown]> = [];
  private connected = false;

  constructor(private readonly url: string, private readonly token: string) {}

  async connect(): Promise<void> {
    this.socket = io(this.url, {
      auth: { token: this.token },
      reconnection: true,
      reconnectionAttempts: 5,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 10000,
    });
    bed.sockets.push(this.socket);
    for (const event of ["subscription_confirmed", "pong", "error"]) this.on(event, () => {});
    await new Promise<void>((resolve, reject) => {
      this.socket.on("connected", () => {
        this.connected = true;
        resolve();
      });
      this.socket.on("connect_error", reject);
    });
  }

  subscribe(streams: string[]): void {
    this.socket.emit("subscribe", { streams });
  }

  unsubscribe(streams: string[]): void {
    this.socket.emit("unsubscribe", { streams });
  }

  on(event: string, handler: (data: unknown) => void): void {
    this.socket.on(event, (data: unknown) => {
      this.received.push([event, data]);
      handler(data);
    });
  }

  ping(): void {
    this.socket.emit("ping", { timestamp: new Date().toISOString() });
  }

  getConnectionStatus(): { connected: boolean } {
    return { connected: this.connected && this.socket.connected };
  }

  of(event: string): unknown[] {
    return this.received.filter(([e]) => e === event).map(([, data]) => data);
  }
}

async function dashboard(gw: Gateway, user: string, tier: string): Promise<TransparencyWebSocket> {
  const ws = new TransparencyWebSocket(gw.url, await bed.token(gw, user, tier));
  await ws.connect();
  for (const stream of ["trade_feed", "portfolio_update", "ai_decision", "performance_metrics"]) ws.on(stream, () => {});
  return ws;
}

const STREAMS = ["trade_feed", "portfolio_update", "ai_decision", "performance_metrics"];
const metrics = { timestamp: "2025-10-25T12:34:56.789Z", period: "24h", total_return: 5.23, sharpe_ratio: 1.85, max_drawdown: -2.45, win_rate: 65.5, total_trades: 145 };
const portfolio = { timestamp: "2025-10-25T12:34:56.789Z", total_equity: 105234.56, cash_balance: 45234.56, invested: 60000, total_pnl: 5234.56, positions_count: 3 };
const trade = { id: "trade-1", timestamp: "2025-10-25T12:34:56.789Z", symbol: "BTC-USD", side: "buy", quantity: 0.01, price: 51234.56, total_value: 512.35, fee: 0.51, status: "filled", type: "market" };
const decision = { id: "dec-1", timestamp: "2025-10-25T12:34:56.789Z", model_name: "Transformer-v1", symbol: "BTC-USD", prediction: { direction: "up", confidence: 0.85 }, reasoning: "Momentum.", outcome: "pending" };

describe("RRRalgorithms dashboards", () => {
  it("subscribe to the four streams and get each one under its own event, latest state first", async () => {
    const gw = await bed.gateway();
    await gw.publish({ channel: "metrics", data: metrics });
    await gw.publish({ channel: "portfolio:rrr", data: portfolio });
    const ws = await dashboard(gw, "rrr", "builder");
    expect(ws.getConnectionStatus()).toEqual({ connected: true });
    ws.subscribe(STREAMS);
    await until(() => ws.of("subscription_confirmed").length === 1, 5000, "subscription_confirmed");
    expect(ws.of("subscription_confirmed")).toEqual([{ streams: STREAMS, status: "subscribed" }]);
    expect(ws.of("portfolio_update")).toEqual([portfolio]);
    expect(ws.of("performance_metrics")).toEqual([metrics]);

    await gw.publish({ channel: "trades:rrr", data: trade });
    await gw.publish({ channel: "ai:Transformer-v1", data: decision });
    await until(() => ws.of("trade_feed").length === 1 && ws.of("ai_decision").length === 1, 5000, "trade and decision");
    expect(ws.of("trade_feed")).toEqual([trade]);
    expect(ws.of("ai_decision")).toEqual([decision]);
    expect(ws.received.map(([e]) => e).filter((e) => e.includes(":"))).toEqual([]); // nothing under Tickwire's names
  });

  it("get `error` FORBIDDEN for ai_decision below builder, and the other streams still subscribe", async () => {
    const gw = await bed.gateway();
    const ws = await dashboard(gw, "rrr", "participant");
    ws.subscribe(STREAMS);
    await until(() => ws.of("subscription_confirmed").length === 1 && ws.of("error").length === 1, 5000, "confirmation and error");
    expect(ws.of("error")).toEqual([{ code: "FORBIDDEN", message: 'ai_decision: "ai" needs tier builder or above; you are participant.', event: "subscribe" }]);
    expect(ws.of("subscription_confirmed")).toEqual([{ streams: ["trade_feed", "portfolio_update", "performance_metrics"], status: "subscribed" }]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ trades: 1, portfolio: 1, metrics: 1 });
  });

  it("get `error` BAD_REQUEST naming unknown streams, and nothing is subscribed", async () => {
    const gw = await bed.gateway();
    const ws = await dashboard(gw, "rrr", "builder");
    ws.subscribe(["trade_feed", "order_book", "news"]);
    await until(() => ws.of("error").length === 1, 5000, "the error");
    expect(ws.of("error")).toEqual([
      { code: "BAD_REQUEST", message: 'Unknown streams "order_book", "news"; known: trade_feed, portfolio_update, ai_decision, performance_metrics.', event: "subscribe" },
    ]);
    expect(ws.of("subscription_confirmed")).toEqual([]);
    expect(gw.hub.subscriptionsByNamespace()).toEqual({});
  });

  it("unsubscribe { streams }: confirmed as unsubscribed, and the stream stops", async () => {
    const gw = await bed.gateway();
    const ws = await dashboard(gw, "rrr", "builder");
    ws.subscribe(["trade_feed", "ai_decision"]);
    await until(() => ws.of("subscription_confirmed").length === 1);
    ws.unsubscribe(["trade_feed"]);
    await until(() => ws.of("subscription_confirmed").length === 2);
    expect(ws.of("subscription_confirmed")[1]).toEqual({ streams: ["trade_feed"], status: "unsubscribed" });
    await gw.publish({ channel: "trades:rrr", data: trade });
    await gw.publish({ channel: "ai:Transformer-v1", data: decision });
    await until(() => ws.of("ai_decision").length === 1);
    await ws.socket.emitWithAck("ping", {});
    expect(ws.of("trade_feed")).toEqual([]);
  });

  it("ping: a pong with the server time and the client's timestamp, and the acknowledgement when given", async () => {
    const gw = await bed.gateway();
    const ws = await dashboard(gw, "rrr", "builder");
    ws.ping();
    await until(() => ws.of("pong").length === 1, 5000, "pong");
    // One pong for every legacy client: RRR's { timestamp, client_timestamp } plus MyStocks' type and server_time.
    const [pong] = ws.of("pong") as Array<{ timestamp: string; client_timestamp: string; server_time: number }>;
    expect(pong).toEqual({
      type: "pong",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      client_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      server_time: Date.parse(pong!.timestamp),
    });
    expect(Date.parse(pong!.timestamp)).toBeGreaterThanOrEqual(Date.parse(pong!.client_timestamp));

    const reply = await ws.socket.emitWithAck("ping", { timestamp: "2025-10-25T12:34:56.500Z", request_id: "r-1" });
    expect(reply).toEqual({ ok: true, timestamp: expect.any(Number), client_timestamp: "2025-10-25T12:34:56.500Z", server_time: new Date(reply.timestamp).toISOString() });
    await until(() => ws.of("pong").length === 2);
    expect(ws.of("pong")[1]).toEqual({ type: "pong", timestamp: reply.server_time, client_timestamp: "2025-10-25T12:34:56.500Z", server_time: reply.timestamp });
  });

  it("get the subscribe outcome through an acknowledgement too", async () => {
    const gw = await bed.gateway();
    const ws = await dashboard(gw, "rrr", "navigator");
    expect(await ws.socket.emitWithAck("subscribe", { streams: ["ai_decision", "performance_metrics"] })).toEqual({
      ok: true,
      streams: ["performance_metrics"],
      status: "subscribed",
      failed: [{ stream: "ai_decision", code: "FORBIDDEN", message: '"ai" needs tier builder or above; you are navigator.' }],
    });
    expect(ws.of("error")).toEqual([]);
    expect(await ws.socket.emitWithAck("unsubscribe", { streams: ["performance_metrics"] })).toEqual({ ok: true, streams: ["performance_metrics"], status: "unsubscribed" });
  });

  it("cannot connect without a token: the dashboard's open connection is refused", async () => {
    const gw = await bed.gateway();
    expect((await bed.refused(gw, {})).data?.code).toBe("UNAUTHORIZED");
  });
});
