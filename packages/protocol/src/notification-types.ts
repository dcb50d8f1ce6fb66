/** Notification types named in the requirement documents; other short identifiers are allowed. */
export const NOTIFICATION_TYPES = [
  "rebalance_trigger",
  "macro_change",
  "overlay_update",
  "test",
  "info",
  "warning",
  "error",
  "success",
] as const;
