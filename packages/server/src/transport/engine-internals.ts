import type { Server, Socket } from "socket.io";
import type { ByteSink } from "./frame-writer.js";

// Every private member of engine.io 6, socket.io 4 and ws 8 the gateway touches,
// typed here and read nowhere else. The write path takes over engine.io's
// WebSocket `send`, and the connection footprint lets go of what those
// libraries keep; both depend on members no API promises. Each member is checked
// once, when a connection (or a transport) is set up, never per packet: a member
// missing or of another type is reported by name, and that connection keeps
// engine.io's own write path (or its footprint) instead.
// test/transport/engine-internals.test.ts asserts each of them on real
// connections: it is the test that fails when an upgrade of those libraries changes one.

/** Told the member that is missing or changed, by name, when a connection keeps engine.io's own write path (or its footprint) because of it. */
export type InternalsReport = (problem: string) => void;

/** A packet as engine.io hands it to a transport's `send`. */
export interface EnginePacket {
  readonly type: string;
  readonly data?: unknown;
  readonly options?: { readonly wsPreEncodedFrame?: readonly Buffer[] };
}

/** An emitter's listeners, by the EventEmitter API (`rawListeners` keeps `once` wrappers visible). */
export interface Listening {
  rawListeners(event: string): Array<((...args: unknown[]) => unknown) & { listener?: (...args: unknown[]) => unknown }>;
  removeListener(event: string, listener: (...args: unknown[]) => unknown): unknown;
}

/** ws's WebSocket, as engine.io's WebSocket transport holds it (`transport.socket`). */
export interface WebSocketLike extends Listening {
  readonly readyState: number;
  /** The TCP socket under the WebSocket. */
  readonly _socket: (ByteSink & Listening & { _peername?: unknown }) | null;
  /** Negotiated extensions (permessage-deflate), by name. */
  readonly _extensions?: Record<string, unknown>;
  /** The frame parser, with its buffers of a partly received message. */
  readonly _receiver?: Listening & { _buffers?: unknown; _fragments?: unknown };
}

/** An engine.io transport (`polling`, `websocket`). */
export interface EngineTransport extends Listening {
  readonly name: string;
  writable: boolean;
  perMessageDeflate?: unknown;
  readonly supportsBinary?: boolean;
  readonly socket?: WebSocketLike;
  readonly parser: { encodePacket(packet: EnginePacket, supportsBinary: boolean | undefined, callback: (data: string | ArrayBuffer | ArrayBufferView) => void): void };
  send(packets: EnginePacket[]): void;
  doClose(fn?: () => void): void;
  emit(event: "drain"): boolean;
}

/** The engine.io socket of one Socket.IO connection (`socket.conn`). */
export interface EngineConnection extends Listening {
  readonly readyState: string;
  readonly transport: EngineTransport;
  /** Packets engine.io holds until its transport is writable (long-polling between polls, an upgrade under way). */
  readonly writeBuffer: readonly unknown[];
  /** The opening HTTP request, kept for the connection's life. */
  request: unknown;
  write(data: string, options: Record<string, unknown>): unknown;
  on(event: "upgrade", listener: (transport: EngineTransport) => void): unknown;
  on(event: "packetCreate", listener: (packet: EnginePacket) => void): unknown;
  on(event: "flush", listener: () => void): unknown;
  once(event: "drain", listener: () => void): unknown;
}

/** The engine.io socket under a Socket.IO socket. */
export function engineOf(socket: Socket): EngineConnection {
  return socket.conn as unknown as EngineConnection;
}

/** Packets in engine.io's write buffer (read on the hot path: checked once by {@link connectionProblem}). */
export function writeBufferLength(conn: EngineConnection): number {
  return conn.writeBuffer.length;
}

const isFunction = (value: unknown): boolean => typeof value === "function";
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** The first member of an engine.io socket the write path relies on that is missing or changed, by name; undefined when all are there. */
export function connectionProblem(conn: EngineConnection): string | undefined {
  if (!Array.isArray(conn.writeBuffer)) return "engine.io Socket.writeBuffer is not an array";
  if (!isFunction(conn.write)) return "engine.io Socket.write is not a function";
  if (!isObject(conn.transport)) return "engine.io Socket.transport is not an object";
  return undefined;
}

/**
 * The first member of a WebSocket transport the coalescing writer relies on
 * that is missing or changed, by name; undefined when all are there.
 */
