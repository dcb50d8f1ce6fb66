import { TickwireError } from "@tickwire/protocol";
import type { EventRouter } from "../core/event-router.js";
import type { NotificationInbox } from "../notifications/notification-inbox.js";
import { sendTestNotification } from "../notifications/notification-events.js";
import { LegacyView } from "../core/subscription.js";
import { EmptyRequestSchema } from "./legacy-schemas.js";
import type { LegacySubscriber } from "./legacy-subscriber.js";
import { emitLegacy } from "./legacy-server-events.js";

/** Event StackMotive's client listens on for notifications (Tickwire's is `notification:new`). */
export const STACKMOTIVE_NOTIFICATION_EVENT = "notification";

// StackMotive's client has no acknowledgement event: a notification a connection of the user got is not sent again.
const NOTIFICATION_VIEW = new LegacyView({ event: STACKMOTIVE_NOTIFICATION_EVENT, unacknowledged: true });

/**
 * StackMotive (seed 000): `subscribe_notifications {}` subscribes the caller's
 * inbox, delivered as `notification` (unread ones not yet delivered to a
 * connection of the user first, then live: the client never acknowledges), and
 * answers `notifications_subscribed { message, channel }`; `notification_test {}`
 * (operators) sends the caller a `test` notification, as `notification:test` does.
 */
export function registerStackMotiveEvents(router: EventRouter, subscriber: LegacySubscriber, inbox: () => NotificationInbox | undefined): void {
  router.registerExtension("subscribe_notifications", EmptyRequestSchema, async (session) => {
    const { channel } = await subscriber.one(session, "notifications", NOTIFICATION_VIEW);
    const reply = { message: "Subscribed to notifications", channel };
    emitLegacy(session.connection, "notifications_subscribed", reply);
    return reply;
  });

  router.registerExtension("notification_test", EmptyRequestSchema, async (session) => {
    const box = inbox();
    if (!box) throw new TickwireError("UNAVAILABLE", "The notification service is not running.");
    await sendTestNotification(box, session, "notification_test");
    return {};
  });
}
