import { Type, type Static } from "@sinclair/typebox";
import type { WireError } from "./errors.js";
import type { Tier } from "./tiers.js";
import type { AiDecision, Notification, PerformanceMetrics, Portfolio, Quote, Signal, Trade } from "./payloads.js";

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

/** Schemas of every client event, keyed by event name. An event not listed here is UNKNOWN_EVENT. */
export const CLIENT_EVENT_SCHEMAS = {
  subscribe: SubscribeRequestSchema,
  unsubscribe: UnsubscribeRequestSchema,
  ping: PingRequestSchema,
  "auth:refresh": AuthRefreshRequestSchema,
  "notifications:list": NotificationsListRequestSchema,
  "notifications:ack": NotificationsAckRequestSchema,
  "notification:test": NotificationTestRequestSchema,
} as const;

/** Name of a client event. */
export type ClientEventName = keyof typeof CLIENT_EVENT_SCHEMAS;

/** A refused request. */
export interface ErrorReply {
  ok: false;
  error: WireError;
}

/** One subscribed channel in a subscribe reply. */
export interface SubscribedChannel {
  /** Canonical channel name (`trades` is answered as `trades:{userId}`). */
  channel: string;
  /** The name as the client asked for it, when it differs from `channel`. */
  requested?: string;
  offset: number;
  epoch: string;
  recovered?: boolean;
  replayed?: number;
}

/** One refused channel in a subscribe reply. */
export interface FailedChannel {
  channel: string;
  code: WireError["code"];
  message: string;
}

export interface SubscribeReply {
  ok: true;
  subscribed: SubscribedChannel[];
  failed: FailedChannel[];
}
export interface UnsubscribeReply {
  ok: true;
  unsubscribed: string[];
}
export interface PingReply {
  ok: true;
  timestamp: number;
  client_timestamp: number | string | null;
  server_time: string;
}
export interface AuthRefreshReply {
  ok: true;
  /** ISO time the new token expires, or null for a token without `exp`. */
  expiresAt: string | null;
}
export interface NotificationsListReply {
  ok: true;
  items: Notification[];
  unread: number;
}
export interface NotificationsAckReply {
  ok: true;
  acknowledged: number;
}
export interface NotificationTestReply {
  ok: true;
}

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
}

/** `meta`, the third argument of every publication event. */
export interface PublicationMeta {
  channel: string;
  offset: number;
  epoch: string;
  ts: number;
}

/** The `connected` event. */
export interface ConnectedPayload {
  userId: string;
  tier: Tier;
  message: string;
  timestamp: string;
  server_time: string;
  api_version: string;
  features: string[];
  limits: { maxSubscriptions: number; maxConnectionsPerUser: number };
}

export interface ResyncPayload {
  channel: string;
  reason: string;
}
export interface ShutdownPayload {
  reconnectAfterMs: number;
}

/** A publication event handler: `(payload, meta)`. */
export type PublicationHandler<T = unknown> = (payload: T, meta: PublicationMeta) => void;

/** Server-to-client events (Socket.IO `ServerToClientEvents` type parameter). */
export interface ServerToClientEvents {
  connected: (payload: ConnectedPayload) => void;
  error: (payload: WireError) => void;
  resync: (payload: ResyncPayload) => void;
  "server:shutdown": (payload: ShutdownPayload) => void;
  "quote:update": PublicationHandler<Quote>;
  "portfolio:update": PublicationHandler<Portfolio>;
  "trade:update": PublicationHandler<Trade>;
  "trade:executed": PublicationHandler<Trade>;
  "trade:failed": PublicationHandler<Trade>;
  "notification:new": PublicationHandler<Notification>;
  "signal:new": PublicationHandler<Signal>;
  "ai:decision": PublicationHandler<AiDecision>;
  "metrics:update": PublicationHandler<PerformanceMetrics>;
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
