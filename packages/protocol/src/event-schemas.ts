import type { Static, TSchema } from "@sinclair/typebox";
import {
  CLIENT_EVENT_REPLY_SCHEMAS,
  CLIENT_EVENT_SCHEMAS,
  ConnectedPayloadSchema,
  ErrorEventPayloadSchema,
  PresenceEventPayloadSchema,
  PublicationMetaSchema,
  RoomMetaSchema,
  ResyncPayloadSchema,
  ServerSubscribedPayloadSchema,
  ServerUnsubscribedPayloadSchema,
  ShutdownPayloadSchema,
  type Ack,
  type ClientToServerEvents,
  type PublicationHandler,
  type ServerToClientEvents,
} from "./messages.js";
import { AiDecisionSchema, NotificationSchema, PerformanceMetricsSchema, PortfolioSchema, PublicItemSchema, QuoteSchema, RoomMessageSchema, SignalSchema, TradeSchema } from "./payloads.js";

/** Schemas of the server events that carry one payload, keyed by event name. */
export const SERVER_EVENT_SCHEMAS = {
  connected: ConnectedPayloadSchema,
  error: ErrorEventPayloadSchema,
  resync: ResyncPayloadSchema,
  "presence:join": PresenceEventPayloadSchema,
  "presence:leave": PresenceEventPayloadSchema,
  "server:shutdown": ShutdownPayloadSchema,
  "server:subscribed": ServerSubscribedPayloadSchema,
  "server:unsubscribed": ServerUnsubscribedPayloadSchema,
} as const satisfies Record<string, TSchema>;

/** Schemas of the publication events, emitted as `(payload, meta)`, keyed by event name. */
export const PUBLICATION_EVENT_SCHEMAS = {
  "quote:update": QuoteSchema,
  "portfolio:update": PortfolioSchema,
  "trade:update": TradeSchema,
  "trade:executed": TradeSchema,
  "trade:failed": TradeSchema,
  "notification:new": NotificationSchema,
  "signal:new": SignalSchema,
  "ai:decision": AiDecisionSchema,
  "metrics:update": PerformanceMetricsSchema,
  "feed:event": PublicItemSchema,
  "board:update": PublicItemSchema,
  "room:message": RoomMessageSchema,
} as const satisfies Record<string, TSchema>;

/** The `meta` schema of the publication events whose meta is not only `PublicationMeta`, keyed by event name. */
export const PUBLICATION_META_SCHEMAS = {
  "room:message": RoomMetaSchema,
} as const satisfies Partial<Record<keyof typeof PUBLICATION_EVENT_SCHEMAS, TSchema>>;

/*
 * The event maps above are what docs/asyncapi.json is made of; the interfaces
 * ClientToServerEvents and ServerToClientEvents are what the server and the SDK
 * compile against. These checks keep the two the same: an event added, renamed
 * or retyped on one side only fails the build here ("'false' does not satisfy
 * the constraint 'true'").
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type Client = typeof CLIENT_EVENT_SCHEMAS;
type Replies = typeof CLIENT_EVENT_REPLY_SCHEMAS;
type Server = typeof SERVER_EVENT_SCHEMAS;
type Publications = typeof PUBLICATION_EVENT_SCHEMAS;
type Metas = typeof PUBLICATION_META_SCHEMAS;

type ClientEventsOfSchemas = { [E in keyof Client]: (req: Static<Client[E]>, ack: Ack<Static<Replies[E]>>) => void };
type ServerEventsOfSchemas = { [E in keyof Server]: (payload: Static<Server[E]>) => void } & {
  [E in keyof Publications]: PublicationHandler<Static<Publications[E]>, E extends keyof Metas ? Static<Metas[E]> : Static<typeof PublicationMetaSchema>>;
};
type ClientEventSchemasMatchTheEventMap = Assert<Same<ClientEventsOfSchemas, ClientToServerEvents>>;
type ServerEventSchemasMatchTheEventMap = Assert<Same<ServerEventsOfSchemas, ServerToClientEvents>>;