export function transportProblem(transport: EngineTransport): string | undefined {
  if (!isFunction(transport.send)) return "engine.io WebSocket transport.send is not a function";
  if (!isFunction((Object.getPrototypeOf(transport) as Partial<EngineTransport> | null)?.doClose)) return "engine.io WebSocket transport.doClose is not on its prototype";
  if (!isFunction(transport.parser?.encodePacket)) return "engine.io WebSocket transport.parser.encodePacket is not a function";
  if (!isFunction(transport.emit)) return "engine.io WebSocket transport.emit is not a function";
  const ws = transport.socket;
  if (!isObject(ws)) return "engine.io WebSocket transport.socket (the ws WebSocket) is not an object";
  if (typeof ws.readyState !== "number") return "ws WebSocket.readyState is not a number";
  if (ws._extensions !== undefined && !isObject(ws._extensions)) return "ws WebSocket._extensions is not an object";
  const sink = ws._socket as Partial<ByteSink> | null | undefined;
  // A WebSocket closed already has let go of its TCP socket: nothing to check, nothing to take over.
  if (sink === null) return undefined;
  if (!isObject(sink)) return "ws WebSocket._socket (the TCP socket) is not an object";
  for (const method of ["write", "cork", "uncork", "once"] as const) if (!isFunction(sink[method])) return `ws WebSocket._socket.${method} is not a function`;
  if (typeof sink.writableLength !== "number") return "ws WebSocket._socket.writableLength is not a number";
  return undefined;
}

/** Encodes one of engine.io's own packets as the transport would, handing the result to `push` synchronously. */
export function encodeForTransport(transport: EngineTransport, packet: EnginePacket, push: (data: string | ArrayBuffer | ArrayBufferView) => void): void {
  transport.parser.encodePacket(packet, transport.supportsBinary, push);
}

/** The WebSocket of a transport {@link transportProblem} passed, and its TCP socket; undefined once it let go of that socket (closed). */
export function webSocketOf(transport: EngineTransport): { readonly ws: WebSocketLike; readonly sink: ByteSink } | undefined {
  const ws = transport.socket!;
  return ws._socket === null ? undefined : { ws, sink: ws._socket };
}

/** Whether a WebSocket transport compresses (its frames are deflated per message, by engine.io and ws). */
export function compresses(transport: EngineTransport): boolean {
  return Boolean(transport.perMessageDeflate) || Object.keys(transport.socket?._extensions ?? {}).length > 0;
}

/** engine.io's per-send callbacks of a WebSocket transport, which a transport whose `send` is taken over never calls. */
const SEND_CALLBACKS = ["_doSend", "_doSendLast", "_onSent", "_onSentLast"] as const;

/**
 * Takes over a transport's writes: `send` gets every packet engine.io writes,
 * `doClose` runs before the close. engine.io's send callbacks are let go
 * (assigned, not deleted, to keep the object's shape).
 */
export function takeOverWrites(transport: EngineTransport, send: (this: EngineTransport, packets: EnginePacket[]) => void, doClose: (this: EngineTransport, fn?: () => void) => void): void {
  transport.send = send;
  transport.doClose = doClose;
  const unused = transport as unknown as Record<string, unknown>;
  for (const key of SEND_CALLBACKS) if (isFunction(unused[key])) unused[key] = undefined;
}

/** engine.io's own close of a transport whose `doClose` was taken over. */
export function closeTransport(transport: EngineTransport, fn?: () => void): void {
  (Object.getPrototypeOf(transport) as EngineTransport).doClose.call(transport, fn);
}

/** A Socket.IO packet's type of an event (socket.io-parser's PacketType.EVENT). */
const EVENT_PACKET = 2;

type EncoderPacket = Parameters<Server["encoder"]["encode"]>[0];

/** An event of the main namespace encoded once, as Socket.IO writes it; undefined when it takes several packets (binary attachments). */
export function encodeEvent(io: Pick<Server, "encoder">, event: string, args: readonly unknown[]): string | undefined {
  const encoded = io.encoder.encode({ type: EVENT_PACKET, nsp: "/", data: [event, ...args] } as EncoderPacket) as unknown[];
  return encoded.length === 1 && typeof encoded[0] === "string" ? encoded[0] : undefined;
}

