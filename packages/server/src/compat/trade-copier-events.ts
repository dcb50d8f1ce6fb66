import { TickwireError } from "@tickwire/protocol";
import type { EventRouter } from "../core/event-router.js";
import { newTraceId } from "../core/publisher.js";
import type { RpcCaller } from "../proxy/rpc-proxy.js";
import type { Session } from "../core/session.js";
import {
  EmptyRequestSchema,
  ExecuteTradeRequestSchema,
  SignalsRequestSchema,
  TradesRequestSchema,
  WatchlistRequestSchema,
  type TradesRequest,
} from "./legacy-schemas.js";
import type { LegacySubscriber } from "./legacy-subscriber.js";
import { emitLegacy } from "./legacy-server-events.js";

/** The room name the trade copier's server used for a user (`user:{id}`), echoed in its replies. */
function userRoom(userId: string): string {
  return `user:${userId}`;
}

/**
 * What the trade copier's `user:{id}` room carried (seed 003: `trade:update`,
 * `portfolio:update` and `notification:new` all go to that room, which
 * `subscribe:trades` joins): the user's trades, portfolio and inbox.
 */
const USER_ROOM_CHANNELS = ["trades", "portfolio", "notifications"] as const;

function ownUserOnly(session: Session, request: TradesRequest): void {
  if (request.userId !== undefined && String(request.userId) !== session.userId) {
    throw new TickwireError("FORBIDDEN", `"trades:${String(request.userId)}" belongs to another user.`);
  }
}

/**
 * The trade copier (seeds 001 and 003): `subscribe:portfolio`,
 * `subscribe:trades`, `subscribe:watchlist`, `subscribe:signals` and their
 * `unsubscribe:*`. Server events (`portfolio:update`, `trade:executed`,
 * `trade:failed`, `trade:update`, `quote:update`, `signal:new`) already have
 * Tickwire's names, so no alias is needed. `execute:trade` goes to the RPC
 * backend as the method `execute:trade` (docs/backend-hooks.md).
 */
export function registerTradeCopierEvents(router: EventRouter, subscriber: LegacySubscriber, rpc: RpcCaller): void {
  router.registerExtension("subscribe:portfolio", EmptyRequestSchema, async (session) => {
    const { channel } = await subscriber.one(session, "portfolio");
    return { channel };
  });

  // 001 sends no payload; 003 sends { userId } and expects trades:subscribed { room }.
  router.registerExtension("subscribe:trades", TradesRequestSchema, async (session, request, context) => {
    ownUserOnly(session, request);
    const items = USER_ROOM_CHANNELS.map((name) => ({ name, channel: name }));
    const { subscribed, failed } = await subscriber.many(session, items, "subscribe:trades", context);
    const reply = { room: userRoom(session.userId), channels: subscribed.map((s) => s.channel) };
    if (subscribed.length > 0) emitLegacy(session.connection, "trades:subscribed", reply);
    return { ...reply, failed: failed.map((f) => ({ channel: f.name, code: f.code, message: f.message })) };
  });

  router.registerExtension("unsubscribe:trades", TradesRequestSchema, async (session, request) => {
    ownUserOnly(session, request);
    const channels: string[] = [];
    for (const name of USER_ROOM_CHANNELS) {
      const channel = await subscriber.unsubscribe(session, name);
      if (channel !== undefined) channels.push(channel);
    }
    const reply = { room: userRoom(session.userId), channels };
    emitLegacy(session.connection, "trades:unsubscribed", reply);
    return reply;
  });

  router.registerExtension("subscribe:watchlist", WatchlistRequestSchema, async (session, request, context) => {
    const symbols = Array.isArray(request) ? request : request.symbols;
    const items = [...new Set(symbols)].map((symbol) => ({ name: symbol, channel: `quotes:${symbol}` }));
    const { subscribed, failed } = await subscriber.many(session, items, "subscribe:watchlist", context);
    return {
      symbols: subscribed.map((s) => s.channel.slice("quotes:".length)),
      failed: failed.map((f) => ({ symbol: f.name, code: f.code, message: f.message })),
    };
  });

  router.registerExtension("subscribe:signals", SignalsRequestSchema, async (session, request) => {
    const { channel } = await subscriber.one(session, request.channelId === undefined ? "signals" : `signals:${request.channelId}`);
    const reply = { room: channel, channel };
    emitLegacy(session.connection, "signals:subscribed", reply);
    return reply;
  });

  // Without channelId: every signals channel of the connection (the catalogue's `unsubscribe:signals {}`).
  router.registerExtension("unsubscribe:signals", SignalsRequestSchema, async (session, request) => {
    const names =
      request.channelId === undefined
        ? [...session.subscriptions.values()].filter((sub) => sub.namespace.name === "signals").map((sub) => sub.channel)
        : [`signals:${request.channelId}`];
    const channels: string[] = [];
    for (const name of names) {
      const channel = await subscriber.unsubscribe(session, name);
      if (channel !== undefined) channels.push(channel);
    }
    const reply = { channels };
    emitLegacy(session.connection, "signals:unsubscribed", reply);
    return reply;
  });

  // Answered by `trade:executed` (the backend's result) or `trade:error { code, message, symbol, side, quantity }`, and the ack.
  router.registerExtension("execute:trade", ExecuteTradeRequestSchema, async (session, request) => {
    const fail = (code: string, message: string): void => {
      if (!session.closed) emitLegacy(session.connection, "trade:error", { code, message, symbol: request.symbol, side: request.side, quantity: request.quantity });
    };
    let outcome;
    try {
      outcome = await rpc.call(session, "execute:trade", request, newTraceId(), "execute:trade");
    } catch (err) {
      if (err instanceof TickwireError) fail(err.code, err.message);
      throw err;
    }
    if ("error" in outcome) {
      fail(outcome.backend.code, outcome.error.message);
      throw outcome.error;
    }
    if (!session.closed) emitLegacy(session.connection, "trade:executed", outcome.result);
    return { result: outcome.result };
  });
}
