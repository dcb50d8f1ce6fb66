import type { ErrorCode } from "@tickwire/protocol";

/** What the core needs of one client connection; the Socket.IO transport implements it. */
export interface Connection {
  /** Transport id of the connection (the Socket.IO socket id). */
  readonly id: string;
  /** Remote address, for logs. */
  readonly address: string;
  /** Sends one event to this connection. */
  emit(event: string, ...args: unknown[]): void;
  /** Sends `error { code, message }` and closes the connection. */
  disconnect(code: ErrorCode, message: string): void;
  /** Packets written but not yet flushed to the network (slow-consumer detection). */
  bufferedPackets(): number;
  /** Calls `listener` once, the next time the queue is handed to the network (held state values are written then). */
  onceDrained(listener: () => void): void;
}

/** Writes one event to many connections, encoding it once. */
export interface Broadcaster {
  broadcast(connectionIds: readonly string[], event: string, payload: unknown, meta: unknown): void;
}
