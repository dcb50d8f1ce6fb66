import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { ERRORS, type ErrorCode, type WireError } from "./errors.js";
import { TIERS, type Tier } from "./tiers.js";
import { NotificationSchema, type AiDecision, type Notification, type PerformanceMetrics, type Portfolio, type PublicItem, type Quote, type Signal, type Trade } from "./payloads.js";

const ChannelName = Type.String({ minLength: 1, maxLength: 160 });

/** `{ offset, epoch }`: a position in a channel's history. */
export const StreamPositionSchema = Type.Object(
  { offset: Type.Integer({ minimum: 0 }), epoch: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export type StreamPosition = Static<typeof StreamPositionSchema>;

/** One entry of `subscribe.channels`: a name, or a name with recovery position and field filter. */
export const SubscribeItemSchema = Type.Union([
  ChannelName,
  Type.Object(
    {
      channel: ChannelName,
      since: Type.Optional(StreamPositionSchema),
      rewind: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "The last N publications of the channel's history (at most its size) before the reply, then live ones." })),
      fields: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 32, uniqueItems: true }),
      ),
    },
    { additionalProperties: false },
  ),
]);
export type SubscribeItem = Static<typeof SubscribeItemSchema>;

/** `subscribe` request. */
export const SubscribeRequestSchema = Type.Object(
  { channels: Type.Array(SubscribeItemSchema, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);
export type SubscribeRequest = Static<typeof SubscribeRequestSchema>;

/** `unsubscribe` request. */
export const UnsubscribeRequestSchema = Type.Object(
  { channels: Type.Array(ChannelName, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);
export type UnsubscribeRequest = Static<typeof UnsubscribeRequestSchema>;

/** `ping` request. */
export const PingRequestSchema = Type.Object(
  { timestamp: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])) },
  { additionalProperties: false },
);
export type PingRequest = Static<typeof PingRequestSchema>;

/** `auth:refresh` request. */
export const AuthRefreshRequestSchema = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 8192 }) },
  { additionalProperties: false },
);
export type AuthRefreshRequest = Static<typeof AuthRefreshRequestSchema>;

