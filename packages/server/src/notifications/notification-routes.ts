import type { FastifyInstance } from "fastify";
import { Type } from "@sinclair/typebox";
import { ID_PATTERN, NotificationBodySchema, NotificationsPageSchema, NotificationsPostReplySchema, type NotificationsPostReply } from "@tickwire/protocol";
import { traceIdFrom } from "../core/rules.js";
import type { ApiKeyChecker } from "../http/api-auth.js";
import { errorResponses, urlParam, type DocumentedSchema } from "../http/route-schemas.js";
import type { Publisher } from "../core/publisher.js";
import type { NotificationInbox } from "./notification-inbox.js";
import { parseNotificationRequest, type NotificationDataLimits } from "./notification-input.js";
import { inboxChannel } from "./notification-payload.js";

/** What the notification routes need. */
export interface NotificationRoutesDeps {
  /** Pages of an inbox (GET). */
  readonly inbox: NotificationInbox;
  /** The single publish path (POST): it hands inbox channels to the inbox source. */
  readonly publisher: Publisher;
  readonly apiKeys: ApiKeyChecker;
  readonly limits: NotificationDataLimits;
}


const MAX_LIMIT = 200;

const postSchema: DocumentedSchema = {
  summary: "Send a notification to one user or many",
  description: "Stored in each recipient's durable inbox first, then delivered live (`notification:new`); a duplicate inside the dedup window (same user, type and dedupKey or content) is stored and delivered once. Give exactly one of `userId` and `userIds`.",
  tags: ["notifications"],
  // The schema's check first; then parseNotificationRequest applies the configured data limits.
  body: NotificationBodySchema,
  responses: { 200: { ...NotificationsPostReplySchema, description: "The notifications' ids, per recipient." }, ...errorResponses(400, 401, 413, 429, 503) },
};

const listSchema: DocumentedSchema = {
  summary: "A page of a user's inbox",
  description: "Newest first; `before` pages back from a notification id.",
  tags: ["notifications"],
  querystring: Type.Object({
    userId: urlParam(Type.String({ pattern: ID_PATTERN, description: "Whose inbox." }), "`userId` is missing or malformed."),
    limit: Type.Optional(urlParam(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: "Page size (the configured default when absent)." }), `\`limit\` must be a whole number from 1 to ${MAX_LIMIT}.`)),
    before: Type.Optional(urlParam(Type.String({ minLength: 1, maxLength: 64, description: "A notification id: the page ends before it." }), "`before` must be a notification id.")),
    unreadOnly: Type.Optional(urlParam(Type.Boolean({ description: "Only unread notifications." }), "`unreadOnly` must be true or false.")),
  }),
  responses: { 200: { ...NotificationsPageSchema, description: "The page and the user's unread count." }, ...errorResponses(400, 401, 429, 503) },
};

/** `POST /api/v1/notifications` and `GET /api/v1/notifications` (docs/notifications.md, "Publishing"); API-key auth is the HTTP app's (installApiAuth), the checks the route schemas'. */
export function registerNotificationRoutes(app: FastifyInstance, deps: NotificationRoutesDeps): void {
  app.post("/api/v1/notifications", { schema: postSchema }, async (request): Promise<NotificationsPostReply> => {
    const { userIds } = parseNotificationRequest(request.body, deps.limits);
    const traceId = traceIdFrom(request.headers["x-trace-id"]);
    // The publication's `data` is the body without its recipients: what a publish onto `notifications:{userId}` carries.
    const { userId: _userId, userIds: _userIds, ...data } = request.body as Record<string, unknown>;
    const receipts = await deps.publisher.publishMany({ channels: userIds.map(inboxChannel), data, traceId });
    const deduplicatedUserIds = [...new Set(receipts.filter((r) => r.deduplicated === true).map((r) => r.channel.slice(r.channel.indexOf(":") + 1)))];
    request.log.debug({ traceId, recipients: receipts.length, deduplicated: deduplicatedUserIds.length }, "notification accepted");
    return { ids: receipts.map((r) => r.id!), deduplicated: receipts.every((r) => r.deduplicated === true), deduplicatedUserIds };
  });

  app.get<{ Querystring: { userId: string; limit?: number; before?: string; unreadOnly?: boolean } }>("/api/v1/notifications", { schema: listSchema }, async (request) => {
    const { userId, unreadOnly, limit, before } = request.query;
    return deps.inbox.list(userId, { unreadOnly, limit, before });
  });
}
