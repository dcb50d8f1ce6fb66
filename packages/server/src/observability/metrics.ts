import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { LatencyReservoir } from "./latency-reservoir.js";
import { RateMeter } from "./rate-meter.js";

/** What a feed (upstream WebSocket, Redis ingest) reports in `/api/v1/stats` `feeds`. */
export interface FeedState {
  readonly name: string;
  /** `connecting`, `connected`, `running`, `reconnecting`, `stopped`, … */
  readonly state: string;
  /** Circuit-breaker state: `closed`, `open`, `halfOpen`, or `none` for a feed without one. */
  readonly breaker: string;
  readonly received: number;
  readonly errors: number;
}

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
  readonly httpRequests: Counter<"method" | "route" | "status_code">;
  readonly httpRequestDuration: Histogram<"method" | "route" | "status_code">;
  readonly storeOperationDuration: Histogram<"operation">;
  readonly storeErrors: Counter<"operation">;
  readonly conflatedDeliveryLatency: Histogram<"namespace">;
  readonly feedMessages: Counter<"feed">;
  readonly feedErrors: Counter<"feed">;
  readonly feedBreaker: Gauge<"feed">;
  readonly buildInfo: Gauge<"version" | "node_version">;
  /** Latency of deliveries a conflation interval held on purpose (navigator quotes): apart, so `latency` is the gateway's own. */
  readonly conflatedLatency = new LatencyReservoir();
  /** Latency samples since the ops series last took them (one point of the ops page's chart). */
  readonly windowLatency = new LatencyReservoir(4096);
  readonly windowConflatedLatency = new LatencyReservoir(1024);
  private feeds: () => readonly FeedState[] = () => [];
  readonly resumed: Counter<"kind">;
  readonly resumeFailures: Counter<"reason">;
  readonly replayed: Counter<"namespace">;
  readonly possibleDuplicates: Counter<"namespace">;
  readonly occupancyChanges: Counter<"occupied">;
  readonly occupancyErrors: Counter;
  readonly occupancyHookCalls: Counter<"result">;
  readonly subscribeRefreshes: Counter<"result">;
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

  constructor(options: { processMetrics?: "standard" | "prefixed" | "both" | "off"; version?: string } = {}) {
    const registers = [this.registry];
    // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …) are what the common Node.js dashboards read.
    const processMetrics = options.processMetrics ?? "off";
    if (processMetrics === "standard" || processMetrics === "both") collectDefaultMetrics({ register: this.registry });
    if (processMetrics === "prefixed" || processMetrics === "both") collectDefaultMetrics({ register: this.registry, prefix: "tickwire_" });
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
    this.occupancyChanges = new Counter({ name: "tickwire_occupancy_changes_total", help: "Occupancy transitions this node announced (first subscriber anywhere: true, last one gone: false).", labelNames: ["occupied"], registers });
    this.occupancyErrors = new Counter({ name: "tickwire_occupancy_errors_total", help: "Occupancy updates that failed (the state could not be written or read; retried on the next change or renewal).", registers });
    this.occupancyHookCalls = new Counter({ name: "tickwire_occupancy_hook_calls_total", help: "Calls of the occupancy hook, by result (ok, failed).", labelNames: ["result"], registers });
    this.subscribeRefreshes = new Counter({
      name: "tickwire_proxy_subscribe_refreshes_total",
      help: "Live subscriptions asked about again by the subscribe proxy, by result (allowed, refused: ended; failed: the backend could not answer and the subscription was kept).",
      labelNames: ["result"],
      registers,
    });
    this.unhandledRejections = new Counter({ name: "tickwire_unhandled_rejections_total", help: "Promise rejections nothing handled (logged; the process carries on).", registers });
    const http = ["method", "route", "status_code"] as const;
    this.httpRequests = new Counter({ name: "tickwire_http_requests_total", help: "HTTP requests answered, by method, route (the matched pattern) and status code.", labelNames: http, registers });
    this.httpRequestDuration = new Histogram({
      name: "tickwire_http_request_duration_seconds",
      help: "Time from an HTTP request's arrival to its answer, by method, route and status code.",
      labelNames: http,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.storeOperationDuration = new Histogram({
      name: "tickwire_store_operation_duration_seconds",
      help: "Time of one store operation (SQLite or PostgreSQL), failed ones included, by operation.",
      labelNames: ["operation"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.storeErrors = new Counter({ name: "tickwire_store_errors_total", help: "Store operations that failed, by operation.", labelNames: ["operation"], registers });
    this.conflatedDeliveryLatency = new Histogram({
      name: "tickwire_conflated_delivery_latency_seconds",
      help: "Time from publish to socket write of publications a conflation interval held on purpose (kept out of tickwire_delivery_latency_seconds).",
      labelNames: ["namespace"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    // Feed figures are read from the feeds at scrape time: one source for stats and metrics.
    const received = new Map<string, number>();
    const errors = new Map<string, number>();
    const feeds = (): readonly FeedState[] => this.feeds();
    const advance = (counter: Counter<"feed">, seen: Map<string, number>, pick: (f: FeedState) => number): void => {
      for (const feed of feeds()) {
        const now = pick(feed);
        const before = seen.get(feed.name) ?? 0;
        if (now > before) counter.inc({ feed: feed.name }, now - before);
        else if (!seen.has(feed.name)) counter.inc({ feed: feed.name }, 0);
        seen.set(feed.name, Math.max(now, before));
      }
    };
    this.feedMessages = new Counter({
      name: "tickwire_feed_messages_total",
      help: "Messages received from upstream feeds and the Redis stream ingest, by feed.",
      labelNames: ["feed"],
      registers,
      collect() {
        advance(this, received, (f) => f.received);
      },
    });
    this.feedErrors = new Counter({
      name: "tickwire_feed_errors_total",
      help: "Feed and ingest messages that could not be published (malformed, refused), by feed.",
      labelNames: ["feed"],
      registers,
      collect() {
        advance(this, errors, (f) => f.errors);
      },
    });
    this.feedBreaker = new Gauge({
      name: "tickwire_feed_breaker_state",
      help: "Circuit breaker of each feed: 0 closed (or none), 1 half-open, 2 open.",
      labelNames: ["feed"],
      registers,
      collect() {
        for (const feed of feeds()) this.set({ feed: feed.name }, feed.breaker === "open" ? 2 : feed.breaker === "halfOpen" ? 1 : 0);
      },
    });
    this.buildInfo = new Gauge({ name: "tickwire_build_info", help: "Always 1; the labels name the running version.", labelNames: ["version", "node_version"], registers });
    this.buildInfo.set({ version: options.version ?? "unknown", node_version: process.version }, 1);
  }

  /** Where the feed figures come from (the gateway's components). */
  watchFeeds(feeds: () => readonly FeedState[]): void {
    this.feeds = feeds;
  }

  /** Times one store operation. */
  async timeStore<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const end = this.storeOperationDuration.startTimer({ operation });
    try {
      return await run();
    } catch (err) {
      this.storeErrors.inc({ operation });
      throw err;
    } finally {
      end();
    }
  }

  /** Counts one accepted publication. */
  published(namespace: string): void {
    this.publications.inc({ namespace });
    this.publicationsMeter.mark();
    bump(this.totals.publications, namespace, 1);
  }

  /**
   * Counts `count` socket writes of one publication published at `ts`; `live` ones also feed the latency figures,
   * `deferred` ones (held by a conflation interval on purpose) the conflated latency figures instead.
   */
  delivered(namespace: string, count: number, ts: number, now: number, live = true, deferred = false): void {
    if (count === 0) return;
    this.deliveries.inc({ namespace }, count);
    this.deliveriesMeter.mark(count);
    bump(this.totals.deliveries, namespace, count);
    if (!live) return;
    const latencyMs = Math.max(0, now - ts);
    if (deferred) {
      this.conflatedDeliveryLatency.observe({ namespace }, latencyMs / 1000);
      this.conflatedLatency.add(latencyMs);
      this.windowConflatedLatency.add(latencyMs);
      return;
    }
    this.deliveryLatency.observe({ namespace }, latencyMs / 1000);
    this.latency.add(latencyMs);
    this.windowLatency.add(latencyMs);
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
