import type { ComponentContext, GatewayComponent } from "../core/component.js";
import { aggregateCopies } from "./aggregate-copies.js";
import { payloadRules } from "./payload-rules.js";

/**
 * The trading streams' publish rules: payload checks of the documented
 * channels and the copies of keyed signals and decisions to their aggregate
 * channel. Every publisher (HTTP, Redis ingest, feed, simulator) passes them.
 */
export class StreamsComponent implements GatewayComponent {
  readonly name = "streams";

  register(ctx: ComponentContext): void {
    ctx.publisher.use(payloadRules);
    ctx.publisher.use(aggregateCopies());
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
