import type { Notification } from "@tickwire/protocol";
import type { Publication } from "../core/publication.js";
import type { StoredNotification } from "../core/store.js";

/** The `notification:new` payload: `{ id, notificationId, type, title, message, data, actionUrl, timestamp }` (docs/notifications.md, "The inbox on a socket"). */
export function notificationPayload(n: StoredNotification): Notification {
  return {
    id: n.id,
    notificationId: n.id,
    type: n.type,
    title: n.title,
    message: n.message,
    data: n.data,
    actionUrl: n.actionUrl,
    timestamp: new Date(n.createdAt).toISOString(),
  };
}

/** An inbox item as `notifications:list` and `GET /api/v1/notifications` return it: the payload plus `read`. */
export function notificationItem(n: StoredNotification): Notification {
  return { ...notificationPayload(n), read: n.readAt !== null };
}

/** The inbox channel of a user. */
export function inboxChannel(userId: string): string {
  return `notifications:${userId}`;
}

/**
 * A stored notification as a publication of `notifications:{userId}`: its inbox
 * position is the offset and the store's inbox epoch the epoch, so live
 * deliveries and on-subscribe re-sends share one numbering the SDK can dedupe on.
 */
export function notificationPublication(n: StoredNotification, epoch: string, event: string, traceId: string): Publication {
  return { channel: inboxChannel(n.userId), offset: n.seq, epoch, ts: n.createdAt, event, data: notificationPayload(n), traceId };
}
