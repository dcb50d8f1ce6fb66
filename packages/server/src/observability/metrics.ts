import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { LatencyReservoir } from "./latency-reservoir.js";
import { RateMeter } from "./rate-meter.js";

/**
 * Prometheus metrics of one gateway (its own registry, so several gateways can
 * live in one process) plus the running figures `/api/v1/stats` reports.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly connections: Gauge;
  readonly subscriptions: Gauge<"namespace">;
  readonly publications: Counter<"namespace">;
  readonly deliveries: Counter<"namespace">;
  readonly deliveryLatency: Histogram<"namespace">;
  readonly authFailures: Counter<"reason">;
  readonly rateLimited: Counter;
  readonly refusedEvents: Counter<"code">;
  readonly conflated: Counter<"namespace">;
  readonly superseded: Counter<"namespace">;
  readonly slowConsumerDisconnects: Counter;
  readonly deliveryFailures: Counter<"namespace">;
  readonly skippedStored: Counter<"reason">;
  readonly unhandledRejections: Counter;
  readonly resumed: Counter<"kind">;
  readonly resumeFailures: Counter<"reason">;
  readonly replayed: Counter<"namespace">;
  readonly possibleDuplicates: Counter<"namespace">;
  readonly publicationsMeter = new RateMeter();
  readonly deliveriesMeter = new RateMeter();
  readonly latency = new LatencyReservoir();
  readonly totals = {
    publications: new Map<string, number>(),
    deliveries: new Map<string, number>(),
    rateLimited: 0,
    slowConsumerDisconnects: 0,
    conflated: 0,
    superseded: 0,
  };

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "tickwire_" });
    this.connections = new Gauge({ name: "tickwire_connections", help: "Open client connections.", registers });
    this.subscriptions = new Gauge({ name: "tickwire_subscriptions", help: "Channel subscriptions by namespace.", labelNames: ["namespace"], registers });
    this.publications = new Counter({ name: "tickwire_publications_total", help: "Publications accepted, by namespace.", labelNames: ["namespace"], registers });
    this.deliveries = new Counter({ name: "tickwire_deliveries_total", help: "Publications written to sockets, by namespace.", labelNames: ["namespace"], registers });
    this.deliveryLatency = new Histogram({
      name: "tickwire_delivery_latency_seconds",
      help: "Time from publish to socket write.",
      labelNames: ["namespace"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.authFailures = new Counter({ name: "tickwire_auth_failures_total", help: "Refused connections, by reason.", labelNames: ["reason"], registers });
    this.rateLimited = new Counter({ name: "tickwire_rate_limited_total", help: "Client events refused with RATE_LIMITED.", registers });
    this.refusedEvents = new Counter({ name: "tickwire_refused_events_total", help: "Client events answered with an error, by code.", labelNames: ["code"], registers });
    this.conflated = new Counter({ name: "tickwire_conflated_total", help: "State publications skipped by conflation or batching.", labelNames: ["namespace"], registers });
    this.superseded = new Counter({ name: "tickwire_superseded_total", help: "Queued state publications replaced by a newer one for a slow socket.", labelNames: ["namespace"], registers });
    this.slowConsumerDisconnects = new Counter({ name: "tickwire_slow_consumer_disconnects_total", help: "Sockets disconnected because their outbound queue overflowed.", registers });
    this.deliveryFailures = new Counter({
      name: "tickwire_delivery_failures_total",
      help: "Publications that could not be written to their subscribers (who were told to resync), by namespace.",
      labelNames: ["namespace"],
      registers,
    });
    this.skippedStored = new Counter({
      name: "tickwire_skipped_stored_publications_total",
      help: "Stored publications left out of history reads and replays because they cannot be read back (unreadable) or delivered (too_deep).",
      labelNames: ["reason"],
      registers,
    });
    this.resumed = new Counter({ name: "tickwire_sessions_resumed_total", help: "Sessions resumed by a reconnecting client, by how their positions were found (exact: journal; checkpoint: after a crash).", labelNames: ["kind"], registers });
    this.resumeFailures = new Counter({ name: "tickwire_resume_failures_total", help: "Handshakes with a pid that did not resume, by reason.", labelNames: ["reason"], registers });
    this.replayed = new Counter({ name: "tickwire_resume_replayed_total", help: "Publications replayed to resumed sessions, by namespace.", labelNames: ["namespace"], registers });
    this.possibleDuplicates = new Counter({
      name: "tickwire_resume_possible_duplicates_total",
      help: "Publications replayed after a crash that the client may already have had (an upper bound; 0 unless a node crashed), by namespace.",
      labelNames: ["namespace"],
      registers,
    });
    this.unhandledRejections = new Counter({ name: "tickwire_unhandled_rejections_total", help: "Promise rejections nothing handled (logged; the process carries on).", registers });
  }

  /** Counts one accepted publication. */
  published(namespace: string): void {
    this.publications.inc({ namespace });
    this.publicationsMeter.mark();
    bump(this.totals.publications, namespace, 1);
  }

  /** Counts `count` socket writes of one publication published at `ts`; `live` ones also feed the latency figures. */
  delivered(namespace: string, count: number, ts: number, now: number, live = true): void {
    if (count === 0) return;
    this.deliveries.inc({ namespace }, count);
    this.deliveriesMeter.mark(count);
    bump(this.totals.deliveries, namespace, count);
    if (!live) return;
    const latencyMs = Math.max(0, now - ts);
    this.deliveryLatency.observe({ namespace }, latencyMs / 1000);
    this.latency.add(latencyMs);
  }

  rateLimitedEvent(): void {
    this.rateLimited.inc();
    this.totals.rateLimited++;
  }

  conflatedPublication(namespace: string, n = 1): void {
    this.conflated.inc({ namespace }, n);
    this.totals.conflated += n;
  }

  supersededPublication(namespace: string, n = 1): void {
    this.superseded.inc({ namespace }, n);
    this.totals.superseded += n;
  }

  slowConsumer(): void {
    this.slowConsumerDisconnects.inc();
    this.totals.slowConsumerDisconnects++;
  }
}

function bump(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}
