import type { Connection } from "../core/connection.js";

/** `pong`: one heartbeat answer for every legacy client (docs/legacy-clients.md, "Heartbeats"). */
export interface LegacyPong {
  readonly type: "pong";
  /** Server time: epoch ms when the client sent a number, else ISO 8601. */
  readonly timestamp: number | string;
  readonly client_timestamp: unknown;
  readonly server_time: number;
}

/** MyStocks' `response` to a `request`: the backend's answer under their `request_id`. */
export type LegacyResponse = {
  readonly type: "response";
  readonly request_id: unknown;
  readonly timestamp: number;
  readonly server_time: number;
  readonly trace_id: string;
} & ({ readonly success: true; readonly data: unknown } | { readonly success: false; readonly error: { readonly code: string; readonly message: string } });

/**
 * Server events of the legacy clients (docs/legacy-clients.md): names and shapes of
 * the platforms Tickwire replaces, outside the protocol's event map. Publications
 * under legacy names go through views (core/subscription.ts `LegacyView`), not here.
 */
export interface LegacyServerToClientEvents {
  pong: (payload: LegacyPong) => void;
  response: (payload: LegacyResponse) => void;
  subscription_confirmed: (payload: { readonly streams: readonly string[]; readonly status: "subscribed" | "unsubscribed" }) => void;
  notifications_subscribed: (payload: { readonly message: string; readonly channel: string }) => void;
  "trades:subscribed": (payload: { readonly room: string; readonly channels: readonly string[] }) => void;
  "trades:unsubscribed": (payload: { readonly room: string; readonly channels: readonly string[] }) => void;
  "signals:subscribed": (payload: { readonly room: string; readonly channel: string }) => void;
  "signals:unsubscribed": (payload: { readonly channels: readonly string[] }) => void;
  "trade:error": (payload: { readonly code: string; readonly message: string; readonly symbol: string; readonly side: string; readonly quantity: number }) => void;
  /** The trade copier's one-argument `trade:executed`: the backend's result as it answered it (not the protocol's publication event). */
  "trade:executed": (result: unknown) => void;
}

/**
 * Sends a legacy client's event, typed by {@link LegacyServerToClientEvents}: the one
 * way compat/ writes an event the protocol's event map does not have.
 * @example emitLegacy(session.connection, "pong", pongOf(1699267200000, Date.now()))
 */
export function emitLegacy<E extends keyof LegacyServerToClientEvents>(connection: Connection, event: E, ...args: Parameters<LegacyServerToClientEvents[E]>): void {
  connection.emitLegacy(event, args[0]);
}