/** `notifications:list` request. */
export const NotificationsListRequestSchema = Type.Object(
  {
    unreadOnly: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    before: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type NotificationsListRequest = Static<typeof NotificationsListRequestSchema>;

/** `notifications:ack` request. */
export const NotificationsAckRequestSchema = Type.Object(
  { ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
export type NotificationsAckRequest = Static<typeof NotificationsAckRequestSchema>;

/** `notification:test` request. */
export const NotificationTestRequestSchema = Type.Object({}, { additionalProperties: false });
export type NotificationTestRequest = Static<typeof NotificationTestRequestSchema>;

/** Names of RPC methods: letters, digits and `_ . : -`, at most 64 characters. */
export const RPC_METHOD_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,63}$";

/** `rpc` request: a call forwarded to the platform's backend (docs/backend-hooks.md). */
export const RpcRequestSchema = Type.Object(
  {
    method: Type.String({ pattern: RPC_METHOD_PATTERN, description: "The backend method." }),
    params: Type.Optional(Type.Unknown({ description: "Anything JSON; bounded by maxEventBytes and maxInputDepth." })),
  },
  { additionalProperties: false },
);
export type RpcRequest = Static<typeof RpcRequestSchema>;
/** `presence` and `presence:stats` request: one channel, named as in `subscribe`. */
export const PresenceRequestSchema = Type.Object({ channel: ChannelName }, { additionalProperties: false });
export type PresenceRequest = Static<typeof PresenceRequestSchema>;

/** Schemas of every client event, keyed by event name. An event not listed here is UNKNOWN_EVENT. */
export const CLIENT_EVENT_SCHEMAS = {
  subscribe: SubscribeRequestSchema,
  unsubscribe: UnsubscribeRequestSchema,
  ping: PingRequestSchema,
  "auth:refresh": AuthRefreshRequestSchema,
  "notifications:list": NotificationsListRequestSchema,
  "notifications:ack": NotificationsAckRequestSchema,
  "notification:test": NotificationTestRequestSchema,
  rpc: RpcRequestSchema,
  presence: PresenceRequestSchema,
  "presence:stats": PresenceRequestSchema,
} as const;

/** Name of a client event. */
export type ClientEventName = keyof typeof CLIENT_EVENT_SCHEMAS;

/* ---------- Replies (acknowledgements of client events) ---------- */

/** A registry error code, as a JSON Schema string enum. */
export const ErrorCodeSchema = Type.Unsafe<ErrorCode>(Type.String({ enum: Object.keys(ERRORS), description: "A code of the error registry (docs/errors.md)." }));

/** `{ code, message }`: an error as it travels on the wire. */
export const WireErrorSchema = Type.Object({ code: ErrorCodeSchema, message: Type.String({ description: "A readable sentence." }) });

/** A refused request. */
export const ErrorReplySchema = Type.Object({ ok: Type.Literal(false), error: WireErrorSchema });
export type ErrorReply = Static<typeof ErrorReplySchema>;

/** One subscribed channel in a subscribe reply. */
export const SubscribedChannelSchema = Type.Object({
  channel: Type.String({ description: "Canonical channel name (`trades` is answered as `trades:{userId}`)." }),
  requested: Type.Optional(Type.String({ description: "The name as the client asked for it, when it differs from `channel`." })),
  offset: Type.Integer({ minimum: 0, description: "The channel's latest offset when the subscription was made." }),
  epoch: Type.String({ description: "The epoch of the channel's history." }),
  recovered: Type.Optional(Type.Boolean({ description: "With `since`: whether every missed publication was replayed." })),
  replayed: Type.Optional(Type.Integer({ minimum: 0, description: "How many publications were replayed before the reply." })),
});
export type SubscribedChannel = Static<typeof SubscribedChannelSchema>;

/** One refused channel in a subscribe reply. */
export const FailedChannelSchema = Type.Object({ channel: Type.String(), code: ErrorCodeSchema, message: Type.String() });
export type FailedChannel = Static<typeof FailedChannelSchema>;

/** `subscribe` reply: each channel subscribed or failed on its own. */
export const SubscribeReplySchema = Type.Object({ ok: Type.Literal(true), subscribed: Type.Array(SubscribedChannelSchema), failed: Type.Array(FailedChannelSchema) });
export type SubscribeReply = Static<typeof SubscribeReplySchema>;

/** `unsubscribe` reply: the canonical names unsubscribed. */
export const UnsubscribeReplySchema = Type.Object({ ok: Type.Literal(true), unsubscribed: Type.Array(Type.String()) });
export type UnsubscribeReply = Static<typeof UnsubscribeReplySchema>;

/** `ping` reply. */
export const PingReplySchema = Type.Object({
  ok: Type.Literal(true),
  timestamp: Type.Number({ description: "Server time in ms since the epoch." }),
  client_timestamp: Type.Union([Type.Number(), Type.String(), Type.Null()], { description: "The request's `timestamp`, or null." }),
  server_time: Type.String({ description: "Server time, ISO 8601." }),
});
export type PingReply = Static<typeof PingReplySchema>;

/** `auth:refresh` reply. */
export const AuthRefreshReplySchema = Type.Object({
  ok: Type.Literal(true),
  expiresAt: Type.Union([Type.String(), Type.Null()], { description: "ISO time the new token expires, or null for a token without `exp`." }),
});
export type AuthRefreshReply = Static<typeof AuthRefreshReplySchema>;

/** `notifications:list` reply. */
export const NotificationsListReplySchema = Type.Object({ ok: Type.Literal(true), items: Type.Array(NotificationSchema), unread: Type.Integer({ minimum: 0 }) });
export type NotificationsListReply = Static<typeof NotificationsListReplySchema>;

/** `notifications:ack` reply: how many notifications were marked read. */
export const NotificationsAckReplySchema = Type.Object({ ok: Type.Literal(true), acknowledged: Type.Integer({ minimum: 0 }) });
export type NotificationsAckReply = Static<typeof NotificationsAckReplySchema>;

/** `notification:test` reply. */
export const NotificationTestReplySchema = Type.Object({ ok: Type.Literal(true) });
export type NotificationTestReply = Static<typeof NotificationTestReplySchema>;

/** `rpc` reply: the backend's `result`. */
export const RpcReplySchema = Type.Object({ ok: Type.Literal(true), result: Type.Unknown({ description: "The backend's result, as it answered it." }) });
export type RpcReply = Static<typeof RpcReplySchema>;
/** One subscribed user in a presence list. */
export const PresenceUserSchema = Type.Object({
  userId: Type.String(),
  connections: Type.Integer({ minimum: 1, description: "Connections of this user subscribed to the channel, on all nodes." }),
});
export type PresenceUser = Static<typeof PresenceUserSchema>;

/** `presence` reply: who is subscribed to the channel across all nodes, users sorted by id. */
export const PresenceReplySchema = Type.Object({
  ok: Type.Literal(true),
  channel: Type.String({ description: "Canonical channel name." }),
  users: Type.Array(PresenceUserSchema),
  connections: Type.Integer({ minimum: 0 }),
});
export type PresenceReply = Static<typeof PresenceReplySchema>;

/** `presence:stats` reply: how many users and connections are subscribed across all nodes. */
export const PresenceStatsReplySchema = Type.Object({
  ok: Type.Literal(true),
  channel: Type.String({ description: "Canonical channel name." }),
  users: Type.Integer({ minimum: 0 }),
  connections: Type.Integer({ minimum: 0 }),
});
export type PresenceStatsReply = Static<typeof PresenceStatsReplySchema>;

/** Schemas of the `ok: true` reply of every client event; any event may answer an ErrorReply instead. */
export const CLIENT_EVENT_REPLY_SCHEMAS = {
  subscribe: SubscribeReplySchema,
  unsubscribe: UnsubscribeReplySchema,
  ping: PingReplySchema,
  "auth:refresh": AuthRefreshReplySchema,
  "notifications:list": NotificationsListReplySchema,
  "notifications:ack": NotificationsAckReplySchema,
  "notification:test": NotificationTestReplySchema,
  rpc: RpcReplySchema,
  presence: PresenceReplySchema,
  "presence:stats": PresenceStatsReplySchema,
} as const satisfies Record<ClientEventName, TSchema>;

/** Acknowledgement callback of a client event. */
export type Ack<R> = (reply: R | ErrorReply) => void;

/** Client-to-server events (Socket.IO `ClientToServerEvents` type parameter). */
export interface ClientToServerEvents {
  subscribe: (req: SubscribeRequest, ack: Ack<SubscribeReply>) => void;
  unsubscribe: (req: UnsubscribeRequest, ack: Ack<UnsubscribeReply>) => void;
  ping: (req: PingRequest, ack: Ack<PingReply>) => void;
  "auth:refresh": (req: AuthRefreshRequest, ack: Ack<AuthRefreshReply>) => void;
  "notifications:list": (req: NotificationsListRequest, ack: Ack<NotificationsListReply>) => void;
  "notifications:ack": (req: NotificationsAckRequest, ack: Ack<NotificationsAckReply>) => void;
  "notification:test": (req: NotificationTestRequest, ack: Ack<NotificationTestReply>) => void;
  rpc: (req: RpcRequest, ack: Ack<RpcReply>) => void;
  presence: (req: PresenceRequest, ack: Ack<PresenceReply>) => void;
  "presence:stats": (req: PresenceRequest, ack: Ack<PresenceStatsReply>) => void;
}

/* ---------- Server events ---------- */

/** `meta`, the third argument of every publication event. */
export const PublicationMetaSchema = Type.Object({
  channel: Type.String({ description: "Canonical channel name." }),
  offset: Type.Integer({ minimum: 1, description: "Grows by one per publication on the channel." }),
  epoch: Type.String({ description: "Names the history the offset belongs to; changes only when that history was lost." }),
  ts: Type.Number({ description: "Publish time in ms since the epoch." }),
});
export type PublicationMeta = Static<typeof PublicationMetaSchema>;

/** The `connected` event, the first thing an accepted connection receives. */
export const ConnectedPayloadSchema = Type.Object({
  userId: Type.String(),
  tier: Type.Unsafe<Tier>(Type.String({ enum: [...TIERS] })),
  message: Type.String(),
  timestamp: Type.String({ description: "ISO 8601." }),
  server_time: Type.String({ description: "ISO 8601." }),
  api_version: Type.String({ description: "The protocol version (`API_VERSION`)." }),
  features: Type.Array(Type.String(), { description: "The namespaces this user's tier may subscribe to." }),
  limits: Type.Object({ maxSubscriptions: Type.Integer({ minimum: 0 }), maxConnectionsPerUser: Type.Integer({ minimum: 1 }) }),
  resumed: Type.Optional(Type.Boolean({ description: "Resumable connections: whether this connection resumed a session (its subscriptions and what it missed)." })),
});
export type ConnectedPayload = Static<typeof ConnectedPayloadSchema>;

/** The `error` event: a refused request sent without an acknowledgement, or a subscription ended by the server. */
export const ErrorEventPayloadSchema = Type.Object({
  code: ErrorCodeSchema,
  message: Type.String(),
  event: Type.Optional(Type.String({ description: "The client event that caused it, when one did." })),
});
export type ErrorEventPayload = Static<typeof ErrorEventPayloadSchema>;

/** The `resync` event: the channel's history could not be repaired; refetch its state. */
export const ResyncPayloadSchema = Type.Object({ channel: Type.String(), reason: Type.String() });
export type ResyncPayload = Static<typeof ResyncPayloadSchema>;

/**
 * `presence:join` and `presence:leave` (namespaces whose presence has `events`): a user
 * appeared on the channel (its first subscribed connection on any node) or disappeared
 * (its last one left, or the node holding it died). Further connections of a user send nothing.
 */
export const PresenceEventPayloadSchema = Type.Object({
  channel: Type.String({ description: "Canonical channel name." }),
  userId: Type.String(),
});
export type PresenceEventPayload = Static<typeof PresenceEventPayloadSchema>;

/** `server:subscribed`: the server subscribed this connection (a `channels` claim at connect, or the platform through the HTTP API). */
export const ServerSubscribedPayloadSchema = Type.Object({ subscribed: Type.Array(SubscribedChannelSchema), failed: Type.Array(FailedChannelSchema) });
export type ServerSubscribedPayload = Static<typeof ServerSubscribedPayloadSchema>;

/**
 * `server:unsubscribed`: the platform ended these subscriptions of the connection through the HTTP API, or the
 * subscribe backend refused them on a refresh (then with `code` FORBIDDEN and the backend's `message`).
 */
export const ServerUnsubscribedPayloadSchema = Type.Object({
  unsubscribed: Type.Array(Type.String()),
  code: Type.Optional(Type.String({ description: "Why, when the subscribe backend ended them: FORBIDDEN." })),
  message: Type.Optional(Type.String({ description: "The backend's message, with `code`." })),
});
export type ServerUnsubscribedPayload = Static<typeof ServerUnsubscribedPayloadSchema>;

/** The `server:shutdown` event: reconnect after this delay. */
export const ShutdownPayloadSchema = Type.Object({ reconnectAfterMs: Type.Integer({ minimum: 0 }) });
export type ShutdownPayload = Static<typeof ShutdownPayloadSchema>;

/**
 * `meta` of a room message to one role or to listed members (`POST /api/v1/rooms/{id}/publish`
 * with `role` or `userIds`): delivered live and kept in no history, so it has no offset and no epoch.
 */
export const DeliveredMetaSchema = Type.Object({
  channel: Type.String({ description: "The room's channel, `rooms:{id}`." }),
  ts: Type.Number({ description: "Publish time in ms since the epoch." }),
  to: Type.Union([Type.Literal("role"), Type.Literal("users")], { description: "Whom the publish was for." }),
  role: Type.Optional(Type.String({ description: "The role, for a publish to one role." })),
});
export type DeliveredMeta = Static<typeof DeliveredMetaSchema>;

/** `meta` of a room's publication: the channel's position, or, for a message to a role or to members, whom it was for. */
export const RoomMetaSchema = Type.Union([PublicationMetaSchema, DeliveredMetaSchema], { description: "A publication to the whole room has its position in the room's history; a message to a role or to members has no offset and no epoch, and says whom it was for." });
export type RoomMeta = Static<typeof RoomMetaSchema>;

/**
 * A publication event handler: `(payload, meta)`, and on a resumable connection a
 * trailing resumption token (docs/protocol.md, section 5) that a client sends back
 * as `offset` when it reconnects.
 */
export type PublicationHandler<T = unknown, M = PublicationMeta> = (payload: T, meta: M, token?: string) => void;

/** Socket.IO's `InterServerEvents` type parameter: none, Tickwire nodes talk through the engine (Redis), not Socket.IO's adapter. */
export type InterServerEvents = Record<string, never>;

/** Server-to-client events (Socket.IO `ServerToClientEvents` type parameter). */
export interface ServerToClientEvents {
  connected: (payload: ConnectedPayload) => void;
  error: (payload: ErrorEventPayload) => void;
  resync: (payload: ResyncPayload) => void;
  "presence:join": (payload: PresenceEventPayload) => void;
  "presence:leave": (payload: PresenceEventPayload) => void;
  "server:shutdown": (payload: ShutdownPayload) => void;
  "server:subscribed": (payload: ServerSubscribedPayload) => void;
  "server:unsubscribed": (payload: ServerUnsubscribedPayload) => void;
  "quote:update": PublicationHandler<Quote>;
  "portfolio:update": PublicationHandler<Portfolio>;
  "trade:update": PublicationHandler<Trade>;
  "trade:executed": PublicationHandler<Trade>;
  "trade:failed": PublicationHandler<Trade>;
  "notification:new": PublicationHandler<Notification>;
  "signal:new": PublicationHandler<Signal>;
  "ai:decision": PublicationHandler<AiDecision>;
  "metrics:update": PublicationHandler<PerformanceMetrics>;
  "feed:event": PublicationHandler<PublicItem>;
  "board:update": PublicationHandler<PublicItem>;
  /** A room's publication (docs/protocol.md, "Rooms"); a message to one role or to listed members has the meta `{ channel, ts, to, role? }`. */
  "room:message": PublicationHandler<unknown, RoomMeta>;
}

/* ---------- HTTP API ---------- */

const EventName = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9_\\-]+(:[a-z0-9_\\-]+)*$" });
const IdempotencyKey = Type.String({ minLength: 1, maxLength: 128 });

/** `POST /api/v1/publish` body. */
export const PublishBodySchema = Type.Object(
  {
    channel: ChannelName,
    data: Type.Unknown(),
    event: Type.Optional(EventName),
    idempotencyKey: Type.Optional(IdempotencyKey),
  },
  { additionalProperties: false },
);
export type PublishBody = Static<typeof PublishBodySchema>;

/** `POST /api/v1/publish/batch` body. */
export const PublishBatchBodySchema = Type.Object(
  { items: Type.Array(PublishBodySchema, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
export type PublishBatchBody = Static<typeof PublishBatchBodySchema>;

/** Result of one publish. */
export interface PublishResult {
  channel: string;
  offset: number;
  epoch: string;
}

/** One item of a batch result: the publish result or the error of that item. */
export type PublishBatchItemResult = (PublishResult & { ok: true }) | { ok: false; channel: unknown; error: WireError };

/** Path parameters of the `/api/v1/users/{userId}/…` routes. */
export const UserParamsSchema = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9][A-Za-z0-9_.@|=+\\-]{0,127}$" }) }, { additionalProperties: false });
export type UserParams = Static<typeof UserParamsSchema>;

/** `POST /api/v1/users/{userId}/subscribe` and `/unsubscribe` body: channels of every connection of the user. */
export const UserChannelsBodySchema = Type.Object({ channels: Type.Array(ChannelName, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });
export type UserChannelsBody = Static<typeof UserChannelsBodySchema>;

/** `POST /api/v1/users/{userId}/subscribe` and `/unsubscribe` reply: the canonical channels, sent to every node. */
export interface UserChannelsReply {
  userId: string;
  channels: string[];
}

/** `POST /api/v1/notifications` body. */
export const NotificationBodySchema = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    userIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 100000 })),
    type: Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_\\-.]*$" }),
    message: Type.String({ minLength: 1, maxLength: 4000 }),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    actionUrl: Type.Optional(Type.String({ maxLength: 2000 })),
    dedupKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type NotificationBody = Static<typeof NotificationBodySchema>;

/** `POST /api/v1/notifications` reply. */
export interface NotificationsPostReply {
  /** One id per requested user, in request order; a duplicate answers the id of the notification it duplicates. */
  ids: string[];
  /** True when nothing new was stored (every recipient was a duplicate within the dedup window). */
  deduplicated: boolean;
  /** Users for whom the notification was a duplicate (extension). */
  deduplicatedUserIds: string[];
}

/** `err.data` of a refused connection (`connect_error`). */
export interface ConnectErrorData {
  code: WireError["code"];
  message: string;
}

/** A publication as stored in history and returned by the history API. */
export interface HistoryPublication {
  offset: number;
  ts: number;
  event: string;
  data: unknown;
}

/** `GET /api/v1/channels/{channel}/history` reply. */
export interface HistoryReply {
  epoch: string;
  offset: number;
  publications: HistoryPublication[];
}

/** HTTP error body. */
export interface HttpErrorBody {
  statusCode: number;
  code: string;
  message: string;
}

/* ---------- HTTP API replies, as schemas (the OpenAPI document is generated from them) ---------- */

/** `{ statusCode, code, message }`: every error of the HTTP API (docs/errors.md). */
export const HttpErrorBodySchema = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599, description: "The HTTP status, repeated." }),
    code: ErrorCodeSchema,
    message: Type.String({ description: "A readable sentence." }),
  },
  { description: "An error of the HTTP API, in the one shape of docs/errors.md." },
);

