import type { EventRouter } from "../core/event-router.js";
import type { Session } from "../core/session.js";
import { LegacyPingSchema } from "./legacy-schemas.js";
import { emitLegacy, type LegacyPong } from "./legacy-server-events.js";

/**
 * The `pong` event every `ping` gets with the layer on: one payload for every
 * legacy client, a superset of RRRalgorithms' `{ timestamp, client_timestamp }`
 * (`timestamp` ISO 8601) and MyStocks' `{ type, timestamp, server_time }`
 * (epoch ms). The two disagree on the type of `timestamp`, so it is the server
 * time in the format of the client's own `timestamp`: epoch ms when the ping
 * carried a number, ISO 8601 otherwise; `server_time` is always epoch ms.
 * @example pongOf(1699267200000, 1699267200500) // { type: "pong", timestamp: 1699267200500, client_timestamp: 1699267200000, server_time: 1699267200500 }
 */
export function pongOf(clientTimestamp: unknown, now: number): LegacyPong {
  const timestamp = typeof clientTimestamp === "number" ? now : new Date(now).toISOString();
  return { type: "pong", timestamp, client_timestamp: clientTimestamp ?? null, server_time: now };
}

function pong(session: Session, reply: Record<string, unknown>): void {
  if (!session.closed) emitLegacy(session.connection, "pong", pongOf(reply.client_timestamp, reply.timestamp as number));
}

/**
 * Heartbeats of the legacy clients (RRRalgorithms seed 004, MyStocks seed 002):
 * every `ping` is answered as the protocol says (its acknowledgement) and also
 * with a `pong` event; a ping payload the protocol refuses (`{ type: "ping",
 * timestamp }`, extra properties) is answered the same way instead of
 * BAD_REQUEST. A client's `pong` is accepted and ignored: Socket.IO's own
 * heartbeat keeps the connection alive.
 */
export function registerHeartbeatEvents(router: EventRouter): void {
  router.observe("ping", (session, _request, reply) => pong(session, reply));
  router.registerVariant("ping", LegacyPingSchema, (session, request) => {
    const now = Date.now();
    const reply = { timestamp: now, client_timestamp: request.timestamp ?? null, server_time: new Date(now).toISOString() };
    pong(session, reply);
    return reply;
  });
  router.registerExtension("pong", LegacyPingSchema, () => ({}));
}
