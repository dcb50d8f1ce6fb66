/**
 * A server-to-client WebSocket frame (RFC 6455 section 5.2): FIN set, no
 * extension bits, unmasked, the shortest length encoding. These are the bytes
 * `ws` writes for `send()` without compression, so a client cannot tell a frame
 * built here from one built by `ws`.
 * @example wsFrame("42[\"quote:update\",{}]") // <Buffer 81 14 34 32 …>
 */
export function wsFrame(data: string | Buffer, prefix?: number): Buffer {
  const text = typeof data === "string";
  const bodyLength = (text ? Buffer.byteLength(data) : data.length) + (prefix === undefined ? 0 : 1);
  const header = bodyLength < 126 ? 2 : bodyLength < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + bodyLength);
  frame[0] = text ? 0x81 : 0x82;
  if (header === 2) {
    frame[1] = bodyLength;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(bodyLength, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(bodyLength / 2 ** 32), 2);
    frame.writeUInt32BE(bodyLength >>> 0, 6);
  }
  let at = header;
  if (prefix !== undefined) frame[at++] = prefix;
  if (text) frame.write(data, at, "utf8");
  else data.copy(frame, at);
  return frame;
}

/** Engine.IO's packet type of a message, as the first character of a text frame ("4"). */
const MESSAGE = 0x34;

/**
 * One Socket.IO packet encoded once for every connection it goes to: the
 * Socket.IO text (engine.io's own path takes it: long-polling, or a connection
 * whose engine.io queue is not empty) and the whole WebSocket frame of the
 * Engine.IO message carrying it (the coalescing writer takes that).
 */
export class EncodedPacket {
  /** The WebSocket frame of `4{packet}`. */
  readonly frame: Buffer;

  constructor(
    /** Socket.IO's encoding of the packet, e.g. `2["quote:update",{…},{…}]`. */
    readonly packet: string,
  ) {
    this.frame = wsFrame(packet, MESSAGE);
  }
}
