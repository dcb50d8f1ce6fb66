import type { FastifyInstance } from "fastify";
import { ID_PATTERN, TickwireError, type NotificationsPostReply } from "@tickwire/protocol";
import { traceIdFrom } from "../core/rules.js";
import { requireApiKey, type ApiKeyChecker } from "../http/api-auth.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import type { NotificationInbox } from "./notification-inbox.js";
import { parseNotificationRequest, type NotificationDataLimits } from "./notification-input.js";

/** What the notification routes need. */
export interface NotificationRoutesDeps {
  readonly inbox: NotificationInbox;
  readonly apiKeys: ApiKeyChecker;
  readonly metrics: GatewayMetrics;
  readonly limits: NotificationDataLimits;
}


const USER_ID = new RegExp(ID_PATTERN);
const MAX_LIMIT = 200;


function flag(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new TickwireError("BAD_REQUEST", `\`${name}\` must be true or false.`);
}

/** `POST /api/v1/notifications` and `GET /api/v1/notifications` (docs/notifications.md, "Publishing"). */
export function registerNotificationRoutes(app: FastifyInstance, deps: NotificationRoutesDeps): void {
  app.post("/api/v1/notifications", async (request): Promise<NotificationsPostReply> => {
    requireApiKey(request, deps.apiKeys);
    const body = parseNotificationRequest(request.body, deps.limits);
    const traceId = traceIdFrom(request.headers["x-trace-id"]);
    const results = await deps.inbox.send(body.userIds, body, traceId);
    deps.metrics.published("notifications");
    const deduplicatedUserIds = [...new Set(results.filter((r) => r.deduplicated).map((r) => r.userId))];
    request.log.debug({ traceId, recipients: results.length, deduplicated: deduplicatedUserIds.length }, "notification accepted");
    return { ids: results.map((r) => r.id), deduplicated: results.every((r) => r.deduplicated), deduplicatedUserIds };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>("/api/v1/notifications", async (request) => {
    requireApiKey(request, deps.apiKeys);
    const { userId, unreadOnly, limit, before } = request.query;
    if (typeof userId !== "string" || !USER_ID.test(userId)) throw new TickwireError("BAD_REQUEST", "`userId` is missing or malformed.");
    const n = limit === undefined || limit === "" ? undefined : Number(limit);
    if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)) throw new TickwireError("BAD_REQUEST", `\`limit\` must be a whole number from 1 to ${MAX_LIMIT}.`);
    if (before !== undefined && (typeof before !== "string" || before.length === 0 || before.length > 64)) throw new TickwireError("BAD_REQUEST", "`before` must be a notification id.");
    return deps.inbox.list(userId, { unreadOnly: flag(unreadOnly, "unreadOnly"), limit: n, before });
  });
}