/** Result of one publish: where the publication was stored. */
export const PublishResultSchema = Type.Object({
  channel: Type.String({ description: "The channel, as stored (owner channels resolved)." }),
  offset: Type.Integer({ minimum: 1, description: "The publication's offset in the channel." }),
  epoch: Type.String({ description: "The channel's epoch: offsets are comparable within one epoch." }),
});

/** `POST /api/v1/publish/batch` reply: one result per item, in item order. */
export const PublishBatchReplySchema = Type.Object({
  results: Type.Array(
    Type.Union([
      Type.Object({ ok: Type.Literal(true), channel: Type.String(), offset: Type.Integer({ minimum: 1 }), epoch: Type.String() }),
      Type.Object({ ok: Type.Literal(false), channel: Type.Unknown({ description: "The item's channel, as given." }), error: WireErrorSchema }),
    ]),
  ),
});

/** `GET /api/v1/channels/{channel}/history` reply. */
export const HistoryReplySchema = Type.Object({
  epoch: Type.String(),
  offset: Type.Integer({ minimum: 0, description: "The channel's latest offset." }),
  publications: Type.Array(Type.Object({ offset: Type.Integer({ minimum: 1 }), ts: Type.Integer({ description: "Milliseconds since the epoch." }), event: Type.String(), data: Type.Unknown() })),
});

