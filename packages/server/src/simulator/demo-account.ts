import type { Portfolio, Trade } from "@tickwire/protocol";
import type { Market } from "./market.js";
import { between, pick, round, type Random } from "./random.js";

/** A simulated trade event on `trades:{user}`. */
export type SimulatedTrade = Trade & { side: "buy" | "sell"; orderType: "market"; price?: number; simulated: true };

/** A simulated portfolio on `portfolio:{user}`. */
export type SimulatedPortfolio = Portfolio & { simulated: true };

interface Holding {
  quantity: number;
  avgPrice: number;
}

/** Quantity of one order by symbol: crypto trades in fractions. */
function orderQuantity(random: Random, symbol: string): number {
  if (symbol === "BTC-USD") return round(0.01 * between(random, 1, 10), 2);
  if (symbol === "ETH-USD") return round(0.1 * between(random, 1, 10), 1);
  return between(random, 1, 25);
}

/**
 * The demo user's account: cash, positions, market orders that fill at the
 * market price (or fail: not enough cash, nothing to sell, an occasional
 * broker rejection), and a portfolio revalued from the market's prices.
 */
export class DemoAccount {
  /** What was paid in when the account opened: total P&L and total return are measured against it. */
  static readonly INITIAL_CAPITAL = 100_000;
  private cash = DemoAccount.INITIAL_CAPITAL;
  private realized = 0;
  private readonly holdings = new Map<string, Holding>();
  private readonly startValue: number;
  private orders = 0;

  constructor(
    readonly userId: string,
    private readonly market: Market,
    private readonly random: Random,
    private readonly now: () => number,
  ) {
    // Positions bought before today, at other prices: the day's P&L starts at 0, the total P&L does not.
    this.holdSince("AAPL", 40, 0.91);
    this.holdSince("NVDA", 60, 0.82);
    this.holdSince("BTC-USD", 0.25, 1.04);
    this.startValue = this.totalValue();
  }

  /** A new market order, `pending` until settle. */
  placeOrder(): SimulatedTrade {
    const symbol = pick(this.random, this.market.symbols);
    const held = this.holdings.get(symbol);
    const side = held !== undefined && this.random() < 0.45 ? "sell" : "buy";
    const quantity = side === "sell" ? Math.min(held!.quantity, orderQuantity(this.random, symbol)) : orderQuantity(this.random, symbol);
    this.orders++;
    const tradeId = `sim-${this.now().toString(36)}-${this.orders}`;
    return { tradeId, userId: this.userId, symbol, side, quantity, status: "pending", orderType: "market", timestamp: this.timestamp(), simulated: true };
  }

  /** Fills `order` at the current price, or fails it with a reason. */
  settle(order: SimulatedTrade): SimulatedTrade {
    const price = this.market.price(order.symbol);
    const cost = round(price * order.quantity);
    const held = this.holdings.get(order.symbol);
    let reason: string | undefined;
    if (this.random() < 0.08) reason = "Rejected by the simulated broker.";
    else if (order.side === "buy" && cost > this.cash) reason = "Not enough cash.";
    else if (order.side === "sell" && (held === undefined || held.quantity < order.quantity)) reason = "Not enough shares to sell.";
    if (reason !== undefined) return { ...order, status: "failed", reason, timestamp: this.timestamp() };

    if (order.side === "buy") {
      const quantity = (held?.quantity ?? 0) + order.quantity;
      const avgPrice = ((held?.quantity ?? 0) * (held?.avgPrice ?? 0) + cost) / quantity;
      this.holdings.set(order.symbol, { quantity: round(quantity, 4), avgPrice: round(avgPrice, 4) });
      this.cash = round(this.cash - cost);
    } else {
      this.realized = round(this.realized + (price - held!.avgPrice) * order.quantity);
      const quantity = round(held!.quantity - order.quantity, 4);
      if (quantity <= 0) this.holdings.delete(order.symbol);
      else this.holdings.set(order.symbol, { quantity, avgPrice: held!.avgPrice });
      this.cash = round(this.cash + cost);
    }
    return { ...order, status: "executed", executedPrice: price, price, timestamp: this.timestamp() };
  }

  /** The portfolio revalued at the market's current prices. */
  portfolio(): SimulatedPortfolio {
    const positions = [...this.holdings].map(([symbol, h]) => {
      const price = this.market.price(symbol);
      const marketValue = round(price * h.quantity);
      return { symbol, quantity: h.quantity, avgPrice: round(h.avgPrice), price, marketValue, pnl: round(marketValue - h.avgPrice * h.quantity) };
    });
    const totalValue = this.totalValue();
    const dayPnl = round(totalValue - this.startValue);
    return {
      userId: this.userId,
      totalValue,
      cash: this.cash,
      positions,
      dayPnl,
      dayPnlPercent: round((dayPnl / this.startValue) * 100),
      // Realized plus unrealized, which is the value above the capital paid in.
      totalPnl: round(totalValue - DemoAccount.INITIAL_CAPITAL),
      timestamp: this.timestamp(),
      simulated: true,
    };
  }

  private totalValue(): number {
    let value = this.cash;
    for (const [symbol, h] of this.holdings) value += this.market.price(symbol) * h.quantity;
    return round(value);
  }

  /** Total P&L over the capital paid in, as a ratio (0.0541 is +5.41 %): the performance metrics' total_return. */
  totalReturn(): number {
    return round((this.totalValue() - DemoAccount.INITIAL_CAPITAL) / DemoAccount.INITIAL_CAPITAL, 4);
  }

  /** A position held since before today, bought at `basis` × today's opening price. */
  private holdSince(symbol: string, quantity: number, basis: number): void {
    const avgPrice = round(this.market.price(symbol) * basis, 4);
    this.holdings.set(symbol, { quantity, avgPrice });
    this.cash = round(this.cash - avgPrice * quantity);
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}
