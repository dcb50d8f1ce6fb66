import { TickwireError, type FailedChannel, type SubscribedChannel } from "@tickwire/protocol";
import type { TokenVerifier } from "../auth/token-verifier.js";
import type { EventRouter } from "./event-router.js";
import type { SubscriptionManager } from "./subscriptions.js";

/** What the core event handlers need. */
export interface CoreEventDeps {
  readonly router: EventRouter;
  readonly subscriptions: SubscriptionManager;
  readonly tokens: TokenVerifier;
}

/** Registers `subscribe`, `unsubscribe`, `presence`, `presence:stats`, `ping` and `auth:refresh` (docs/protocol.md, "Client → server events"). */
export function registerCoreEvents({ router, subscriptions, tokens }: CoreEventDeps): void {
  router.register("subscribe", async (session, request) => {
    const subscribed: SubscribedChannel[] = [];
    const failed: FailedChannel[] = [];
    // One at a time, in the order asked: limits count earlier channels of the same request.
    for (const item of request.channels) {
      const result = await subscriptions.subscribe(session, item);
      if ("ok" in result) subscribed.push(result.ok);
      else failed.push(result.failed);
    }
    return { subscribed, failed };
  });

  router.register("unsubscribe", async (session, request) => {
    const unsubscribed: string[] = [];
    for (const name of request.channels) {
      const channel = await subscriptions.unsubscribe(session, name);
      if (channel !== undefined) unsubscribed.push(channel);
    }
    return { unsubscribed };
  });

  router.register("presence", async (session, request) => ({ ...(await subscriptions.presenceFor(session, request.channel, false)) }));

  router.register("presence:stats", async (session, request) => {
    const { channel, users, connections } = await subscriptions.presenceFor(session, request.channel, true);
    return { channel, users: users.length, connections };
  });

  router.register("ping", (_session, request) => {
    const now = Date.now();
    return { timestamp: now, client_timestamp: request.timestamp ?? null, server_time: new Date(now).toISOString() };
  });

  router.register("auth:refresh", async (session, request) => {
    const identity = await tokens.verify(request.token);
    if (identity.userId !== session.userId) {
      throw new TickwireError("FORBIDDEN", "A refreshed token must name the same user as the connection.");
    }
    session.identity = identity;
    session.scheduleExpiry();
    const dropped = await subscriptions.revalidate(session);
    for (const channel of dropped) {
      session.connection.emit("error", { code: "FORBIDDEN", message: `Unsubscribed from "${channel}": the new token's tier does not allow it.` });
    }
    return { expiresAt: identity.expiresAt === undefined ? null : new Date(identity.expiresAt).toISOString() };
  });
}
