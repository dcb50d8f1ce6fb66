import type { Quote } from "@tickwire/protocol";
import { gaussian, round, type Random } from "./random.js";

/** One simulated instrument: where it opened and how much it moves per tick. */
export interface InstrumentSpec {
  readonly open: number;
  /** Standard deviation of one tick's relative move. */
  readonly volatility: number;
}

/** The simulated instruments: five stocks, an index ETF and two crypto pairs. */
export const DEFAULT_INSTRUMENTS: Readonly<Record<string, InstrumentSpec>> = Object.freeze({
  AAPL: { open: 190.5, volatility: 0.0006 },
  MSFT: { open: 421.3, volatility: 0.0005 },
  NVDA: { open: 121.8, volatility: 0.0011 },
  TSLA: { open: 248.2, volatility: 0.0013 },
  AMZN: { open: 186.4, volatility: 0.0007 },
  SPY: { open: 561.2, volatility: 0.0003 },
  "BTC-USD": { open: 65_250, volatility: 0.0012 },
  "ETH-USD": { open: 3_210, volatility: 0.0015 },
});

interface Instrument extends InstrumentSpec {
  price: number;
  volume: number;
}

/** A simulated quote: the Quote payload, labelled. */
export type SimulatedQuote = Quote & { bid: number; ask: number; volume: number; change: number; changePercent: number; timestamp: string; simulated: true };

/**
 * A random-walk market: each tick moves a price by a small normal step
 * (mean-reverting towards the open so a long run stays believable), with a
 * spread around it and a growing session volume.
 */
export class Market {
  private readonly instruments = new Map<string, Instrument>();

  constructor(
    private readonly random: Random,
    private readonly now: () => number,
    specs: Readonly<Record<string, InstrumentSpec>> = DEFAULT_INSTRUMENTS,
  ) {
    for (const [symbol, spec] of Object.entries(specs)) this.instruments.set(symbol, { ...spec, price: spec.open, volume: 0 });
  }

  /** The simulated symbols. */
  get symbols(): string[] {
    return [...this.instruments.keys()];
  }

  /** The last price of `symbol`. */
  price(symbol: string): number {
    return this.get(symbol).price;
  }

  /** Moves `symbol` one step and returns its new quote. */
  tick(symbol: string): SimulatedQuote {
    const instrument = this.get(symbol);
    const pull = 0.02 * Math.log(instrument.open / instrument.price) * instrument.volatility * 10;
    const step = gaussian(this.random) * instrument.volatility + pull;
    instrument.price = Math.max(0.01, round(instrument.price * (1 + step), instrument.price < 10 ? 4 : 2));
    instrument.volume += 1 + Math.floor(this.random() * (symbol.endsWith("-USD") ? 20 : 800));
    return this.quote(symbol);
  }

  /** The current quote of `symbol` without moving it. */
  quote(symbol: string): SimulatedQuote {
    const { price, open, volume } = this.get(symbol);
    const halfSpread = Math.max(0.01, round(price * 0.0001));
    const change = round(price - open);
    return {
      symbol,
      price,
      bid: round(price - halfSpread),
      ask: round(price + halfSpread),
      volume,
      change,
      changePercent: round((change / open) * 100),
      timestamp: new Date(this.now()).toISOString(),
      simulated: true,
    };
  }

  private get(symbol: string): Instrument {
    const instrument = this.instruments.get(symbol);
    if (!instrument) throw new Error(`The simulator has no instrument ${symbol}.`);
    return instrument;
  }
}
