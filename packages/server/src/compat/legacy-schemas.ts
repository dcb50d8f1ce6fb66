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
