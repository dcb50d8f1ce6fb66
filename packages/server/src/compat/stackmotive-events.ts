import type { EventRouter } from "../core/event-router.js";
import { LegacyView } from "../core/subscription.js";
import { EmptyRequestSchema } from "./legacy-schemas.js";
import type { LegacySubscriber } from "./legacy-subscriber.js";

/** Event StackMotive's client listens on for notifications (Tickwire's is `notification:new`). */
export const STACKMOTIVE_NOTIFICATION_EVENT = "notification";

const NOTIFICATION_VIEW = new LegacyView({ event: STACKMOTIVE_NOTIFICATION_EVENT });

/**
 * StackMotive (seed 000): `subscribe_notifications {}` subscribes the caller's
 * inbox, delivered as `notification` (unread ones first, then live), and
 * answers `notifications_subscribed { message, channel }`.
 */
export function registerStackMotiveEvents(router: EventRouter, subscriber: LegacySubscriber): void {
  router.registerExtension("subscribe_notifications", EmptyRequestSchema, async (session) => {
    const { channel } = await subscriber.one(session, "notifications", NOTIFICATION_VIEW);
    const reply = { message: "Subscribed to notifications", channel };
    session.connection.emit("notifications_subscribed", reply);
    return reply;
  });
}