/** `POST /api/v1/notifications` reply. */
export const NotificationsPostReplySchema = Type.Object({
  ids: Type.Array(Type.String(), { description: "One id per requested user, in request order; a duplicate answers the id of the notification it duplicates." }),
  deduplicated: Type.Boolean({ description: "True when nothing new was stored." }),
  deduplicatedUserIds: Type.Array(Type.String(), { description: "Users for whom the notification was a duplicate." }),
});

/** `GET /api/v1/notifications` reply: a page of a user's inbox. */
export const NotificationsPageSchema = Type.Object({
  items: Type.Array(Type.Object({ ...NotificationSchema.properties, read: Type.Boolean() })),
  unread: Type.Integer({ minimum: 0 }),
});

/** `POST /api/v1/users/{userId}/disconnect` reply. */
export const UserDisconnectReplySchema = Type.Object({
  userId: Type.String(),
  disconnected: Type.Integer({ minimum: 0, description: "Connections of the user closed on this node." }),
});

/** Room ids and the user ids of the rooms API: the catalogue's identifiers. */
const RoomId = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9][A-Za-z0-9_.@|=+\\-]{0,127}$", description: "The room id; its channel is `rooms:{id}`." });
const RoomUserId = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9][A-Za-z0-9_.@|=+\\-]{0,127}$", description: "A user id (`sub` of the user's tokens)." });
/** Who may see a room: `public` anyone may join, `protected` members only (listed), `private` members only (unlisted: outsiders are told it does not exist). */
export const RoomTypeSchema = Type.Union([Type.Literal("public"), Type.Literal("protected"), Type.Literal("private")], { description: "public: anyone may join; protected: members only; private: members only, and outsiders are told it does not exist." });
/** What a member may be in a room. */
export const RoomRoleSchema = Type.Union([Type.Literal("admin"), Type.Literal("moderator"), Type.Literal("member")]);
/** Most members a room may be created with. */
export const MAX_ROOM_CAPACITY = 100_000;

/** `POST /api/v1/rooms` body. */
export const RoomCreateBodySchema = Type.Object(
  { id: RoomId, type: RoomTypeSchema, capacity: Type.Integer({ minimum: 1, maximum: MAX_ROOM_CAPACITY, description: "Most members the room takes." }) },
  { additionalProperties: false },
);
export type RoomCreateBody = Static<typeof RoomCreateBodySchema>;

/** A room as the rooms API answers it. */
export const RoomSchema = Type.Object({
  id: Type.String(),
  channel: Type.String({ description: "The channel members subscribe: `rooms:{id}`." }),
  type: RoomTypeSchema,
  capacity: Type.Integer(),
  createdAt: Type.Integer({ description: "ms since the epoch." }),
});
export type RoomReply = Static<typeof RoomSchema>;

/** Most rooms one page of `GET /api/v1/rooms` answers. */
export const MAX_ROOM_PAGE = 500;

/** `GET /api/v1/rooms` reply: one page of rooms, ordered by id. */
export const RoomListReplySchema = Type.Object({
  rooms: Type.Array(RoomSchema, { description: "Ordered by id (byte order)." }),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: "Pass as `cursor` for the next page; null on the last page." }),
});
export type RoomListReply = Static<typeof RoomListReplySchema>;

