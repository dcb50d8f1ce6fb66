export { NotificationService } from "./notification-service.js";
export { NotificationInbox, type InboxPage, type NotificationInboxDeps } from "./notification-inbox.js";
export { DEFAULT_NOTIFICATION_OPTIONS, type NotificationServiceOptions } from "./notification-options.js";
export { NotificationDataSchema, parseNotificationData, parseNotificationRequest, type NotificationDataLimits, type NotificationDraft, type NotificationRequest } from "./notification-input.js";
export { dedupHash } from "./dedup-hash.js";
