/** Options of the notification service. Defaults live in DEFAULT_NOTIFICATION_OPTIONS. */
export interface NotificationServiceOptions {
  /** Same user, type and dedupKey (or content) inside this window: stored and delivered once. @default 120000 */
  readonly dedupWindowMs: number;
  /** Notifications older than this are deleted. @default 2592000000 (30 days) */
  readonly retentionMs: number;
  /** Notifications kept per user (oldest read ones go first). @default 1000 */
  readonly maxPerUser: number;
  /** How often expired notifications and dedup keys are deleted. @default 60000 */
  readonly pruneIntervalMs: number;
  /** Largest `data` object of a notification, in bytes of JSON. @default 65536 */
  readonly maxDataBytes: number;
  /** Deepest nesting of a notification's `data` (the gateway's maxInputDepth). @default 32 */
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
  dedupWindowMs: 120_000,
  retentionMs: 30 * 24 * 3_600_000,
  maxPerUser: 1000,
  pruneIntervalMs: 60_000,
  maxDataBytes: 64 * 1024,
  maxDataDepth: 32,
  defaultListLimit: 50,
  relayHoldMs: 250,
  now: Date.now,
});
