import { Type, type Static } from "@sinclair/typebox";

/*
 * Payloads of the legacy client events (docs/legacy-clients.md). Exactly what
 * the platforms' client code sends; anything else is BAD_REQUEST, as for
 * protocol events.
 */

const UserId = Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer({ minimum: 0 })]);
const Symbols = Type.Array(Type.String({ minLength: 1, maxLength: 24 }), { maxItems: 100 });

/** `{}`: `subscribe_notifications` (StackMotive), `subscribe:portfolio` (trade copier, sent without payload). */
export const EmptyRequestSchema = Type.Object({}, { additionalProperties: false });

/** `subscribe:trades` / `unsubscribe:trades`: `{ userId? }`, the caller's own id when given. */
export const TradesRequestSchema = Type.Object({ userId: Type.Optional(UserId) }, { additionalProperties: false });
export type TradesRequest = Static<typeof TradesRequestSchema>;

/** `subscribe:watchlist`: a list of symbols, or `{ symbols }`. */
export const WatchlistRequestSchema = Type.Union([Symbols, Type.Object({ symbols: Symbols }, { additionalProperties: false })]);
export type WatchlistRequest = Static<typeof WatchlistRequestSchema>;

/** `subscribe:signals` / `unsubscribe:signals`: `{ channelId? }` (a signal provider). */
export const SignalsRequestSchema = Type.Object(
  { channelId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
  { additionalProperties: false },
);
export type SignalsRequest = Static<typeof SignalsRequestSchema>;

/** The RRRalgorithms variant of `subscribe` / `unsubscribe`: `{ streams }`. */
export const StreamsRequestSchema = Type.Object(
  { streams: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 16 }) },
  { additionalProperties: false },
);
export type StreamsRequest = Static<typeof StreamsRequestSchema>;

/** The legacy variant of `ping`: any object; `timestamp`, when present, is echoed whatever its type. */
export const LegacyPingSchema = Type.Object({ timestamp: Type.Optional(Type.Unknown()) }, { additionalProperties: true });
export type LegacyPing = Static<typeof LegacyPingSchema>;

const MarketSymbol = Type.String({ minLength: 1, maxLength: 24 });
/** MyStocks field filter: a list (their Set); absent, null or empty means every field. */
const StreamFields = Type.Union([Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 }), Type.Null()]);

/** MyStocks `subscribe_market_stream`: `{ symbol, fields? }`. */
export const MarketStreamRequestSchema = Type.Object({ symbol: MarketSymbol, fields: Type.Optional(StreamFields) }, { additionalProperties: false });
export type MarketStreamRequest = Static<typeof MarketStreamRequestSchema>;

/** MyStocks `unsubscribe_market_stream`: `{ symbol }`. */
export const MarketSymbolRequestSchema = Type.Object({ symbol: MarketSymbol }, { additionalProperties: false });

/** MyStocks `stream_filter_update`: `{ symbol, fields }`. */
export const StreamFilterRequestSchema = Type.Object({ symbol: MarketSymbol, fields: StreamFields }, { additionalProperties: false });

/**
 * The MyStocks variant of `subscribe` / `unsubscribe`: `{ room }`, with the
 * envelope of its message format (`type`, `request_id`, `user_id`, `timestamp`).
 */
export const RoomRequestSchema = Type.Object(
  {
    room: Type.String({ minLength: 1, maxLength: 160 }),
    type: Type.Optional(Type.String({ maxLength: 32 })),
    request_id: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Number()])),
    user_id: Type.Optional(UserId),
    timestamp: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
export type RoomRequest = Static<typeof RoomRequestSchema>;

/**
 * MyStocks `request`: `{ request_id, action, … }`. Any other property is
 * accepted, so that every request the client waits on gets its `response`.
 */
export const ActionRequestSchema = Type.Object(
  {
    request_id: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Number()]),
    action: Type.String({ minLength: 1, maxLength: 128 }),
    trace_id: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
export type ActionRequest = Static<typeof ActionRequestSchema>;

/** Trade copier `execute:trade` (seed 003, admin): `{ symbol, side, quantity }`, forwarded to the RPC backend. */
export const ExecuteTradeRequestSchema = Type.Object(
  {
    symbol: Type.String({ minLength: 1, maxLength: 24 }),
    side: Type.Union([Type.Literal("buy"), Type.Literal("sell")]),
    quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1e12 }),
  },
  { additionalProperties: false },
);
export type ExecuteTradeRequest = Static<typeof ExecuteTradeRequestSchema>;
