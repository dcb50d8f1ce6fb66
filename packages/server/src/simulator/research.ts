import type { AiDecision, PerformanceMetrics, Signal } from "@tickwire/protocol";
import type { Market } from "./market.js";
import { pick, round, type Random } from "./random.js";

/** Simulated signal providers (`signals:{id}`). */
export const SIMULATED_PROVIDERS = [
  { id: "momentum-lab", name: "Momentum Lab" },
  { id: "macro-desk", name: "Macro Desk" },
  { id: "quant-edge", name: "Quant Edge" },
] as const;

/** Simulated models (`ai:{model}`). */
export const SIMULATED_MODELS = ["Transformer-v1", "LSTM-v2", "GBM-v3"] as const;

const HORIZONS = ["1h", "4h", "1d"] as const;

/** Counts that make ids unique within one run. */
let sequence = 0;

/** A trading signal from a random provider on a random symbol, priced off the market. */
export function simulatedSignal(market: Market, random: Random, now: number): Signal & { simulated: true } {
  const provider = pick(random, SIMULATED_PROVIDERS);
  const symbol = pick(random, market.symbols);
  const action = pick(random, ["buy", "buy", "sell", "sell", "hold"] as const);
  const entryPrice = market.price(symbol);
  const risk = entryPrice * (0.01 + random() * 0.02);
  const direction = action === "sell" ? -1 : 1;
  return {
    signalId: `sig-${now.toString(36)}-${++sequence}`,
    providerId: provider.id,
    providerName: provider.name,
    symbol,
    action,
    entryPrice,
    stopLoss: round(entryPrice - direction * risk),
    takeProfit: round(entryPrice + direction * risk * 2),
    confidence: round(0.55 + random() * 0.4),
    timestamp: new Date(now).toISOString(),
    simulated: true,
  };
}

/** An AI model decision on a random symbol, in the transparency dashboard's shape. */
export function simulatedDecision(market: Market, random: Random, now: number): AiDecision & { simulated: true } {
  const model = pick(random, SIMULATED_MODELS);
  const symbol = pick(random, market.symbols);
  const direction = pick(random, ["up", "down", "flat"] as const);
  const price = market.price(symbol);
  const move = direction === "up" ? 1 + random() * 0.02 : direction === "down" ? 1 - random() * 0.02 : 1;
  const confidence = round(0.5 + random() * 0.45);
  return {
    id: `dec-${now.toString(36)}-${++sequence}`,
    model_name: model,
    symbol,
    prediction: { direction, confidence, price_target: round(price * move), time_horizon: pick(random, HORIZONS) },
    reasoning: `${direction === "flat" ? "No clear trend" : direction === "up" ? "Bullish momentum" : "Bearish momentum"} on ${symbol} (simulated).`,
    outcome: "pending",
    timestamp: new Date(now).toISOString(),
    simulated: true,
  };
}

/** Performance metrics of the simulated strategy, with the gateway's real connection count and latency. */
export function simulatedMetrics(random: Random, now: number, live: { connections: number; latencyMs: number; trades: number; totalReturn: number }): PerformanceMetrics & { simulated: true } {
  return {
    // The demo account's own figure (a ratio), so that it agrees with its total P&L.
    period: "all",
    total_return: live.totalReturn,
    sharpe_ratio: round(1.4 + random() * 0.8),
    max_drawdown: round(-1 - random() * 3),
    win_rate: round(55 + random() * 15, 1),
    profit_factor: round(1.4 + random() * 0.7),
    total_trades: live.trades,
    api_latency_ms: round(live.latencyMs, 1),
    websocket_connections: live.connections,
    timestamp: new Date(now).toISOString(),
    simulated: true,
  };
}
