import type { GatewayMetrics } from "./metrics.js";

/** What the series read of the local fan-out (core/hub.ts's Hub): each dispatch, and subscribers per channel. */
export interface FanoutFigures {
  onDispatch: ((channel: string) => void) | undefined;
  subscriberCounts(): Array<[channel: string, subscribers: number]>;
}

/** One point of the ops page's charts: figures of one sampling interval. */
export interface SeriesPoint {
  /** End of the interval, ms since the epoch. */
  readonly ts: number;
  readonly connections: number;
  readonly publicationsPerSecond: number;
  readonly deliveriesPerSecond: number;
  /** The gateway's own delivery latency in the interval (0 without deliveries). */
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Deliveries a conflation interval held on purpose, apart. */
  readonly conflatedLatencyP99Ms: number;
  /** Sockets disconnected as slow consumers in the interval. */
  readonly slowConsumers: number;
}

/** A channel in the ops page's top lists. */
export interface ChannelFigures {
  readonly channel: string;
  readonly subscribers: number;
  /** Publications per second with local subscribers, over the last interval. */
  readonly perSecond: number;
}

const sum = (map: Map<string, number>): number => {
  let n = 0;
  for (const v of map.values()) n += v;
  return n;
};

/**
 * The last `windowMs` of a node's figures, one point per `intervalMs`, kept in
 * the node (a reload of the ops page keeps its history), and the channels' rates.
 */
export class OpsSeries {
  private readonly points: SeriesPoint[] = [];
  private readonly capacity: number;
  private timer: NodeJS.Timeout | undefined;
  private last: { ts: number; publications: number; deliveries: number; slow: number };
  /** Publications per channel in the current interval, and the last complete interval's. */
  private counting = new Map<string, number>();
  private rates = new Map<string, number>();

  constructor(
    private readonly deps: { metrics: GatewayMetrics; registry: { readonly connectionCount: number }; hub: FanoutFigures; now: () => number },
    readonly intervalMs: number,
    windowMs = 10 * 60_000,
  ) {
    this.capacity = Math.max(1, Math.ceil(windowMs / intervalMs));
    this.last = this.totals(deps.now());
    deps.hub.onDispatch = (channel) => this.counting.set(channel, (this.counting.get(channel) ?? 0) + 1);
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Oldest first. */
  series(): { intervalMs: number; points: readonly SeriesPoint[] } {
    return { intervalMs: this.intervalMs, points: [...this.points] };
  }

  /** The channels with the most local subscribers, and the busiest ones, `limit` each. */
  topChannels(limit: number): { bySubscribers: ChannelFigures[]; byRate: ChannelFigures[] } {
    const figures = this.deps.hub.subscriberCounts().map(([channel, subscribers]) => ({ channel, subscribers, perSecond: this.rates.get(channel) ?? 0 }));
    const by = (key: "subscribers" | "perSecond") => [...figures].sort((a, b) => b[key] - a[key] || a.channel.localeCompare(b.channel)).slice(0, limit);
    return { bySubscribers: by("subscribers"), byRate: by("perSecond").filter((c) => c.perSecond > 0) };
  }

  /** Takes one point (the timer calls it every intervalMs). */
  sample(): SeriesPoint {
    const { metrics, registry, now } = this.deps;
    const current = this.totals(now());
    const seconds = Math.max(0.001, (current.ts - this.last.ts) / 1000);
    const latency = take(metrics, "windowLatency");
    const conflated = take(metrics, "windowConflatedLatency");
    const point: SeriesPoint = {
      ts: current.ts,
      connections: registry.connectionCount,
      publicationsPerSecond: round((current.publications - this.last.publications) / seconds),
      deliveriesPerSecond: round((current.deliveries - this.last.deliveries) / seconds),
      latencyP50Ms: latency.p50,
      latencyP99Ms: latency.p99,
      conflatedLatencyP99Ms: conflated.p99,
      slowConsumers: current.slow - this.last.slow,
    };
    this.last = current;
    this.rates = new Map([...this.counting].map(([channel, n]) => [channel, round(n / seconds)]));
    this.counting = new Map();
    this.points.push(point);
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
    return point;
  }

  private totals(ts: number): { ts: number; publications: number; deliveries: number; slow: number } {
    const t = this.deps.metrics.totals;
    return { ts, publications: sum(t.publications), deliveries: sum(t.deliveries), slow: t.slowConsumerDisconnects };
  }
}

/** The interval's samples, and a fresh reservoir for the next one. */
function take(metrics: GatewayMetrics, key: "windowLatency" | "windowConflatedLatency"): { p50: number; p99: number } {
  const summary = metrics[key].summary();
  metrics[key].reset();
  return summary;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
