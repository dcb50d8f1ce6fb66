import { newTraceId } from "../core/publisher.js";
import type { OccupancyChange } from "../core/occupancy.js";
import type { Logger } from "../observability/logger.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import type { BackendPost } from "./backend-post.js";

/** The body POSTed to the occupancy backend (docs/backend-hooks.md, "Occupancy hook"). */
export interface OccupancyHookRequest {
  readonly channel: string;
  readonly namespace: string;
  readonly occupied: boolean;
  readonly ts: number;
  readonly traceId: string;
}

/**
 * Tells the platform's backend about each occupancy transition, once across the
 * deployment: a JSON POST through the backend POST helper (timeout, breaker). The
 * answer is not used beyond success; failures are logged and counted and never
 * retried (the next transition of the channel is sent as usual) and never hold a subscribe.
 */
export class OccupancyHook {
  /** Calls not answered yet (shutdown waits for them). */
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly options: { readonly url: string; readonly post: BackendPost; readonly logger: Logger; readonly metrics: GatewayMetrics },
  ) {}

  /** The tracker's listener. */
  readonly notify = (change: OccupancyChange): void => {
    const call = this.send(change).finally(() => this.inflight.delete(call));
    this.inflight.add(call);
  };

  /** Resolves once every call made so far was answered or failed. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private async send(change: OccupancyChange): Promise<void> {
    const traceId = newTraceId();
    const body: OccupancyHookRequest = { channel: change.channel, namespace: change.namespace, occupied: change.occupied, ts: change.ts, traceId };
    try {
      const answer = await this.options.post.call(this.options.url, body, traceId);
      if ("error" in answer) throw new Error(`the backend answered error ${answer.error.code}: ${answer.error.message}`);
      this.options.metrics.occupancyHookCalls.inc({ result: "ok" });
    } catch (err) {
      this.options.metrics.occupancyHookCalls.inc({ result: "failed" });
      this.options.logger.warn({ traceId, channel: change.channel, occupied: change.occupied, err: (err as Error).message }, "occupancy hook failed");
    }
  }
}
