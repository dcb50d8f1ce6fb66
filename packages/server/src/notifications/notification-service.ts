import { TickwireError } from "@tickwire/protocol";
import type { ComponentContext, GatewayComponent } from "../core/component.js";
import { ApiKeyChecker } from "../http/api-auth.js";
import { registerNotificationEvents } from "./notification-events.js";
import { InboxSource } from "./inbox-source.js";
import { NotificationInbox } from "./notification-inbox.js";
import { DEFAULT_NOTIFICATION_OPTIONS, type NotificationServiceOptions } from "./notification-options.js";
import type { NotificationDataLimits } from "./notification-input.js";
import { registerNotificationRoutes } from "./notification-routes.js";

/**
 * The notification inbox as a gateway component: serves `notifications:{user}`
 * channels (InboxSource, registered as the source of kind `inbox`), the `/api/v1/notifications` routes and the
 * `notifications:*` client events, and deletes expired notifications.
 * @example
 * const gw = await createGateway(options, { components: [new NotificationService({ dedupWindowMs: 60_000 })] });
 */
export class NotificationService implements GatewayComponent {
  readonly name = "notifications";
  /** Notifications pass the streams' publish rules like every publication. */
  readonly startsAfter = ["streams"];
  readonly options: NotificationServiceOptions;
  private inboxValue: NotificationInbox | undefined;
  private sourceValue: InboxSource | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pruning: Promise<unknown> | undefined;

  constructor(options: Partial<NotificationServiceOptions> = {}) {
    const merged = { ...DEFAULT_NOTIFICATION_OPTIONS };
    for (const [key, value] of Object.entries(options)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    for (const key of ["dedupWindowMs", "retentionMs", "maxPerUser", "pruneIntervalMs", "maxDataBytes", "maxDataDepth", "defaultListLimit", "relayHoldMs"] as const) {
      if (!Number.isInteger(merged[key]) || merged[key] < 0) throw new Error(`NotificationService: ${key} must be a whole number ≥ 0.`);
    }
    if (merged.maxPerUser < 1) throw new Error("NotificationService: maxPerUser must be at least 1.");
    this.options = Object.freeze(merged);
  }

  /** Bounds of a notification's `data`. */
  dataLimits(): NotificationDataLimits {
    return { maxBytes: this.options.maxDataBytes, maxDepth: this.options.maxDataDepth };
  }

  /** The inbox, once registered with a gateway. */
  get inbox(): NotificationInbox {
    if (!this.inboxValue) throw new TickwireError("UNAVAILABLE", "The notification service is not registered.");
    return this.inboxValue;
  }

  /** The source of `inbox` channels, once registered with a gateway (its `counters` tell how live notifications were put in order). */
  get source(): InboxSource {
    if (!this.sourceValue) throw new TickwireError("UNAVAILABLE", "The notification service is not registered.");
    return this.sourceValue;
  }

  register(ctx: ComponentContext): void {
    const namespace = ctx.catalogue.get("notifications");
    if (!namespace || namespace.kind !== "inbox") throw new Error("The catalogue has no `notifications` namespace of kind inbox.");
    const inbox = new NotificationInbox({
      store: ctx.store.inbox,
      engine: ctx.engine,
      namespace,
      logger: ctx.logger.child({ component: "notifications" }),
      options: this.options,
    });
    this.inboxValue = inbox;
    this.sourceValue = new InboxSource({ inbox, namespace: namespace.name, engine: ctx.engine, hub: ctx.hub, limits: this.dataLimits(), holdMs: this.options.relayHoldMs });
    ctx.sources.register("inbox", this.sourceValue);
    registerNotificationRoutes(ctx.http, { inbox, publisher: ctx.publisher, apiKeys: new ApiKeyChecker(ctx.apiKeys), limits: this.dataLimits() });
    registerNotificationEvents(ctx.router, inbox);
  }

  async start(ctx: ComponentContext): Promise<void> {
    const prune = (): void => {
      if (this.pruning) return;
      this.pruning = this.inbox
        .prune()
        .catch((err: unknown) => ctx.logger.warn({ err }, "notification prune failed"))
        .finally(() => (this.pruning = undefined));
    };
    prune();
    if (this.options.pruneIntervalMs > 0) {
      this.timer = setInterval(prune, this.options.pruneIntervalMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // A running prune is not awaited: it is best-effort (its failure is logged), and a
    // PostgreSQL pool closed under it may never answer. Writes in flight are awaited.
    await this.inboxValue?.settle();
  }
}
