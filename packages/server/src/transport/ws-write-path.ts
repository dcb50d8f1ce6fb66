import { FrameWriter, type ByteSink } from "./frame-writer.js";
import type { EncodedPacket } from "./ws-frame.js";
import { wsFrame } from "./ws-frame.js";
import type { WriteScheduler } from "./write-scheduler.js";

// The engine.io and ws internals the write path relies on (engine.io 6, ws 8),
// typed here and nowhere else. engine.io hands a transport every packet it
// writes through `send(packets)`; on a WebSocket transport the write path
// takes that method over, so every packet of the connection goes through one
// coalescing writer in the order engine.io and the hub wrote them.

interface EnginePacket {
  readonly type: string;
  readonly data?: unknown;
  readonly options?: { readonly wsPreEncodedFrame?: readonly Buffer[] };
}

interface WebSocketLike {
  readonly readyState: number;
  readonly _socket: ByteSink | null;
  readonly _extensions?: Record<string, unknown>;
}

interface EngineTransport {
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

/** The engine.io socket of one Socket.IO connection. */
export interface EngineConnection {
  readonly readyState: string;
  readonly transport: EngineTransport;
  readonly writeBuffer: readonly unknown[];
  write(data: string, options: Record<string, unknown>): unknown;
  on(event: "upgrade", listener: (transport: EngineTransport) => void): unknown;
  on(event: "packetCreate", listener: (packet: EnginePacket) => void): unknown;
  on(event: "flush", listener: () => void): unknown;
  once(event: "drain", listener: () => void): unknown;
}

const OPEN = 1;
const WRITER = Symbol("tickwire.writer");
const POLL_BYTES = Symbol("tickwire.pollBytes");

type Tagged = EngineConnection & { [WRITER]?: FrameWriter; [POLL_BYTES]?: number };

function asBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/**
 * Puts the coalescing writer on `conn`'s WebSocket transport, now and after
 * an upgrade from long-polling. A transport with compression negotiated keeps
 * engine.io's own path (frames are deflated per message there).
 */
export function installWritePath(conn: EngineConnection, scheduler: WriteScheduler): void {
  const tagged = conn as Tagged;
  if (!take(tagged, conn.transport, scheduler)) {
    // Long-polling: engine.io's queue is the outbound queue; its bytes are counted as packets are created.
    tagged[POLL_BYTES] = 0;
    conn.on("packetCreate", (packet) => {
      if (tagged[WRITER] === undefined) tagged[POLL_BYTES]! += typeof packet.data === "string" ? packet.data.length + 1 : 1;
    });
    conn.on("flush", () => {
      tagged[POLL_BYTES] = 0;
    });
    conn.on("upgrade", (transport) => {
      take(tagged, transport, scheduler);
    });
  }
}

type WriterTransport = EngineTransport & { [WRITER]: FrameWriter };

/** The writer engine.io's encoder hands its (synchronous) output to. */
let encodingFor: FrameWriter | undefined;
const pushEncoded = (data: string | ArrayBuffer | ArrayBufferView): void => {
  encodingFor!.push(typeof data === "string" ? wsFrame(data) : wsFrame(asBuffer(data)));
};

/**
 * The transport's `send`, shared by every connection (one function, not a
 * closure per socket): engine.io's own packets (handshake replies, pings,
 * acknowledgements, `emit`s) go to the writer in engine.io's order, ahead of
 * anything written later.
 */
function sendThroughWriter(this: WriterTransport, packets: EnginePacket[]): void {
  const writer = this[WRITER];
  for (const packet of packets) {
    const pre = packet.options?.wsPreEncodedFrame;
    if (pre !== undefined) {
      writer.push(pre.length === 1 ? pre[0]! : Buffer.concat(pre as Buffer[]));
      continue;
    }
    encodingFor = writer;
    try {
      this.parser.encodePacket(packet, this.supportsBinary, pushEncoded);
    } finally {
      encodingFor = undefined;
    }
  }
  writer.sent();
}

/** The transport's `doClose`: what the writer holds goes out ahead of the close frame. */
function closeThroughWriter(this: WriterTransport, fn?: () => void): void {
  this[WRITER].finish();
  (Object.getPrototypeOf(this) as EngineTransport).doClose.call(this, fn);
}

function take(conn: Tagged, transport: EngineTransport, scheduler: WriteScheduler): boolean {
  const ws = transport.socket;
  const sink = ws?._socket;
  if (transport.name !== "websocket" || !ws || !sink || transport.perMessageDeflate || Object.keys(ws._extensions ?? {}).length > 0) return false;
  const writer = new FrameWriter(sink, ws, scheduler, transport);
  (transport as WriterTransport)[WRITER] = writer;
  transport.send = sendThroughWriter;
  transport.doClose = closeThroughWriter;
  // engine.io's per-socket send callbacks are not called any more: let them go (assigned, not deleted, to keep the shape).
  const unused = transport as unknown as Record<string, unknown>;
  for (const key of ["_doSend", "_doSendLast", "_onSent", "_onSentLast"]) if (typeof unused[key] === "function") unused[key] = undefined;
  conn[WRITER] = writer;
  conn[POLL_BYTES] = 0;
  return true;
}

/** The writer a packet may go to directly: engine.io's queue is empty, so nothing written earlier is still behind it. */
function directWriter(conn: Tagged): FrameWriter | undefined {
  const writer = conn[WRITER];
  return writer !== undefined && conn.writeBuffer.length === 0 && conn.readyState === "open" ? writer : undefined;
}

/**
 * Writes one encoded packet to a connection: straight into its writer (held
 * for up to `windowMs`) when nothing of engine.io's is waiting, else through
 * engine.io behind what is (long-polling, an upgrade in progress).
 */
export function writePacket(conn: EngineConnection, packet: EncodedPacket, windowMs: number): void {
  const writer = directWriter(conn as Tagged);
  if (writer !== undefined) writer.push(packet.frame, windowMs);
  else conn.write(packet.packet, { wsPreEncodedFrame: [packet.frame] });
}

/** Packets waiting for the network: backed-up frames of the writer and engine.io's queue. */
export function queuedPackets(conn: EngineConnection): number {
  return ((conn as Tagged)[WRITER]?.queuedPackets() ?? 0) + conn.writeBuffer.length;
}

/** Bytes waiting for the network: the writer's frames and socket buffer, or (long-polling) engine.io's queue. */
export function queuedBytes(conn: EngineConnection): number {
  const tagged = conn as Tagged;
  return (tagged[WRITER]?.queuedBytes() ?? 0) + (tagged[POLL_BYTES] ?? 0);
}

/** Calls `listener` once the connection's queue was handed to the network. */
export function onceDrained(conn: EngineConnection, listener: () => void): void {
  const writer = (conn as Tagged)[WRITER];
  if (writer !== undefined && conn.writeBuffer.length === 0) writer.onceDrained(listener);
  // engine.io emits "drain" each time it hands its write buffer to the transport.
  else conn.once("drain", listener);
}
