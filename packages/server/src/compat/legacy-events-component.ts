import type { ComponentContext, GatewayComponent } from "../core/component.js";
import { registerHeartbeatEvents } from "./heartbeat-events.js";
import { LegacySubscriber } from "./legacy-subscriber.js";
import { registerMyStocksEvents } from "./mystocks-events.js";
import { registerRrrEvents } from "./rrr-events.js";
import { registerStackMotiveEvents } from "./stackmotive-events.js";
import { registerTradeCopierEvents } from "./trade-copier-events.js";

/**
 * The legacy compatibility layer: the client events of the platforms Tickwire
 * replaces (StackMotive, the trade copier, MyStocks, RRRalgorithms), mapped onto
 * Tickwire's channels; see docs/legacy-clients.md. On unless `legacyEvents` is false.
 * @example
 * const gw = await createGateway(options, { components: [new LegacyEventsComponent()] });
 */
export class LegacyEventsComponent implements GatewayComponent {
  readonly name = "legacy-events";
  /** Legacy clients read the inbox too. */
  readonly startsAfter = ["notifications"];

  register(ctx: ComponentContext): void {
    const subscriber = new LegacySubscriber(ctx.subscriptions);
    registerStackMotiveEvents(ctx.router, subscriber);
    registerTradeCopierEvents(ctx.router, subscriber);
    registerMyStocksEvents(ctx.router, subscriber);
    registerRrrEvents(ctx.router, subscriber);
    registerHeartbeatEvents(ctx.router);
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
