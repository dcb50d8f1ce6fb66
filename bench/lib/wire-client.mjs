// A Socket.IO 4 client reduced to what the load generator needs, on a raw TCP
// socket: the WebSocket handshake and framing (RFC 6455), the Engine.IO v4
// handshake and heartbeat, the Socket.IO CONNECT with `auth`, and events with
// acknowledgements. Quote frames are read in place, straight from the bytes
// of the TCP chunk (seq, sentAt, symbol and offset), with no allocation and no
// JSON.parse per delivery, so that one load-generator core reads close to a
// million frames per second and the load generator is not what a benchmark
// measures. bench/test/wire-client.test.mjs checks that it reads the same
// frames, to the byte, as a plain socket.io-client.
import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";

const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const HEADER_END = Buffer.from("\r\n\r\n");

// Engine.IO packet types (first character of a frame) and Socket.IO packet types (second).
const EIO_OPEN = 0x30;
const EIO_PING = 0x32;
const EIO_MESSAGE = 0x34;
const SIO_CONNECT = 0x30;
const SIO_DISCONNECT = 0x31;
const SIO_EVENT = 0x32;
const SIO_ACK = 0x33;
const SIO_CONNECT_ERROR = 0x34;

const QUOTE_EVENT = Buffer.from('42["quote:update",{"symbol":"S');
const SEQ = Buffer.from('"seq":');
const SENT_AT = Buffer.from('"sentAt":');
const OFFSET = Buffer.from('"offset":');

/** Index of `key` in buf[from, end), by a byte loop (cheaper than a native call for the few dozen bytes between fields), or -1. */
function find(buf, key, from, end) {
  const first = key[0];
  const last = end - key.length;
  outer: for (let i = from; i <= last; i++) {
    if (buf[i] !== first) continue;
    for (let k = 1; k < key.length; k++) if (buf[i + k] !== key[k]) continue outer;
    return i;
  }
  return -1;
}

let numberEnd = 0;

/** The unsigned integer at buf[at…]; sets numberEnd. */
function intAt(buf, at) {
  let n = 0;
  let c = buf[at];
  while (c >= 0x30 && c <= 0x39) {
    n = n * 10 + (c - 0x30);
    c = buf[++at];
  }
  numberEnd = at;
  return n;
}

/** The unsigned decimal at buf[at…] (e.g. 1763812345678.123); sets numberEnd. */
function floatAt(buf, at) {
  let n = intAt(buf, at);
  at = numberEnd;
  if (buf[at] === 0x2e) {
    let fraction = 0;
    let scale = 1;
    let c = buf[++at];
    while (c >= 0x30 && c <= 0x39) {
      fraction = fraction * 10 + (c - 0x30);
      scale *= 10;
      c = buf[++at];
    }
    n += fraction / scale;
  }
  numberEnd = at;
  return n;
}

/** The last quote frame read by parseQuoteAt. */
export const quote = { symbol: 0, seq: 0, sentAt: 0, offset: -1 };

/**
 * Reads the Engine.IO/Socket.IO text in buf[start, end) as a `quote:update`
 * event whose payload starts `{"symbol":"S<n>"` (the bench's quotes) into
 * `quote` (offset -1 without meta); false for any other frame.
 * @example parseQuoteAt(Buffer.from('42["quote:update",{"symbol":"S007","seq":3,"sentAt":5.5}]'), 0, 58) // true, quote = { symbol: 7, seq: 3, sentAt: 5.5, offset: -1 }
 */
export function parseQuoteAt(buf, start, end) {
  const n = QUOTE_EVENT.length;
  if (end - start < n) return false;
  for (let k = 0; k < n; k++) if (buf[start + k] !== QUOTE_EVENT[k]) return false;
  quote.symbol = intAt(buf, start + n);
  const seqAt = find(buf, SEQ, numberEnd, end);
  if (seqAt < 0) return false;
  quote.seq = intAt(buf, seqAt + SEQ.length);
  const sentAt = find(buf, SENT_AT, numberEnd, end);
  quote.sentAt = sentAt < 0 ? NaN : floatAt(buf, sentAt + SENT_AT.length);
  const offsetAt = find(buf, OFFSET, numberEnd, end);
  quote.offset = offsetAt < 0 ? -1 : intAt(buf, offsetAt + OFFSET.length);
  return true;
}

/** A masked client frame (opcode 1 text, 8 close, 10 pong) carrying `payload`. */
function clientFrame(opcode, payload) {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const len = data.length;
  const header = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + len);
  frame[0] = 0x80 | opcode;
  if (header === 2) frame[1] = 0x80 | len;
  else if (header === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < len; i++) frame[header + 4 + i] = data[i] ^ mask[i & 3];
  return frame;
}

/**
 * One client connection. `onQuote(symbol, seq, sentAt, offset)` gets every
 * quote; `onEvent(name, args)` every other event (JSON-parsed).
 * @example const c = new WireClient({ url, auth: { token }, onQuote }); await c.connect(); await c.emitWithAck("subscribe", { channels: ["quotes:S001"] });
 */
