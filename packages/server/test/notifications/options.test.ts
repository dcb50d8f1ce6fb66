import { expect, it } from "vitest";
import { DEFAULT_NOTIFICATION_OPTIONS, NotificationService, optionsFromEnv, resolveOptions } from "@tickwire/server";
import { defaultComponents } from "../../src/components.js";

it("defaults to a 2-minute dedup window, 30 days and 1000 notifications per user", () => {
  const { options } = resolveOptions({ jwtSecret: "s".repeat(20), apiKeys: ["k"] });
  expect([options.notificationDedupWindowMs, options.notificationRetentionMs, options.notificationMaxPerUser]).toEqual([120_000, 2_592_000_000, 1000]);
  expect(DEFAULT_NOTIFICATION_OPTIONS).toMatchObject({ dedupWindowMs: 120_000, retentionMs: 2_592_000_000, maxPerUser: 1000 });
});

it("reads the notification options from TICKWIRE_NOTIFICATION_* variables and hands them to the service", () => {
  const env = { TICKWIRE_NOTIFICATION_DEDUP_WINDOW_MS: "60000", TICKWIRE_NOTIFICATION_RETENTION_MS: "86400000", TICKWIRE_NOTIFICATION_MAX_PER_USER: "50" };
  const { options } = resolveOptions({ ...optionsFromEnv(env), jwtSecret: "s".repeat(20), apiKeys: ["k"] });
  const service = defaultComponents(options).find((c) => c instanceof NotificationService) as NotificationService;
  expect(service.options).toMatchObject({ dedupWindowMs: 60_000, retentionMs: 86_400_000, maxPerUser: 50 });
});

it("refuses a notification cap below 1 or a window that is not a whole number", () => {
  expect(() => resolveOptions({ jwtSecret: "s".repeat(20), apiKeys: ["k"], notificationMaxPerUser: 0 })).toThrow("notificationMaxPerUser must be at least 1.");
  expect(() => resolveOptions({ jwtSecret: "s".repeat(20), apiKeys: ["k"], notificationDedupWindowMs: "2m" })).toThrow("notificationDedupWindowMs must be a whole number ≥ 0");
});
