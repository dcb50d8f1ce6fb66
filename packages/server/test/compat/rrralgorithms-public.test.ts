import { afterEach, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { resolveOptions } from "@tickwire/server";
import { TestBed, until } from "../helpers.js";

// RRRalgorithms' transparency dashboard (seed 004) showing one fund to every viewer: its streams mapped
// by configuration onto public channels (`feed`, `board`), so that one publish reaches every dashboard.
const bed = new TestBed();
afterEach(() => bed.cleanup());

const FUND_STREAMS = { trade_feed: "feed:fund", portfolio_update: "board:fund-portfolio", ai_decision: "feed:fund-decisions", performance_metrics: "board:fund-metrics" };

/** The dashboard's service as its seed writes it: subscribe(streams), on(event). */
async function dashboard(gw: Gateway, token: string): Promise<{ socket: Socket; received: Array<[string, unknown]> }> {
  const socket = io(gw.url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
  bed.sockets.push(socket);
  const received: Array<[string, unknown]> = [];
  for (const event of ["subscription_confirmed", "trade_feed", "portfolio_update", "ai_decision", "performance_metrics", "error"]) socket.on(event, (data: unknown) => received.push([event, data]));
  await new Promise<void>((resolve, reject) => {
    socket.once("connected", () => resolve());
    socket.once("connect_error", reject);
  });
  return { socket, received };
}

describe("RRRalgorithms public streams", () => {
  it("one publish on a public channel reaches every viewer's dashboard, whatever their tier", async () => {
    const gw = await bed.gateway({ rrrStreams: FUND_STREAMS });
    const viewers = await Promise.all([
      dashboard(gw, await bed.token(gw, "viewer-1", "navigator")),
      dashboard(gw, await bed.token(gw, "viewer-2", "participant")),
      dashboard(gw, await gw.issueToken({ sub: "viewer-3" })),
    ]);
    for (const v of viewers) v.socket.emit("subscribe", { streams: ["trade_feed", "portfolio_update", "ai_decision", "performance_metrics"] });
    await until(() => viewers.every((v) => v.received.length === 1), 5000, "every subscription_confirmed");
    for (const v of viewers) expect(v.received).toEqual([["subscription_confirmed", { streams: ["trade_feed", "portfolio_update", "ai_decision", "performance_metrics"], status: "subscribed" }]]);

    const fill = { tradeId: "f-1", symbol: "BTC-USD", side: "buy", quantity: 0.5, price: 64_000, timestamp: "2026-12-01T10:00:00Z" };
    const decision = { model: "ensemble", symbol: "BTC-USD", decision: "buy", confidence: 0.71, timestamp: "2026-12-01T10:00:00Z" };
    const portfolio = { totalValue: 1_250_000, cash: 250_000, positions: [{ symbol: "BTC-USD", quantity: 12 }] };
    const metrics = { total_return: 0.18, sharpe_ratio: 1.9, max_drawdown: -0.07 };
    expect((await gw.publish({ channel: "feed:fund", event: "trade:executed", data: fill })).offset).toBe(1);
    await gw.publish({ channel: "feed:fund-decisions", event: "ai:decision", data: decision });
    await gw.publish({ channel: "board:fund-portfolio", data: portfolio });
    await gw.publish({ channel: "board:fund-metrics", data: metrics });
    await until(() => viewers.every((v) => v.received.length === 5), 5000, "four publications per viewer");
    for (const v of viewers) {
      expect(v.received.slice(1).sort((a, b) => a[0].localeCompare(b[0]))).toEqual([
        ["ai_decision", decision],
        ["performance_metrics", metrics],
        ["portfolio_update", portfolio],
        ["trade_feed", fill],
      ]);
    }
    // The three viewers share the same two feed and two board channels, not a channel each.
    expect(gw.hub.subscriptionsByNamespace()).toEqual({ feed: 6, board: 6 });
  });

  it("a late viewer gets the public state at once, and the private mapping stays the default", async () => {
    const gw = await bed.gateway({ rrrStreams: { portfolio_update: "board:fund-portfolio" } });
    await gw.publish({ channel: "board:fund-portfolio", data: { totalValue: 10 } });
    const late = await dashboard(gw, await bed.token(gw, "late", "navigator"));
    late.socket.emit("subscribe", { streams: ["portfolio_update", "trade_feed"] });
    await until(() => late.received.length === 2, 5000, "the snapshot and the confirmation");
    expect(late.received).toEqual([
      ["portfolio_update", { totalValue: 10 }],
      ["subscription_confirmed", { streams: ["portfolio_update", "trade_feed"], status: "subscribed" }],
    ]);
    // trade_feed kept its default: the viewer's own trades, which nobody else's publish reaches.
    await gw.publish({ channel: "trades:someone-else", data: { tradeId: "x", symbol: "AAPL" } });
    await gw.publish({ channel: "trades:late", data: { tradeId: "mine", symbol: "AAPL" } });
    await until(() => late.received.length === 3, 5000, "the own trade");
    expect(late.received[2]).toEqual(["trade_feed", { tradeId: "mine", symbol: "AAPL" }]);

    const plain = await bed.gateway();
    const v = await dashboard(plain, await bed.token(plain, "v", "navigator"));
    expect(await v.socket.emitWithAck("subscribe", { streams: ["trade_feed"] })).toMatchObject({ ok: true, streams: ["trade_feed"] });
    expect(plain.hub.subscriptionsByNamespace()).toEqual({ trades: 1 });
  });

  it("refuses a mapping onto a channel the catalogue does not have, or a bad stream name", () => {
    expect(() => resolveOptions({ rrrStreams: "trade_feed=nope:x,Bad-Name=metrics" })).toThrow(
      /rrrStreams: the channel of "trade_feed" \("nope:x"\) is not a channel of the catalogue\.[\s\S]*rrrStreams: "Bad-Name" is not a stream name/,
    );
    expect(resolveOptions({ rrrStreams: "trade_feed=feed:fund,fund_news=feed:news" }).options.rrrStreams).toEqual({
      trade_feed: "feed:fund",
      portfolio_update: "portfolio",
      ai_decision: "ai",
      performance_metrics: "metrics",
      fund_news: "feed:news",
    });
  });
});
