import { afterEach, describe, expect, it } from "vitest";
import type { Gateway } from "@tickwire/server";
import { resolveOptions } from "@tickwire/server";
import { record, recordingInbox, TestBed, until } from "../helpers.js";
import { defaultComponents } from "../../src/components.js";
import { seededRandom } from "../../src/simulator/random.js";
import { Simulator, type SimulatorOptions } from "../../src/simulator/simulator.js";
import { StreamsComponent } from "../../src/streams/streams-component.js";
import { ManualTimers } from "./manual-timers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

const T0 = Date.UTC(2026, 0, 5, 14, 30);
const SYMBOLS = ["AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "SPY", "BTC-USD", "ETH-USD"];

/** A gateway running only the stream rules and a simulator on a manual clock. */
async function simulated(options: SimulatorOptions = {}): Promise<{ gw: Gateway; clock: ManualTimers; run: (ms: number) => Promise<void> }> {
  const clock = new ManualTimers();
  const simulator = new Simulator({ random: seededRandom(7), timers: clock, now: () => T0 + clock.now(), ...options });
  const gw = await bed.gateway({}, { components: [new StreamsComponent(), simulator] });
  // Steps of 50 ms, letting each step's publishes settle before the next (a fill is scheduled once its order is published).
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  return { gw, clock, run };
}

describe("simulator", () => {
  it("quotes every symbol every 250 to 500 ms: a random walk with bid, ask, volume and change, labelled simulated", async () => {
    const { gw, run } = await simulated();
    const socket = await bed.connectAs(gw, "viewer", "operator");
    await socket.emitWithAck("subscribe", { channels: SYMBOLS.map((s) => `quotes:${s}`) });
    const seen = record(socket, "quote:update");
    await run(1000);
    await until(() => new Set(seen.map((e) => e.meta.channel)).size === 8, 5000, "a quote of every symbol");
    const perSymbol = SYMBOLS.map((s) => seen.filter((e) => e.meta.channel === `quotes:${s}`).length);
    expect(perSymbol.every((n) => n >= 2 && n <= 4)).toBe(true);

    for (const { payload } of seen) {
      const q = payload as Record<string, number | string | boolean>;
      expect(q).toEqual({
        symbol: expect.any(String),
        price: expect.any(Number),
        bid: expect.any(Number),
        ask: expect.any(Number),
        volume: expect.any(Number),
        change: expect.any(Number),
        changePercent: expect.any(Number),
        timestamp: expect.stringMatching(/^2026-01-05T14:30:0\d\.\d{3}Z$/),
        simulated: true,
      });
      expect(q.bid as number).toBeLessThan(q.price as number);
      expect(q.ask as number).toBeGreaterThan(q.price as number);
      expect(Math.abs((q.changePercent as number) / 100 - (q.change as number) / ((q.price as number) - (q.change as number)))).toBeLessThan(0.001);
    }
    const aapl = seen.filter((e) => e.meta.channel === "quotes:AAPL").map((e) => (e.payload as { price: number }).price);
    expect(aapl.every((p) => p > 180 && p < 200)).toBe(true);
  });

  it("runs the demo account: orders fill into trades:demo and the portfolio is revalued", async () => {
    const { gw, run } = await simulated({ symbols: ["AAPL"], orderMs: [1000, 1000], fillMs: [300, 300] });
    const demo = await bed.connectAs(gw, "demo", "operator");
    await demo.emitWithAck("subscribe", { channels: ["trades", "portfolio"] });
    const trades = record(demo, "trade:update", "trade:executed", "trade:failed");
    const portfolios = record(demo, "portfolio:update");
    await run(1400);
    await until(() => trades.length >= 2, 5000, "an order and its fill");

    const [placed, settled] = trades;
    expect(placed).toEqual({
      event: "trade:update",
      payload: { tradeId: expect.stringMatching(/^sim-/), userId: "demo", symbol: expect.any(String), side: expect.stringMatching(/^(buy|sell)$/), quantity: expect.any(Number), status: "pending", orderType: "market", timestamp: expect.any(String), simulated: true },
      meta: { channel: "trades:demo", offset: 1, epoch: expect.any(String), ts: expect.any(Number) },
    });
    const p = placed!.payload as Record<string, unknown>;
    const fill = settled!.payload as Record<string, unknown>;
    expect(settled!.event).toBe(fill.status === "executed" ? "trade:executed" : "trade:failed");
    expect(fill).toEqual(
      fill.status === "executed"
        ? { ...p, status: "executed", executedPrice: expect.any(Number), price: expect.any(Number), timestamp: expect.any(String) }
        : { ...p, status: "failed", reason: expect.any(String), timestamp: expect.any(String) },
    );
    await until(() => portfolios.length >= 1, 5000, "a portfolio");
    expect(portfolios[0]!.payload).toEqual({
      userId: "demo",
      totalValue: expect.any(Number),
      cash: expect.any(Number),
      positions: expect.arrayContaining([{ symbol: "AAPL", quantity: expect.any(Number), avgPrice: expect.any(Number), price: expect.any(Number), marketValue: expect.any(Number), pnl: expect.any(Number) }]),
      dayPnl: expect.any(Number),
      dayPnlPercent: expect.any(Number),
      totalPnl: expect.any(Number),
      timestamp: expect.any(String),
      simulated: true,
    });
    const portfolio = portfolios[0]!.payload as { totalValue: number; cash: number; positions: Array<{ marketValue: number }> };
    expect(portfolio.totalValue).toBeCloseTo(portfolio.cash + portfolio.positions.reduce((s, x) => s + x.marketValue, 0), 0);
  });

  it("publishes signals per provider (also on `signals`), AI decisions per model (also on `ai`) and performance metrics", async () => {
    const { gw, run } = await simulated({ symbols: [], signalMs: [500, 500], decisionMs: [700, 700], metricsMs: [900, 900] });
    const socket = await bed.connectAs(gw, "quant", "builder");
    await socket.emitWithAck("subscribe", { channels: ["signals", "ai", "metrics"] });
    const seen = record(socket, "signal:new", "ai:decision", "metrics:update");
    await run(950);
    await until(() => seen.length === 3, 5000, "one of each");
    const byEvent = Object.fromEntries(seen.map((e) => [e.event, e.payload]));
    expect(byEvent["signal:new"]).toEqual({
      signalId: expect.any(String),
      providerId: expect.stringMatching(/^(momentum-lab|macro-desk|quant-edge)$/),
      providerName: expect.any(String),
      symbol: expect.any(String),
      action: expect.stringMatching(/^(buy|sell|hold)$/),
      entryPrice: expect.any(Number),
      stopLoss: expect.any(Number),
      takeProfit: expect.any(Number),
      confidence: expect.any(Number),
      timestamp: expect.any(String),
      simulated: true,
    });
    expect(byEvent["ai:decision"]).toEqual({
      id: expect.any(String),
      model_name: expect.stringMatching(/^(Transformer-v1|LSTM-v2|GBM-v3)$/),
      symbol: expect.any(String),
      prediction: { direction: expect.stringMatching(/^(up|down|flat)$/), confidence: expect.any(Number), price_target: expect.any(Number), time_horizon: expect.any(String) },
      reasoning: expect.any(String),
      outcome: "pending",
      timestamp: expect.any(String),
      simulated: true,
    });
    expect(byEvent["metrics:update"]).toEqual({
      period: "all",
      total_return: expect.any(Number),
      sharpe_ratio: expect.any(Number),
      max_drawdown: expect.any(Number),
      win_rate: expect.any(Number),
      profit_factor: expect.any(Number),
      total_trades: 0,
      api_latency_ms: expect.any(Number),
      websocket_connections: 1,
      timestamp: expect.any(String),
      simulated: true,
    });
    const signal = byEvent["signal:new"] as { providerId: string };
    const keyed = await fetch(`${gw.url}/api/v1/channels/signals:${signal.providerId}/history?since=0`, { headers: { authorization: "Bearer test-api-key" } }).then((r) => r.json());
    expect(keyed.publications.map((p: { data: unknown }) => p.data)).toEqual([signal]);
  });

  it("skips the demo user's notifications quietly while no inbox runs, and sends them once one does", async () => {
    const { gw, run } = await simulated({ symbols: [], orderMs: [500, 500], fillMs: [100, 100], notifyChance: 1 });
    await run(700);
    expect((await fetch(`${gw.url}/api/v1/channels/trades:demo/history?since=0`, { headers: { authorization: "Bearer test-api-key" } }).then((r) => r.json())).offset).toBe(2);

    const inbox = recordingInbox(gw);
    await run(600);
    await until(() => inbox.length === 1, 5000, "a notification");
    expect(inbox[0]).toEqual([
      "demo",
      {
        type: expect.stringMatching(/^(success|warning)$/),
        title: expect.stringMatching(/^Order (filled|failed)$/),
        message: expect.stringMatching(/\(simulated\)\.?$/),
        data: { tradeId: expect.stringMatching(/^sim-/), symbol: expect.any(String), simulated: true },
      },
    ]);
  });

  it("keeps the demo figures consistent: total P&L is the value above the capital, total return is that P&L over it, the day's P&L starts at 0", async () => {
    // No quotes and no orders: prices stand still, so the figures published at different times must agree exactly.
    const { gw, run } = await simulated({ symbols: [], orderMs: [3_600_000, 3_600_000], metricsMs: [900, 900], portfolioMs: [400, 400] });
    const demo = await bed.connectAs(gw, "demo", "operator");
    await demo.emitWithAck("subscribe", { channels: ["portfolio", "metrics"] });
    const seen = record(demo, "portfolio:update", "metrics:update");
    await run(1000);
    await until(() => seen.some((e) => e.event === "metrics:update") && seen.some((e) => e.event === "portfolio:update"), 5000, "a portfolio and the metrics");
    const portfolio = seen.find((e) => e.event === "portfolio:update")!.payload as { totalValue: number; cash: number; dayPnl: number; dayPnlPercent: number; totalPnl: number; positions: Array<{ pnl: number }> };
    const metrics = seen.find((e) => e.event === "metrics:update")!.payload as { total_return: number };
    expect(portfolio.totalPnl).toBeCloseTo(portfolio.totalValue - 100_000, 2);
    // The positions were bought before today: their P&L is in the total, not in the day's.
    expect(portfolio.totalPnl).toBeCloseTo(portfolio.positions.reduce((sum, p) => sum + p.pnl, 0), 0);
    expect(portfolio.dayPnl).toBe(0);
    expect(portfolio.dayPnlPercent).toBe(0);
    expect(Math.abs(portfolio.totalPnl)).toBeGreaterThan(100);
    expect(metrics.total_return).toBeCloseTo(portfolio.totalPnl / 100_000, 4);
  });

  it("notifies the demo user at most once per notifyMinMs, however many orders settle", async () => {
    const { gw, clock, run } = await simulated({ symbols: [], orderMs: [500, 500], fillMs: [100, 100], notifyChance: 1, notifyMinMs: 10_000 });
    const inbox = recordingInbox(gw);
    await run(5000);
    const trades = await fetch(`${gw.url}/api/v1/channels/trades:demo/history?since=0`, { headers: { authorization: "Bearer test-api-key" } }).then((r) => r.json());
    // About ten orders placed and settled, one notification.
    expect(trades.offset).toBeGreaterThanOrEqual(16);
    expect(inbox).toHaveLength(1);
    // The first went out with the first fill (at 600 ms); the next fill after 10.6 s may notify again.
    await run(6500);
    expect(clock.now()).toBeGreaterThanOrEqual(11_000);
    await until(() => inbox.length === 2, 5000, "the next notification once notifyMinMs passed");
    expect(inbox.length).toBe(2);
  });

  it("is on by default in dev mode, off when a secret is configured, and TICKWIRE_SIMULATOR decides when set", () => {
    const names = (input: Record<string, unknown>): string[] => defaultComponents(resolveOptions(input).options).map((c) => c.name);
    expect(names({})).toContain("simulator");
    expect(names({ jwtSecret: "s".repeat(32), apiKeys: ["k"] })).not.toContain("simulator");
    expect(names({ jwtSecret: "s".repeat(32), apiKeys: ["k"], simulator: "on" })).toContain("simulator");
    expect(names({ simulator: "off" })).not.toContain("simulator");
  });
});
