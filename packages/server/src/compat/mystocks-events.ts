import { TickwireError } from "@tickwire/protocol";
import type { EventRouter } from "../core/event-router.js";
import { newTraceId } from "../core/publisher.js";
import type { RpcCaller } from "../proxy/rpc-proxy.js";
import type { Session } from "../core/session.js";
import { LegacyView, type PublicationMeta } from "../core/subscription.js";
import {
  ActionRequestSchema,
  MarketStreamRequestSchema,
  MarketSymbolRequestSchema,
  RoomRequestSchema,
  StreamFilterRequestSchema,
} from "./legacy-schemas.js";
import type { LegacySubscriber } from "./legacy-subscriber.js";
import { emitLegacy } from "./legacy-server-events.js";

const QUOTES = "quotes:";

/** The rooms MyStocks' server broadcast a symbol's market data to (`market_600519`, `stream_600519`). */
const MARKET_ROOM = /^(?:market|stream)_(.+)$/;

/** MyStocks' `stream_data` payload (seed 002, section 2.5). */
export interface StreamData {
  readonly symbol: string;
  readonly data: unknown;
  /** Epoch ms: the quote's own `timestamp` when it is a number, else the publish time. */
  readonly timestamp: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A quote publication in MyStocks' `stream_data` shape: `data` holds the quote's
 * fields (already filtered) without `symbol`, which moves up beside `timestamp`.
 * @example toStreamData({ symbol: "600519", price: 1850.5 }, { channel: "quotes:600519", offset: 3, epoch: "e", ts: 1699267202000 }, quote) // { symbol: "600519", data: { price: 1850.5 }, timestamp: 1699267202000 }
 */
export function toStreamData(payload: unknown, meta: PublicationMeta, data: unknown): StreamData {
  let fields = payload;
  if (isRecord(payload)) {
    const { symbol: _symbol, ...rest } = payload;
    fields = rest;
  }
  const own = isRecord(data) ? data.timestamp : undefined;
  return {
    symbol: meta.channel.startsWith(QUOTES) ? meta.channel.slice(QUOTES.length) : meta.channel,
    data: fields,
    timestamp: typeof own === "number" && Number.isFinite(own) ? own : meta.ts,
  };
}

/** Quotes delivered as `stream_data`; one view, so clients with the same fields share one encoding. */
const STREAM_DATA_VIEW = new LegacyView({ event: "stream_data", transform: toStreamData });

/** MyStocks' message types (seed 002, `MessageType`); a notification of another type arrives as `notification`. */
const MESSAGE_TYPES = new Set(["text", "notification", "alert", "system", "data"]);

/** What a MyStocks client receives as `message` for a notification of the user's inbox. */
export interface MyStocksMessage {
  readonly type: string;
  readonly message_id: string;
  readonly title: string | null;
  readonly message: string;
  readonly data: unknown;
  readonly action_url: string | null;
  /** Epoch ms of when it was sent (queued), as their messages carry it. */
  readonly timestamp: number;
}

/**
 * A notification in MyStocks' message shape: `type` one of their message types
 * (`notification` for any other), `message_id` the notification's id.
 */
export function toMyStocksMessage(payload: unknown, meta: PublicationMeta): MyStocksMessage {
  const n = (isRecord(payload) ? payload : {}) as Record<string, unknown>;
  const type = typeof n.type === "string" && MESSAGE_TYPES.has(n.type) ? n.type : "notification";
  return {
    type,
    message_id: String(n.id ?? ""),
    title: typeof n.title === "string" ? n.title : null,
    message: typeof n.message === "string" ? n.message : "",
    data: n.data ?? null,
    action_url: typeof n.actionUrl === "string" ? n.actionUrl : null,
    timestamp: meta.ts,
  };
}

/**
 * The user's inbox as MyStocks' offline queue: delivered as `message`; like their
 * queue, what a connection of the user got is not sent again (their client never acknowledges).
 */
const OFFLINE_QUEUE_VIEW = new LegacyView({ event: "message", transform: toMyStocksMessage, unacknowledged: true });

/**
 * MyStocks' offline queue (seed 002, sections 2.4 and 7): a connection whose handshake
 * says `auth.client: "mystocks"` gets the user's inbox at once, what was sent while
 * every connection of the user was away first (oldest first), then live ones.
 */
export async function openMyStocksQueue(subscriber: LegacySubscriber, session: Session): Promise<void> {
  await subscriber.one(session, "notifications", OFFLINE_QUEUE_VIEW);
}

/** A MyStocks field list as a Tickwire filter: deduplicated; none, null or empty is every field. */
function fieldFilter(fields: readonly string[] | null | undefined): string[] | undefined {
  if (fields === undefined || fields === null || fields.length === 0) return undefined;
  return [...new Set(fields)];
}

/** Subscribes (or re-subscribes, changing only the field set) one symbol's quotes as `stream_data`. */
async function subscribeStream(subscriber: LegacySubscriber, session: Session, symbol: string, fields: string[] | undefined): Promise<{ symbol: string; channel: string; fields: string[] | null }> {
  const name = QUOTES + symbol;
  const { channel } = await subscriber.one(session, fields === undefined ? name : { channel: name, fields }, STREAM_DATA_VIEW);
  return { symbol: channel.slice(QUOTES.length), channel, fields: fields ?? null };
}

/** The symbol of a market room (`market_{symbol}`, `stream_{symbol}`), or undefined for any other room. */
function marketSymbol(room: string): string | undefined {
  return MARKET_ROOM.exec(room)?.[1];
}

/** The channel of one of the platform's rooms (the rooms API): `rooms:{room}`. */
const ROOMS = "rooms:";

/**
 * MyStocks (seed 002), the part Tickwire's model covers, market data streams:
 * `subscribe_market_stream`, `unsubscribe_market_stream`, `stream_filter_update`,
 * `subscribe` / `unsubscribe { room }` (variants of the protocol events) for market
 * rooms and for the platform's rooms (`rooms:{room}`, the rooms API), and `request`, forwarded to the RPC backend (method = action) and
 * answered with a `response`; an action no backend serves is refused in it. Quotes are delivered as `stream_data { symbol, data,
 * timestamp }`. Its `ping` / `pong` are in heartbeat-events.ts.
 */
export function registerMyStocksEvents(router: EventRouter, subscriber: LegacySubscriber, rpc: RpcCaller): void {
  router.registerExtension("subscribe_market_stream", MarketStreamRequestSchema, (session, request) =>
    subscribeStream(subscriber, session, request.symbol, fieldFilter(request.fields)),
  );

  router.registerExtension("unsubscribe_market_stream", MarketSymbolRequestSchema, async (session, request) => {
    const channel = await subscriber.unsubscribe(session, QUOTES + request.symbol);
    return { symbol: request.symbol, unsubscribed: channel !== undefined };
  });

  // Their update_fields(sid, symbol, fields): only for a stream the connection has, which keeps its snapshot position.
  router.registerExtension("stream_filter_update", StreamFilterRequestSchema, async (session, request) => {
    if (!subscriber.find(session, QUOTES + request.symbol)) {
      throw new TickwireError("BAD_REQUEST", `"${request.symbol}" is not subscribed on this connection; send subscribe_market_stream first.`);
    }
    return subscribeStream(subscriber, session, request.symbol, fieldFilter(request.fields));
  });

  // A market room is that symbol's stream; any other room is one of the platform's rooms, `rooms:{room}`, for its members.
  router.registerVariant("subscribe", RoomRequestSchema, async (session, request) => {
    const symbol = marketSymbol(request.room);
    if (symbol !== undefined) return { room: request.room, ...(await subscribeStream(subscriber, session, symbol, undefined)) };
    const { channel, offset, epoch } = await subscriber.one(session, ROOMS + request.room);
    return { room: request.room, channel, offset, epoch };
  });

  router.registerVariant("unsubscribe", RoomRequestSchema, async (session, request) => {
    const symbol = marketSymbol(request.room);
    const channel = await subscriber.unsubscribe(session, symbol !== undefined ? QUOTES + symbol : ROOMS + request.room);
    return { room: request.room, unsubscribed: channel !== undefined };
  });

  // Actions go to the RPC backend (method = action, params = payload) when one serves them; otherwise they are refused
  // as before. Either way the request_id the client waits on gets its `response`.
  router.registerExtension("request", ActionRequestSchema, async (session, request) => {
    const traceId = typeof request.trace_id === "string" && request.trace_id.length <= 128 ? request.trace_id : newTraceId();
    const respond = (body: { success: true; data: unknown } | { success: false; error: { code: string; message: string } }): void => {
      const now = Date.now();
      if (!session.closed) emitLegacy(session.connection, "response", { type: "response", request_id: request.request_id, ...body, timestamp: now, server_time: now, trace_id: traceId });
    };
    if (!rpc.serves(request.action)) {
      const error = {
        code: "UNKNOWN_EVENT",
        message: `Action ${JSON.stringify(request.action)} is not served here: request actions are served by the platform's API, not by the gateway.`,
      } as const;
      respond({ success: false, error });
      throw new TickwireError(error.code, error.message);
    }
    let outcome;
    try {
      outcome = await rpc.call(session, request.action, (request as Record<string, unknown>).payload, traceId, "request");
    } catch (err) {
      if (err instanceof TickwireError) respond({ success: false, error: err.toWire() });
      throw err;
    }
    if ("error" in outcome) {
      respond({ success: false, error: { code: outcome.backend.code, message: outcome.error.message } });
      throw outcome.error;
    }
    respond({ success: true, data: outcome.result });
    return { request_id: request.request_id, data: outcome.result, trace_id: traceId };
  });
}