/** `GET /api/v1/rooms/{id}` reply: the room and how many members it has. */
export const RoomDetailReplySchema = Type.Composite([RoomSchema, Type.Object({ members: Type.Integer({ description: "How many members the room has." }) })]);
export type RoomDetailReply = Static<typeof RoomDetailReplySchema>;

/** `POST /api/v1/rooms/{id}/members` body: adds a member, or changes the role of one. */
export const RoomMemberBodySchema = Type.Object({ userId: RoomUserId, role: Type.Optional(RoomRoleSchema) }, { additionalProperties: false });
export type RoomMemberBody = Static<typeof RoomMemberBodySchema>;

/** One member of a room. */
export const RoomMemberSchema = Type.Object({ userId: Type.String(), role: RoomRoleSchema, joinedAt: Type.Integer({ description: "ms since the epoch." }) });

/** `POST /api/v1/rooms/{id}/members` reply. */
export const RoomMemberReplySchema = Type.Object({
  room: Type.String(),
  member: RoomMemberSchema,
  added: Type.Boolean({ description: "True for a new member, false when an existing member's role was set." }),
});

/** `GET /api/v1/rooms/{id}/members` reply. */
export const RoomMembersReplySchema = Type.Object({ room: Type.String(), capacity: Type.Integer(), members: Type.Array(RoomMemberSchema, { description: "Ordered by user id." }) });

