import { Type } from "@sinclair/typebox";
import { ID_PATTERN, NotificationBodySchema, TickwireError, type NotificationBody } from "@tickwire/protocol";
import type { NotificationContent } from "../core/store.js";
import { checkInput } from "../core/input-bounds.js";
import { validate } from "../core/validator.js";

/**
 * `data` of a publication onto `notifications:{userId}` through the generic
 * publish API or the ingest: the `POST /api/v1/notifications` body without its recipients.
 */
export const NotificationDataSchema = Type.Omit(NotificationBodySchema, ["userId", "userIds"], { additionalProperties: false });

/** A validated notification before it is stored. */
export interface NotificationDraft {
  readonly content: NotificationContent;
  readonly dedupKey: string | undefined;
}

/** A validated `POST /api/v1/notifications` body. */
export interface NotificationRequest extends NotificationDraft {
  /** Recipients as given (`userId` becomes a list of one). */
  readonly userIds: readonly string[];
}

const USER_ID = new RegExp(ID_PATTERN);

/** Bounds of a notification's `data` (docs/errors.md, "Limits"). */
export interface NotificationDataLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
}

function draftOf(body: Omit<NotificationBody, "userId" | "userIds">, limits: NotificationDataLimits): NotificationDraft {
  if (body.data !== undefined) checkInput(body.data, limits, "`data`");
  // Stored as text (PostgreSQL refuses NUL): the same string rule as every input.
  const { type, title, message, actionUrl, dedupKey } = body;
  checkInput({ type, title, message, actionUrl, dedupKey }, { maxDepth: 1, maxBytes: Number.MAX_SAFE_INTEGER }, "The notification");
  return {
    content: {
      type: body.type,
      title: body.title ?? null,
      message: body.message,
      data: (body.data as Record<string, unknown> | undefined) ?? null,
      actionUrl: body.actionUrl ?? null,
    },
    dedupKey: body.dedupKey,
  };
}

/**
 * Checks a `POST /api/v1/notifications` body: the protocol schema, exactly one of
 * `userId` / `userIds`, user ids that name a notifications channel, `data` size.
 * @throws TickwireError BAD_REQUEST or PAYLOAD_TOO_LARGE
 */
export function parseNotificationRequest(body: unknown, limits: NotificationDataLimits): NotificationRequest {
  const request = validate(NotificationBodySchema, body);
  if ((request.userId === undefined) === (request.userIds === undefined)) {
    throw new TickwireError("BAD_REQUEST", "Give exactly one of `userId` and `userIds`.");
  }
  const userIds = request.userIds ?? [request.userId!];
  const bad = userIds.find((id) => !USER_ID.test(id));
  if (bad !== undefined) throw new TickwireError("BAD_REQUEST", `"${bad}" is not a valid user id.`);
  const { userId: _userId, userIds: _userIds, ...rest } = request;
  return { ...draftOf(rest, limits), userIds };
}

/**
 * Checks the `data` of a publication onto `notifications:{userId}` (same rules as the HTTP body).
 * @throws TickwireError BAD_REQUEST or PAYLOAD_TOO_LARGE
 */
export function parseNotificationData(data: unknown, limits: NotificationDataLimits): NotificationDraft {
  return draftOf(validate(NotificationDataSchema, data), limits);
}
