import { TickwireError } from "@tickwire/protocol";
import type { ComponentContext, GatewayComponent } from "../core/component.js";
import type { PublishRequest } from "../core/publisher.js";
import type { Logger } from "../observability/logger.js";
import { systemTimers, type Timers } from "../streams/timers.js";
import { DemoAccount, type SimulatedTrade } from "./demo-account.js";
import { Market } from "./market.js";
import { between, type Random } from "./random.js";
import { simulatedDecision, simulatedMetrics, simulatedSignal } from "./research.js";

/** Cadences and sources of the simulator; every interval is picked at random in [min, max]. */
export interface SimulatorOptions {
  /** Symbols quoted (a subset of the simulated instruments). @default all eight: AAPL MSFT NVDA TSLA AMZN SPY BTC-USD ETH-USD */
  readonly symbols?: readonly string[];
  /**
   * Quote only symbols someone watches: a symbol's quotes are published while its
   * `quotes:` channel is announced occupied (docs/backend-hooks.md, "Occupancy hook";
   * `quotes` must be among the occupancy namespaces). @default false
   */
  readonly onDemand?: boolean;
  /** Time between two quotes of one symbol. @default [250, 500] */
  readonly quoteMs?: readonly [number, number];
  /** Time between two signals. @default [8000, 15000] */
  readonly signalMs?: readonly [number, number];
  /** Time between two AI decisions. @default [10000, 20000] */
  readonly decisionMs?: readonly [number, number];
  /** Time between two performance-metrics updates. @default [5000, 5000] */
  readonly metricsMs?: readonly [number, number];
  /** Time between two orders of the demo account. @default [6000, 12000] */
  readonly orderMs?: readonly [number, number];
  /** Time an order waits before it fills or fails. @default [300, 1500] */
  readonly fillMs?: readonly [number, number];
  /** Time between two portfolio revaluations. @default [1000, 1000] */
  readonly portfolioMs?: readonly [number, number];
  /** Chance that a filled order also notifies the demo user (failed orders always do). @default 0.25 */
  readonly notifyChance?: number;
  /** Least time between two notifications of the demo user; orders settled meanwhile notify nobody (their trades still show). @default 60000 */
  readonly notifyMinMs?: number;
  /** The demo user. @default "demo" */
  readonly userId?: string;
  /** Random source; tests pass seededRandom(n). @default Math.random */
  readonly random?: Random;
  /** Clock of the payloads' timestamps. @default Date.now */
  readonly now?: () => number;
  /** Timers of the cadences; tests drive them by hand. @default systemTimers */
  readonly timers?: Timers;
}

/**
 * A believable market and demo account for development and demos: random-walk
 * quotes, signals, AI decisions, performance metrics, and the `demo` user's
 * orders (trades:demo), portfolio (portfolio:demo) and an occasional
 * notification. It publishes through the gateway's publisher like any other
 * publisher, and every payload carries `simulated: true`.
 */