export class WireClient {
  constructor({ url, auth, localAddress, onQuote, onEvent, onClose, onText, timeoutMs = 30_000 }) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.auth = auth;
    this.localAddress = localAddress;
    this.onQuote = onQuote;
    this.onEvent = onEvent;
    this.onClose = onClose;
    /** Every Engine.IO packet's text, before it is read (tests). */
    this.onText = onText;
    this.timeoutMs = timeoutMs;
    this.socket = undefined;
    this.rest = undefined;
    this.fragments = undefined;
    this.acks = new Map();
    this.nextAck = 0;
    this.open = false;
    this.connected = false;
    this.closed = false;
  }

  /** Opens the WebSocket, joins the main namespace with `auth`, and resolves with the server's `connected` payload. */
  connect() {
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.connectedWaiter = this.connectFailed = undefined;
        if (err) {
          this.close();
          reject(err);
        } else resolve(value);
      };
      const timer = setTimeout(() => done(new Error(`no "connected" after ${this.timeoutMs} ms`)), this.timeoutMs);
      this.connectedWaiter = (payload) => done(undefined, payload);
      this.connectFailed = (err) => done(err);
      const key = randomBytes(16).toString("base64");
      const socket = connect({ host: this.host, port: this.port, localAddress: this.localAddress, noDelay: true });
      this.socket = socket;
      let head = Buffer.alloc(0);
      const onHead = (chunk) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEADER_END);
        if (end < 0) return;
        socket.off("data", onHead);
        const lines = head.toString("latin1", 0, end).split("\r\n");
        const accept = createHash("sha1").update(key + WS_GUID).digest("base64");
        if (!/^HTTP\/1\.1 101/.test(lines[0]) || !lines.some((l) => l.toLowerCase() === `sec-websocket-accept: ${accept.toLowerCase()}`)) {
          done(new Error(`WebSocket handshake refused: ${lines[0]}`));
          return;
        }
        this.open = true;
        socket.on("data", (data) => this.data(data));
        if (head.length > end + 4) this.data(head.subarray(end + 4));
      };
      socket.on("data", onHead);
      socket.on("error", (err) => done(err));
      socket.on("close", () => {
        this.closed = true;
        const wasConnected = this.connected;
        this.open = this.connected = false;
        for (const { reject: fail, timer: t } of this.acks.values()) {
          clearTimeout(t);
          fail(new Error("connection closed"));
        }
        this.acks.clear();
        done(new Error("connection closed before connected"));
        this.onClose?.(wasConnected);
      });
      socket.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`,
      );
    });
  }

  /** Sends an event with an acknowledgement; resolves with the reply. */
  emitWithAck(event, payload) {
    const id = this.nextAck++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`no reply to ${event} after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.acks.set(id, { resolve, reject, timer });
      this.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  send(text) {
    if (this.open) this.socket.write(clientFrame(1, text));
  }

  /** Drops the connection at once (no close handshake, no reconnection). */
  close() {
    this.socket?.destroy();
  }

  /** Splits a TCP chunk into WebSocket frames, handling a frame cut across chunks. */
  data(chunk) {
    let buf = chunk;
    if (this.rest !== undefined) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let at = 0;
    const total = buf.length;
    while (at + 2 <= total) {
      const b0 = buf[at];
      let len = buf[at + 1] & 0x7f;
      let header = 2;
      if (len === 126) {
        if (at + 4 > total) break;
        len = buf.readUInt16BE(at + 2);
        header = 4;
      } else if (len === 127) {
        if (at + 10 > total) break;
        len = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6);
        header = 10;
      }
      const start = at + header;
      const end = start + len;
      if (end > total) break;
      this.frame(b0, buf, start, end);
      at = end;
      if (!this.open) return;
    }
    if (at < total) this.rest = buf.subarray(at);
  }

  frame(b0, buf, start, end) {
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    if (opcode === 0 || !fin) {
      // A fragmented message: rare (large frames from a server that fragments), gathered and then read whole.
      (this.fragments ??= []).push(Buffer.from(buf.subarray(start, end)));
      if (!fin) return;
      const whole = Buffer.concat(this.fragments);
      this.fragments = undefined;
      this.message(whole, 0, whole.length);
      return;
    }
    if (opcode === 1 || opcode === 2) this.message(buf, start, end);
    else if (opcode === 8) {
      this.socket.end(clientFrame(8, Buffer.alloc(0)));
      this.open = false;
    } else if (opcode === 9) this.socket.write(clientFrame(10, buf.subarray(start, end)));
  }

  message(buf, start, end) {
    this.onText?.(buf.toString("utf8", start, end));
    const type = buf[start];
    if (type === EIO_MESSAGE) {
      const sio = buf[start + 1];
      if (sio === SIO_EVENT) {
        if (parseQuoteAt(buf, start, end)) {
          this.onQuote?.(quote.symbol, quote.seq, quote.sentAt, quote.offset);
          return;
        }
        const [name, ...args] = JSON.parse(buf.toString("utf8", start + 2, end));
        if (name === "connected" && this.connectedWaiter) {
          this.connected = true;
          this.connectedWaiter(args[0]);
          return;
        }
        this.onEvent?.(name, args);
      } else if (sio === SIO_ACK) {
        const id = intAt(buf, start + 2);
        const waiter = this.acks.get(id);
        if (!waiter) return;
        this.acks.delete(id);
        clearTimeout(waiter.timer);
        waiter.resolve(JSON.parse(buf.toString("utf8", numberEnd, end))[0]);
      } else if (sio === SIO_CONNECT_ERROR) {
        const err = JSON.parse(buf.toString("utf8", start + 2, end));
        this.connectFailed?.(new Error(`connect_error ${err.data?.code ?? ""} ${err.message}`));
      } else if (sio === SIO_DISCONNECT) {
        this.close();
      } else if (sio === SIO_CONNECT) {
        // Namespace joined; the server's `connected` event follows.
      }
    } else if (type === EIO_PING) {
      this.send("3");
    } else if (type === EIO_OPEN) {
      this.send(`40${JSON.stringify(this.auth)}`);
    }
  }
}
