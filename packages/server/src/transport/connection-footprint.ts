import type { Socket } from "socket.io";
import { footprintOf, footprintProblem, forgetPeername, lifelongArrays, isCloseRelay, isUpgradeErrorHandler, listenerTable, setListenerTable, type FootprintParts, type InternalsReport, type Listening } from "./engine-internals.js";

// What a connection costs in memory, beyond what it needs to live: Socket.IO,
// engine.io and ws keep the opening HTTP request of every connection for its
// whole life (headers, raw headers, query, a response stand-in with its
// listeners), and the credentials in `socket.handshake.auth`. Once the session
// is open the gateway needs none of it (the address is kept), so it is let go.
// The engine.io, socket.io and ws members touched are in engine-internals.ts,
// checked when the connection opens: one that is missing or changed is reported
// and the connection keeps them all (it costs memory, nothing else).

const NOTHING = Object.freeze({});

/** Removes the listeners of `event` that `match` (by the listener a `once` wraps, if it is one). */
function removeWhere(emitter: Listening | null | undefined, event: string, match: (fn: (...args: unknown[]) => unknown) => boolean): void {
  if (!emitter) return;
  for (const raw of emitter.rawListeners(event)) if (match(raw.listener ?? raw)) emitter.removeListener(event, raw);
}

/** The parts of a connection the footprint may touch, or undefined (reported) when one is not what it relies on. */
function partsOf(socket: Socket, report: InternalsReport): FootprintParts | undefined {
  const parts = footprintOf(socket);
  const problem = footprintProblem(parts);
  if (problem === undefined) return parts;
  report(problem);
  return undefined;
}

/**
 * Lets go of the handshake of an open connection: engine.io's reference to the
 * HTTP request, the listeners of its WebSocket upgrade that keep the request
 * alive (the response stand-in's "close" relay, the pre-upgrade error handler,
 * the response-headers hook, which only long-polling responses use), and all of
 * `socket.handshake` but the address, the issue time and the flags.
 */
export function shedHandshake(socket: Socket, report: InternalsReport): void {
  const parts = partsOf(socket, report);
  if (parts !== undefined) {
    if (parts.ws !== undefined) {
      removeWhere(parts.tcp, "close", isCloseRelay);
      removeWhere(parts.ws, "error", isUpgradeErrorHandler);
      removeWhere(parts.transport, "headers", () => true);
    }
    parts.engine.request = null;
  }
  const { address, issued, xdomain, secure } = socket.handshake;
  (socket as { handshake: Socket["handshake"] }).handshake = { address, issued, xdomain, secure, time: "", url: "", headers: NOTHING, query: NOTHING, auth: NOTHING } as Socket["handshake"];
  // Every socket joins a room named after its id; the gateway writes to connections directly and uses no room.
  // (Its entry in the adapter's socket list stays: `io.emit` and `disconnectSockets` go through it.)
  socket.leave(socket.id);
}

/** Own properties on a prototype without any: a listener table in fast mode (Node's `{ __proto__: null }` is a dictionary). */
function Listeners(): void {}
Listeners.prototype = Object.create(null) as object;

/** Events an emitter emits once at most: a `once` listener of theirs is the listener itself (its wrapper costs ~150 bytes). */
const ONE_SHOT = new Set<string | symbol>(["close"]);

type Listener = ((...args: unknown[]) => unknown) & { listener?: (...args: unknown[]) => unknown };

/** The listener a `once` wrapper calls, for an event that fires once anyway. */
function unwrapped(key: string | symbol, fn: unknown): unknown {
  return ONE_SHOT.has(key) && typeof fn === "function" && typeof (fn as Listener).listener === "function" ? (fn as Listener).listener : fn;
}

/**
 * Stores an emitter's listener table compactly: the same listeners in a
 * fast-mode object (Node's own table is a hash dictionary of a few hundred
 * bytes), arrays of several listeners at their exact length, and `once`
 * wrappers of "close" replaced by their listener (close is emitted once).
 */
function compactListeners(emitter: unknown): void {
  const table = listenerTable(emitter);
  if (table === undefined) return;
  const fresh = new (Listeners as unknown as new () => Record<string | symbol, unknown>)();
  for (const key of Reflect.ownKeys(table)) {
    const value = table[key];
    fresh[key] = Array.isArray(value) ? value.map((fn: unknown) => unwrapped(key, fn)) : unwrapped(key, value);
  }
  setListenerTable(emitter, fresh);
}

/** An empty array that grew (push then shift) holds its grown backing store: a fresh one does not. */
function compactArray(owner: Record<string, unknown>, key: string): void {
  const value = owner[key];
  if (Array.isArray(value)) owner[key] = value.length === 0 ? [] : value.slice();
}

/**
 * Compacts what the session's connection keeps for its whole life once it is
 * set up: the listener tables of its emitters (TCP socket, WebSocket and its
 * receiver, engine.io transport and socket, Socket.IO socket) and engine.io's
 * bookkeeping arrays.
 */
export function compactConnection(socket: Socket, report: InternalsReport): void {
  const parts = partsOf(socket, report);
  if (parts === undefined) return;
  const { engine, transport, ws, tcp, receiver } = parts;
  for (const emitter of [tcp, ws, receiver, transport, engine, socket]) compactListeners(emitter);
  for (const [owner, key] of lifelongArrays(parts)) compactArray(owner, key);
  // The handshake kept the address.
  forgetPeername(tcp);
}
