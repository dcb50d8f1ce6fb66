import type { ComponentContext, GatewayComponent } from "../core/component.js";
import { toTickwireError } from "../core/rules.js";
import type { NotificationInbox } from "../notifications/notification-inbox.js";
import { NO_RPC_BACKEND, type RpcCaller } from "../proxy/rpc-proxy.js";
import { registerHeartbeatEvents } from "./heartbeat-events.js";
import { LegacySubscriber } from "./legacy-subscriber.js";
import { openMyStocksQueue, registerMyStocksEvents } from "./mystocks-events.js";
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

  /**
   * `rpc`: where `execute:trade` and MyStocks' `request` go (the gateway's RPC proxy; without it
   * they are answered NOT_FOUND); `inbox`: StackMotive's notification reads; `rrrStreams`: the
   * RRRalgorithms stream mapping (`TICKWIRE_RRR_STREAMS`).
   */
  constructor(private readonly parts: { readonly rpc?: RpcCaller; readonly inbox?: () => NotificationInbox | undefined; readonly rrrStreams?: Readonly<Record<string, string>> } = {}) {}
  /** Legacy clients read the inbox too. */
  readonly startsAfter = ["notifications"];

  register(ctx: ComponentContext): void {
    const subscriber = new LegacySubscriber(ctx.subscriptions);
    registerStackMotiveEvents(ctx.router, subscriber, this.parts.inbox ?? (() => undefined));
    registerTradeCopierEvents(ctx.router, subscriber, this.parts.rpc ?? NO_RPC_BACKEND);
    registerMyStocksEvents(ctx.router, subscriber, this.parts.rpc ?? NO_RPC_BACKEND);
    registerRrrEvents(ctx.router, subscriber, this.parts.rrrStreams);
    registerHeartbeatEvents(ctx.router);
    ctx.onSessionOpen((session) => {
      if (session.platform !== "mystocks" || session.closed) return;
      openMyStocksQueue(subscriber, session).catch((err: unknown) => {
        // The queue stays in the inbox: it is sent on the next connection.
        ctx.logger.warn({ err, userId: session.userId }, "the offline queue of a MyStocks connection could not be opened");
        if (!session.closed) session.connection.emit("error", { code: toTickwireError(err).code, message: "Your offline messages could not be sent now; they are kept for your next connection.", event: "connect" });
      });
    });
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
