import type { FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import {
  HttpErrorBodySchema,
  ID_PATTERN,
  MAX_ROOM_PAGE,
  RoomCreateBodySchema,
  RoomDetailReplySchema,
  RoomListReplySchema,
  RoomMemberBodySchema,
  RoomMemberReplySchema,
  RoomMembersReplySchema,
  RoomPublishBodySchema,
  RoomPublishReplySchema,
  RoomRemovedReplySchema,
  RoomSchema,
  TickwireError,
  type RoomCreateBody,
  type RoomMemberBody,
  type RoomPublishBody,
} from "@tickwire/protocol";
import { traceIdFrom } from "../../core/rules.js";
import type { HttpContext } from "../context.js";
import { errorResponses, urlParam, type DocumentedSchema } from "../route-schemas.js";
import type { RoomService } from "../../rooms/room-service.js";
import type { RoomType } from "../../core/store.js";

const RoomId = urlParam(Type.String({ pattern: ID_PATTERN, description: "The room id." }), "Malformed room id.");
const RoomParams = Type.Object({ id: RoomId });
const MemberParams = Type.Object({ id: RoomId, userId: urlParam(Type.String({ pattern: ID_PATTERN, description: "The member's user id." }), "Malformed user id.") });
const ListQuery = Type.Object({
  cursor: Type.Optional(urlParam(Type.String({ pattern: ID_PATTERN, description: "The previous page's `nextCursor`: rooms after it." }), "Malformed cursor: pass the previous page's nextCursor.")),
  limit: Type.Optional(urlParam(Type.Integer({ minimum: 1, maximum: MAX_ROOM_PAGE, default: 100, description: "Most rooms to answer." }), `limit must be a whole number from 1 to ${MAX_ROOM_PAGE}.`)),
  type: Type.Optional(urlParam(Type.Unsafe<RoomType>({ type: "string", enum: ["public", "protected", "private"], description: "Only rooms of this type." }), "type must be public, protected or private.")),
});
const FULL = { 429: { ...HttpErrorBodySchema, description: "LIMIT_EXCEEDED: the room is full; or RATE_LIMITED: too many refused credentials (Retry-After)." } };

const schemas: Record<string, DocumentedSchema> = {
  create: {
    summary: "Create a room",
    description: "Its channel is `rooms:{id}`. `public`: anyone may subscribe, joining as `member` within the capacity; `protected`: members only (outsiders are refused FORBIDDEN); `private`: members only (outsiders are told NOT_FOUND).",
    tags: ["rooms"],
    body: RoomCreateBodySchema,
    responses: { 201: { ...RoomSchema, description: "Created." }, ...errorResponses(400, 401, 409, 503) },
  },
  list: {
    summary: "List rooms, page by page",
    description: "Rooms ordered by id, private ones included (API keys only). A page holds at most `limit` rooms; `nextCursor` is null on the last page, else passed as `cursor` it answers the next one.",
    tags: ["rooms"],
    querystring: ListQuery,
    responses: { 200: { ...RoomListReplySchema, description: "One page of rooms." }, ...errorResponses(400, 401, 503) },
  },
  get: {
    summary: "A room and its member count",
    tags: ["rooms"],
    params: RoomParams,
    responses: { 200: { ...RoomDetailReplySchema, description: "The room." }, ...errorResponses(400, 401, 404, 503) },
  },
  delete: {
    summary: "Delete a room and its members",
    description: "Every member's live connections, on every node, are unsubscribed from the room (`server:unsubscribed`).",
    tags: ["rooms"],
    params: RoomParams,
    responses: { 200: { ...RoomRemovedReplySchema, description: "Deleted." }, ...errorResponses(400, 401, 404, 503) },
  },
  addMember: {
    summary: "Add a member to a room, or set a member's role",
    description: "A new member's live connections, on every node, are subscribed to the room (`server:subscribed`). `role` defaults to `member`; the capacity counts members.",
    tags: ["rooms"],
    params: RoomParams,
    body: RoomMemberBodySchema,
    responses: { 200: { ...RoomMemberReplySchema, description: "The member." }, ...errorResponses(400, 401, 404, 503), ...FULL },
  },
  removeMember: {
    summary: "Remove a member from a room",
    description: "The member's live connections, on every node, are unsubscribed from the room (`server:unsubscribed`).",
    tags: ["rooms"],
    params: MemberParams,
    responses: { 200: { ...RoomRemovedReplySchema, description: "Removed." }, ...errorResponses(400, 401, 404, 503) },
  },
  members: {
    summary: "List the members of a room",
    tags: ["rooms"],
    params: RoomParams,
    responses: { 200: { ...RoomMembersReplySchema, description: "The members, ordered by user id." }, ...errorResponses(400, 401, 404, 503) },
  },
  publish: {
    summary: "Publish to a room, to one role in it, or to listed members",
    description:
      "Without `role` and `userIds` the publication goes to the room's channel (kept in its history, delivered to every subscribed member). With `role` or `userIds` it is delivered live to those members' connections subscribed to the room, on every node, with meta `{ channel, ts, to, role? }` and kept in no history; `recipients` names them.",
    tags: ["rooms"],
    params: RoomParams,
    body: RoomPublishBodySchema,
    responses: { 200: { ...RoomPublishReplySchema, description: "Published." }, ...errorResponses(400, 401, 404, 413, 503) },
  },
};

/**
 * The rooms API (docs/protocol.md, "Rooms"): `POST` / `GET {prefix}/rooms`, `GET` / `DELETE {prefix}/rooms/{id}`,
 * `POST` / `GET {prefix}/rooms/{id}/members`, `DELETE {prefix}/rooms/{id}/members/{userId}`,
 * `POST {prefix}/rooms/{id}/publish`. API keys only.
 */
export const roomRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  const rooms = (): RoomService => {
    if (!ctx.rooms) throw new TickwireError("UNAVAILABLE", "Rooms are not available: the store keeps none.");
    return ctx.rooms;
  };

  app.post<{ Body: RoomCreateBody }>("/rooms", { schema: schemas.create! }, async (request, reply) => {
    const room = await rooms().create(request.body);
    request.log.info({ room: room.id, type: room.type, capacity: room.capacity }, "room created");
    return reply.code(201).send(room);
  });

  app.get<{ Querystring: { cursor?: string; limit?: number; type?: RoomType } }>("/rooms", { schema: schemas.list! }, async (request) =>
    rooms().list({ cursor: request.query.cursor, type: request.query.type, limit: request.query.limit ?? 100 }),
  );

  app.get<{ Params: { id: string } }>("/rooms/:id", { schema: schemas.get! }, async (request) => rooms().get(request.params.id));

  app.delete<{ Params: { id: string } }>("/rooms/:id", { schema: schemas.delete! }, async (request) => {
    const result = await rooms().delete(request.params.id);
    request.log.info({ room: result.room, members: result.removed.length }, "room deleted");
    return result;
  });

  app.post<{ Params: { id: string }; Body: RoomMemberBody }>("/rooms/:id/members", { schema: schemas.addMember! }, async (request) => {
    const result = await rooms().addMember(request.params.id, request.body.userId, request.body.role ?? "member");
    request.log.info({ room: result.room, userId: result.member.userId, role: result.member.role, added: result.added }, "room member set");
    return result;
  });

  app.delete<{ Params: { id: string; userId: string } }>("/rooms/:id/members/:userId", { schema: schemas.removeMember! }, async (request) => {
    const result = await rooms().removeMember(request.params.id, request.params.userId);
    request.log.info({ room: result.room, userId: request.params.userId }, "room member removed");
    return result;
  });

  app.get<{ Params: { id: string } }>("/rooms/:id/members", { schema: schemas.members! }, async (request) => rooms().members(request.params.id));

  app.post<{ Params: { id: string }; Body: RoomPublishBody }>("/rooms/:id/publish", { schema: schemas.publish! }, async (request) =>
    rooms().publish(request.params.id, request.body, traceIdFrom(request.headers["x-trace-id"])),
  );
};