/** Whether the encoder encodes an event as the broadcast path expects; a description of what it does instead. */
export function encoderProblem(io: Pick<Server, "encoder">): string | undefined {
  if (!isObject(io.encoder) || !isFunction(io.encoder.encode)) return "socket.io Server.encoder.encode is not a function";
  try {
    const encoded = encodeEvent(io, "tickwire:probe", [{ a: 1 }]);
    if (encoded !== '2["tickwire:probe",{"a":1}]') return `socket.io Server.encoder encodes an event as ${JSON.stringify(encoded)}`;
  } catch (err) {
    return `socket.io Server.encoder.encode throws: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/** Makes `io.close()` leave the HTTP server open (socket.io closes the server it holds). False when socket.io holds it under another name. */
export function detachHttpServer(io: Server): boolean {
  const held = io as unknown as { httpServer?: unknown };
  if (!("httpServer" in held) || !isObject(held.httpServer)) return false;
  held.httpServer = undefined;
  return true;
}

/** Sets the pid socket.io sends in its CONNECT packet (socket.io-client sends it back with its last `offset` when it reconnects). */
export function setPid(socket: Socket, pid: string): void {
  (socket as unknown as { pid: string }).pid = pid;
}

/** What the connection footprint lets go of or compacts: a connection's emitters and bookkeeping, as the libraries keep them. */
export interface FootprintParts {
  readonly engine: EngineConnection & { sentCallbackFn?: unknown; packetsFn?: unknown; cleanupFn?: unknown };
  readonly transport: EngineTransport;
  readonly ws: WebSocketLike | undefined;
  readonly tcp: (Listening & { _peername?: unknown }) | null | undefined;
  readonly receiver: (Listening & { _buffers?: unknown; _fragments?: unknown }) | undefined;
  readonly socket: Socket;
  /** socket.io's middlewares of the socket (`socket.use`), an array socket.io keeps for the socket's life. */
  readonly socketFields: { fns?: unknown };
}

/** A connection's parts the footprint touches. */
export function footprintOf(socket: Socket): FootprintParts {
  const engine = engineOf(socket);
  const { transport } = engine;
  const ws = transport.name === "websocket" ? transport.socket : undefined;
  return { engine, transport, ws, tcp: ws?._socket, receiver: ws?._receiver, socket, socketFields: socket as unknown as { fns?: unknown } };
}

/** The listener table EventEmitter keeps (`_events`, a null-prototype object). */
export function listenerTable(emitter: unknown): Record<string | symbol, unknown> | undefined {
  const table = (emitter as { _events?: unknown } | null | undefined)?._events;
  return isObject(table) && Object.getPrototypeOf(table) === null ? table : undefined;
}

/** Replaces an emitter's listener table. */
export function setListenerTable(emitter: unknown, table: Record<string | symbol, unknown>): void {
  (emitter as { _events: unknown })._events = table;
}

/**
 * The first member the footprint relies on that is missing or changed, by name;
 * undefined when all are there. Checked once per connection, when it opens.
 */
export function footprintProblem(parts: FootprintParts): string | undefined {
  if (!("request" in parts.engine)) return "engine.io Socket.request is missing";
  for (const emitter of [parts.engine, parts.transport, parts.socket]) if (listenerTable(emitter) === undefined) return "EventEmitter._events is not a null-prototype object";
  for (const key of ENGINE_ARRAYS) if (!Array.isArray(parts.engine[key])) return `engine.io Socket.${key} is not an array`;
  if (!Array.isArray(parts.socketFields.fns)) return "socket.io Socket.fns is not an array";
  // A WebSocket that closed already has let go of its TCP socket: nothing of it is kept.
  if (parts.ws !== undefined && parts.tcp !== null) {
    if (!isObject(parts.tcp) || !isFunction(parts.tcp.rawListeners)) return "ws WebSocket._socket is not an emitter";
    if (!isObject(parts.receiver) || !Array.isArray(parts.receiver._buffers) || !Array.isArray(parts.receiver._fragments)) return "ws WebSocket._receiver._buffers or _fragments is not an array";
  }
  return undefined;
}

/** engine.io's bookkeeping arrays of a socket, kept for its life. */
const ENGINE_ARRAYS = ["sentCallbackFn", "packetsFn", "cleanupFn"] as const;
/** ws's receiver buffers of a partly received message. */
const RECEIVER_ARRAYS = ["_buffers", "_fragments"] as const;

/** The arrays a connection keeps for its life, as (owner, key): engine.io's bookkeeping, socket.io's middlewares, ws's receiver buffers. */
export function lifelongArrays(parts: FootprintParts): Array<readonly [Record<string, unknown>, string]> {
  const out: Array<readonly [Record<string, unknown>, string]> = [];
  for (const key of ENGINE_ARRAYS) out.push([parts.engine as unknown as Record<string, unknown>, key]);
  out.push([parts.socketFields as Record<string, unknown>, "fns"]);
  if (parts.receiver) for (const key of RECEIVER_ARRAYS) out.push([parts.receiver as unknown as Record<string, unknown>, key]);
  return out;
}

/** Drops the peer address net caches on the TCP socket (net reads it again if asked). */
export function forgetPeername(tcp: FootprintParts["tcp"]): void {
  if (tcp && tcp._peername !== undefined) tcp._peername = undefined;
}

/** engine.io's relay of the TCP socket's "close" to the upgrade's response stand-in (it keeps the HTTP request alive). */
export function isCloseRelay(fn: (...args: unknown[]) => unknown): boolean {
  return fn.name === "" && /^\(\)\s*=>\s*this\.emit\("close"\)$/.test(String(fn));
}

/** ws's handler of errors before the upgrade completed (it keeps the HTTP request alive). */
export function isUpgradeErrorHandler(fn: (...args: unknown[]) => unknown): boolean {
  return fn.name === "onUpgradeError";
}
