import type { GatewayComponent } from "../core/component.js";
import type { Gateway } from "../gateway.js";
import { NotificationService } from "../notifications/notification-service.js";
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

  register(gateway: Gateway): void {
    const subscriber = new LegacySubscriber(gateway.subscriptions);
    const notifications = gateway.components.find((c): c is NotificationService => c instanceof NotificationService);
    registerStackMotiveEvents(gateway.router, subscriber, () => notifications?.inbox);
    registerTradeCopierEvents(gateway.router, subscriber, gateway.rpcProxy);
    registerMyStocksEvents(gateway.router, subscriber, gateway.rpcProxy);
    registerRrrEvents(gateway.router, subscriber, gateway.options.rrrStreams);
    registerHeartbeatEvents(gateway.router);
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
