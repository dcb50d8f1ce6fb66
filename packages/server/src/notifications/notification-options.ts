import { DEFAULT_OPTIONS } from "../config/defaults.js";

/** Options of the notification service. Defaults live in DEFAULT_NOTIFICATION_OPTIONS (the gateway's options' defaults where it has them). */
export interface NotificationServiceOptions {
  /** Same user, type and dedupKey (or content) inside this window: stored and delivered once. @default DEFAULT_OPTIONS.notificationDedupWindowMs */
  readonly dedupWindowMs: number;
  /** Notifications older than this are deleted. @default DEFAULT_OPTIONS.notificationRetentionMs */
  readonly retentionMs: number;
  /** Notifications kept per user (oldest read ones go first). @default DEFAULT_OPTIONS.notificationMaxPerUser */
  readonly maxPerUser: number;
  /** How often expired notifications and dedup keys are deleted. @default 60000 */
  readonly pruneIntervalMs: number;
  /** Largest `data` object of a notification, in bytes of JSON. @default DEFAULT_OPTIONS.maxPublicationBytes */
  readonly maxDataBytes: number;
  /** Deepest nesting of a notification's `data` (the gateway's maxInputDepth). @default DEFAULT_OPTIONS.maxInputDepth */
  readonly maxDataDepth: number;
  /** Page size of `notifications:list` and `GET /api/v1/notifications` when no limit is given. @default 50 */
  readonly defaultListLimit: number;
  /** Longest wait of a live notification that arrived ahead of a missing offset of its inbox (fan-outs of one user from two nodes may cross). @default 250 */
  readonly relayHoldMs: number;
  /** Clock, injectable for tests. @default Date.now */
  readonly now: () => number;
}

/** Defaults of every notification option. */
export const DEFAULT_NOTIFICATION_OPTIONS: NotificationServiceOptions = Object.freeze({
  dedupWindowMs: DEFAULT_OPTIONS.notificationDedupWindowMs,
  retentionMs: DEFAULT_OPTIONS.notificationRetentionMs,
  maxPerUser: DEFAULT_OPTIONS.notificationMaxPerUser,
  pruneIntervalMs: 60_000,
  maxDataBytes: DEFAULT_OPTIONS.maxPublicationBytes,
  maxDataDepth: DEFAULT_OPTIONS.maxInputDepth,
  defaultListLimit: 50,
  relayHoldMs: 250,
  now: Date.now,
});
