import { Counter, type Registry } from "prom-client";
import { pino } from "pino";
import type { Logger } from "../observability/logger.js";

/** Which limit decided locally. */
export type LimitKind = "connections" | "rate";

/**
 * What the shared limits report while Redis is unreachable: a counter of decisions
 * taken locally instead, and one warning per outage (not one per decision).
 */
export class LimitFallbacks {
  /** `tickwire_limit_fallbacks_total{limit}`: decisions taken by the local limiter because Redis did not answer. */
  readonly counter: Counter<"limit">;
  private readonly degraded = new Set<LimitKind>();
  private readonly logger: Logger;

  constructor(options: { registry?: Registry; logger?: Logger } = {}) {
    this.logger = options.logger ?? pino({ level: "silent" });
    this.counter = new Counter({
      name: "tickwire_limit_fallbacks_total",
      help: "Connection and rate limit decisions taken by this node alone because Redis did not answer.",
      labelNames: ["limit"],
      registers: options.registry ? [options.registry] : [],
    });
  }

  /** A decision was taken locally; warns on the first one of an outage. */
  fellBack(limit: LimitKind, err: unknown): void {
    this.counter.inc({ limit });
    if (this.degraded.has(limit)) return;
    this.degraded.add(limit);
    this.logger.warn({ err, limit }, "Redis unreachable: limits enforced per node until it answers again");
  }

  /** Redis answered again. */
  recovered(limit: LimitKind): void {
    if (!this.degraded.delete(limit)) return;
    this.logger.info({ limit }, "Redis answers again: limits shared across nodes");
  }

  /** Decisions taken locally so far. */
  async count(limit: LimitKind): Promise<number> {
    const { values } = await this.counter.get();
    return values.find((v) => v.labels.limit === limit)?.value ?? 0;
  }
}
