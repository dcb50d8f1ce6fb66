import { compresses, connectionProblem, encodeForTransport, webSocketOf, takeOverWrites, closeTransport, transportProblem, writeBufferLength, type EngineConnection, type EnginePacket, type EngineTransport, type InternalsReport } from "./engine-internals.js";
import { FrameWriter } from "./frame-writer.js";
import type { EncodedPacket } from "./ws-frame.js";
import { wsFrame } from "./ws-frame.js";
import type { WriteScheduler } from "./write-scheduler.js";

// engine.io hands a transport every packet it writes through `send(packets)`;
// on a WebSocket transport the write path takes that method over, so every
// packet of the connection goes through one coalescing writer in the order
// engine.io and the hub wrote them. The engine.io and ws members this relies on
// are in engine-internals.ts, checked once per connection and per transport.

const WRITER = Symbol("tickwire.writer");
const POLL_BYTES = Symbol("tickwire.pollBytes");
/** Set on a connection whose write buffer cannot be read: packets engine.io holds, counted from its events. */
const PLAIN = Symbol("tickwire.plain");

type Tagged = EngineConnection & { [WRITER]?: FrameWriter; [POLL_BYTES]?: number; [PLAIN]?: { packets: number } };

function asBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/**
 * Puts the coalescing writer on `conn`'s WebSocket transport, now and after
 * an upgrade from long-polling. A transport with compression negotiated keeps
 * engine.io's own path (frames are deflated per message there), and so does a
 * connection or transport whose engine.io or ws members are not what the writer
 * relies on (`report` is told which).
 */
export function installWritePath(conn: EngineConnection, scheduler: WriteScheduler, report: InternalsReport): void {
  const tagged = conn as Tagged;
  const problem = connectionProblem(conn);
  if (problem !== undefined) {
    report(problem);
    countPlain(tagged);
    return;
  }
  if (!take(tagged, conn.transport, scheduler, report)) {
    // Long-polling: engine.io's queue is the outbound queue; its bytes are counted as packets are created.
    tagged[POLL_BYTES] = 0;
    conn.on("packetCreate", (packet) => {
      if (tagged[WRITER] === undefined) tagged[POLL_BYTES]! += typeof packet.data === "string" ? packet.data.length + 1 : 1;
    });
    conn.on("flush", () => {
      tagged[POLL_BYTES] = 0;
    });
    conn.on("upgrade", (transport) => {
      take(tagged, transport, scheduler, report);
    });
  }
}

/**
 * engine.io's plain write path for a connection whose write buffer cannot be
 * read: packets and bytes are counted from engine.io's events (a packet is
 * created, the buffer is flushed to the transport) instead.
 */
function countPlain(conn: Tagged): void {
  conn[PLAIN] = { packets: 0 };
  conn[POLL_BYTES] = 0;
  conn.on("packetCreate", (packet) => {
    conn[PLAIN]!.packets++;
    conn[POLL_BYTES]! += typeof packet.data === "string" ? packet.data.length + 1 : 1;
  });
  conn.on("flush", () => {
    conn[PLAIN]!.packets = 0;
    conn[POLL_BYTES] = 0;
  });
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
      encodeForTransport(this, packet, pushEncoded);
    } finally {
      encodingFor = undefined;
    }
  }
  writer.sent();
}

/** The transport's `doClose`: what the writer holds goes out ahead of the close frame. */
function closeThroughWriter(this: WriterTransport, fn?: () => void): void {
  this[WRITER].finish();
  closeTransport(this, fn);
}

function take(conn: Tagged, transport: EngineTransport, scheduler: WriteScheduler, report: InternalsReport): boolean {
  if (transport.name !== "websocket") return false;
  const problem = transportProblem(transport);
  if (problem !== undefined) {
    report(problem);
    return false;
  }
  const socket = webSocketOf(transport);
  if (socket === undefined || compresses(transport)) return false;
  const writer = new FrameWriter(socket.sink, socket.ws, scheduler, transport);
  (transport as WriterTransport)[WRITER] = writer;
  takeOverWrites(transport, sendThroughWriter as (this: EngineTransport, packets: EnginePacket[]) => void, closeThroughWriter as (this: EngineTransport, fn?: () => void) => void);
  conn[WRITER] = writer;
  conn[POLL_BYTES] = 0;
  return true;
}

/** The writer a packet may go to directly: engine.io's queue is empty, so nothing written earlier is still behind it. */
function directWriter(conn: Tagged): FrameWriter | undefined {
  const writer = conn[WRITER];
  return writer !== undefined && writeBufferLength(conn) === 0 && conn.readyState === "open" ? writer : undefined;
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
  const tagged = conn as Tagged;
  const plain = tagged[PLAIN];
  if (plain !== undefined) return plain.packets;
  return (tagged[WRITER]?.queuedPackets() ?? 0) + writeBufferLength(conn);
}

/** Bytes waiting for the network: the writer's frames and socket buffer, or (long-polling) engine.io's queue. */
export function queuedBytes(conn: EngineConnection): number {
  const tagged = conn as Tagged;
  return (tagged[WRITER]?.queuedBytes() ?? 0) + (tagged[POLL_BYTES] ?? 0);
}

/** Calls `listener` once the connection's queue was handed to the network. */
export function onceDrained(conn: EngineConnection, listener: () => void): void {
  const writer = (conn as Tagged)[WRITER];
  if (writer !== undefined && writeBufferLength(conn) === 0) writer.onceDrained(listener);
  // engine.io emits "drain" each time it hands its write buffer to the transport.
  else conn.once("drain", listener);
}

/** Packets engine.io holds for the connection (its write buffer), not yet handed to its transport. */
export function engineQueued(conn: EngineConnection): number {
  const plain = (conn as Tagged)[PLAIN];
  return plain !== undefined ? plain.packets : writeBufferLength(conn);
}