export class Simulator implements GatewayComponent {
  readonly name = "simulator";
  /** Its publications pass the streams' rules, and its notifications find the inbox. */
  readonly startsAfter = ["streams", "notifications"];
  private readonly random: Random;
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly handles = new Set<unknown>();
  private readonly market: Market;
  private readonly account: DemoAccount;
  private ctx!: ComponentContext;
  private logger!: Logger;
  private running = false;
  private trades = 0;
  private lastNotifiedAt = -Infinity;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? systemTimers;
    this.market = new Market(this.random, this.now);
    this.account = new DemoAccount(options.userId ?? "demo", this.market, this.random, this.now);
  }

  async start(ctx: ComponentContext): Promise<void> {
    this.ctx = ctx;
    this.logger = ctx.logger.child({ component: this.name });
    this.running = true;
    const o = this.options;
    for (const symbol of o.symbols ?? this.market.symbols) {
      const channel = `quotes:${symbol}`;
      this.every(o.quoteMs ?? [250, 500], async () => {
        if (o.onDemand === true && !(await this.watched(channel))) return;
        await this.publish({ channel, data: this.market.tick(symbol) });
      });
    }
    this.every(o.signalMs ?? [8000, 15000], () => {
      const signal = simulatedSignal(this.market, this.random, this.now());
      return this.publish({ channel: `signals:${signal.providerId}`, data: signal });
    });
    this.every(o.decisionMs ?? [10_000, 20_000], () => {
      const decision = simulatedDecision(this.market, this.random, this.now());
      return this.publish({ channel: `ai:${decision.model_name}`, data: decision });
    });
    this.every(o.metricsMs ?? [5000, 5000], () => {
      const live = { connections: ctx.registry.connectionCount, latencyMs: ctx.metrics.latency.summary().p50, trades: this.trades, totalReturn: this.account.totalReturn() };
      return this.publish({ channel: "metrics", data: simulatedMetrics(this.random, this.now(), live) });
    });
    this.every(o.orderMs ?? [6000, 12_000], () => this.order());
    this.every(o.portfolioMs ?? [1000, 1000], () => this.publish({ channel: `portfolio:${this.account.userId}`, data: this.account.portfolio() }));
    this.logger.info("simulator started (simulated market data, labelled `simulated: true`)");
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const handle of this.handles) this.timers.clearTimeout(handle);
    this.handles.clear();
  }

  /** Whether someone anywhere subscribes `channel` (its announced occupancy); false while that cannot be read. */
  private async watched(channel: string): Promise<boolean> {
    try {
      return await this.ctx.occupancy.occupied(channel);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, channel }, "occupancy cannot be read; quote skipped");
      return false;
    }
  }

  /** Places an order now and settles it after the fill delay. */
  private async order(): Promise<void> {
    const order = this.account.placeOrder();
    await this.publish({ channel: `trades:${this.account.userId}`, data: order });
    this.after(this.options.fillMs ?? [300, 1500], async () => {
      const settled = this.account.settle(order);
      this.trades++;
      await this.publish({ channel: `trades:${this.account.userId}`, data: settled, event: settled.status === "executed" ? "trade:executed" : "trade:failed" });
      await this.publish({ channel: `portfolio:${this.account.userId}`, data: this.account.portfolio() });
      const wanted = settled.status === "failed" || this.random() < (this.options.notifyChance ?? 0.25);
      // A demo inbox that fills faster than anyone reads it teaches nothing: at most one per notifyMinMs.
      if (wanted && this.now() - this.lastNotifiedAt >= (this.options.notifyMinMs ?? 60_000)) await this.notify(settled);
    });
  }

  /** Tells the demo user about an order; skipped quietly while no notification inbox runs. */
  private async notify(trade: SimulatedTrade): Promise<void> {
    const verb = trade.side === "buy" ? "Bought" : "Sold";
    const data =
      trade.status === "executed"
        ? { type: "success", title: "Order filled", message: `${verb} ${trade.quantity} ${trade.symbol} at ${trade.executedPrice} (simulated).` }
        : { type: "warning", title: "Order failed", message: `${trade.side === "buy" ? "Buy" : "Sell"} ${trade.quantity} ${trade.symbol} failed: ${trade.reason ?? "unknown"} (simulated)` };
    try {
      await this.ctx.publisher.publish({ channel: `notifications:${this.account.userId}`, data: { ...data, data: { tradeId: trade.tradeId, symbol: trade.symbol, simulated: true } } });
      this.lastNotifiedAt = this.now();
    } catch (err) {
      if (err instanceof TickwireError && err.code === "UNAVAILABLE") return;
      this.logger.warn({ err: (err as Error).message }, "simulated notification refused");
    }
  }

  private async publish(request: PublishRequest): Promise<void> {
    if (!this.running) return;
    try {
      await this.ctx.publisher.publish(request);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, channel: request.channel }, "simulated publication refused");
    }
  }

  /** Runs `task` again and again, each time after a random delay in [min, max]. */
  private every([min, max]: readonly [number, number], task: () => Promise<void>): void {
    const loop = (): void => {
      this.after([min, max], async () => {
        loop();
        await task();
      });
    };
    loop();
  }

  /** Runs `task` once after a random delay in [min, max]. */
  private after([min, max]: readonly [number, number], task: () => Promise<void>): void {
    if (!this.running) return;
    const handle = this.timers.setTimeout(() => {
      this.handles.delete(handle);
      if (this.running) void task().catch((err: unknown) => this.logger.error({ err }, "simulator task failed"));
    }, between(this.random, min, max));
    this.handles.add(handle);
  }
}
