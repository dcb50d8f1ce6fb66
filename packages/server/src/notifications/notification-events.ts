import { randomUUID } from "node:crypto";
import { atLeast, TickwireError } from "@tickwire/protocol";
import type { EventRouter } from "../core/event-router.js";
import { newTraceId } from "../core/publisher.js";
import type { Session } from "../core/session.js";
import type { NotificationInbox } from "./notification-inbox.js";

/** Registers `notifications:list`, `notifications:ack` and `notification:test` (docs/protocol.md, "Client → server events"). */
export function registerNotificationEvents(router: EventRouter, inbox: NotificationInbox): void {
  router.register("notifications:list", async (session, request) => ({ ...(await inbox.list(session.userId, request)) }));

  // The caller's own ids only: an id of another user's notification changes nothing and is not counted.
  router.register("notifications:ack", async (session, request) => ({ acknowledged: await inbox.ack(session.userId, request.ids) }));

  router.register("notification:test", async (session) => {
    await sendTestNotification(inbox, session, "notification:test");
    return {};
  });
}

/** Sends the caller a `test` notification; operators only. @throws TickwireError FORBIDDEN naming `event` */
export async function sendTestNotification(inbox: NotificationInbox, session: Session, event: string): Promise<void> {
  if (!atLeast(session.tier, "operator")) throw new TickwireError("FORBIDDEN", `${event} is for operators.`);
  await inbox.send(
    [session.userId],
    {
      content: {
        type: "test",
        title: "Test notification",
        message: "This is a test notification from Tickwire.",
        data: { requestedBy: session.userId },
        actionUrl: null,
      },
      // A fresh key: a test pressed twice is delivered twice.
      dedupKey: `test:${randomUUID()}`,
    },
    newTraceId(),
  );
}
