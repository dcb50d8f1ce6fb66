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

function take(conn: Tagged, transport: EngineTransport, scheduler: WriteScheduler): boolean {
  const ws = transport.socket;
  const sink = ws?._socket;
  if (transport.name !== "websocket" || !ws || !sink || transport.perMessageDeflate || Object.keys(ws._extensions ?? {}).length > 0) return false;
  const writer = new FrameWriter(sink, () => ws.readyState === OPEN, scheduler, (sends) => {
    for (let i = 0; i < sends; i++) transport.emit("drain");
  });
  const encode = transport.parser.encodePacket.bind(transport.parser);
  const supportsBinary = transport.supportsBinary;
  const push = (data: string | ArrayBuffer | ArrayBufferView): void => {
    writer.push(typeof data === "string" ? wsFrame(data) : wsFrame(asBuffer(data)));
  };
  // engine.io's own packets (handshake replies, pings, acknowledgements, `emit`s): in its order, ahead of anything written later.
  transport.send = (packets) => {
    for (const packet of packets) {
      const pre = packet.options?.wsPreEncodedFrame;
      if (pre !== undefined) writer.push(pre.length === 1 ? pre[0]! : Buffer.concat(pre as Buffer[]));
      else encode(packet, supportsBinary, push);
    }
    writer.sent();
  };
  const doClose = transport.doClose.bind(transport);
  transport.doClose = (fn) => {
    writer.finish();
    doClose(fn);
  };
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