/** `DELETE /api/v1/rooms/{id}` and `DELETE /api/v1/rooms/{id}/members/{userId}` reply. */
export const RoomRemovedReplySchema = Type.Object({ room: Type.String(), removed: Type.Array(Type.String(), { description: "The user ids that stopped being members (their connections were unsubscribed)." }) });

/** `POST /api/v1/rooms/{id}/publish` body: to the whole room, to the members of one `role`, or to listed `userIds` (members). */
export const RoomPublishBodySchema = Type.Object(
  {
    data: Type.Unknown(),
    event: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9_\\-]+(:[a-z0-9_\\-]+)*$", description: "`room:message` unless another `room:…` event is named." })),
    role: Type.Optional(RoomRoleSchema),
    userIds: Type.Optional(Type.Array(RoomUserId, { minItems: 1, maxItems: 1000, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type RoomPublishBody = Static<typeof RoomPublishBodySchema>;

/** `POST /api/v1/rooms/{id}/publish` reply. */
export const RoomPublishReplySchema = Type.Object({
  room: Type.String(),
  channel: Type.String(),
  to: Type.Union([Type.Literal("room"), Type.Literal("role"), Type.Literal("users")]),
  offset: Type.Optional(Type.Integer({ description: "Position in the room's history (publishes to the whole room)." })),
  epoch: Type.Optional(Type.String()),
  recipients: Type.Optional(Type.Array(Type.String(), { description: "Members it was sent to (publishes to a role or to users), ordered by user id." })),
});
export type RoomPublishReply = Static<typeof RoomPublishReplySchema>;
