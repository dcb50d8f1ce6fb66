import type { DeliveredMeta, ErrorCode, PublicationMeta, ServerToClientEvents } from "@tickwire/protocol";

/** The arguments of a protocol server event, as packages/protocol's event map types them. */
export type ServerEventArgs<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

/** What the core needs of one client connection; the Socket.IO transport implements it. */
export interface Connection {
  /** Transport id of the connection (the Socket.IO socket id). */
  readonly id: string;
  /** Remote address, for logs. */
  readonly address: string;
  /** Current transport (`websocket`, `polling`), for logs and the ops page; connections without one omit it. */
  readonly transport?: string;
  /** Sends one event of the protocol's event map; a renamed event or field fails to compile. */
  emit<E extends keyof ServerToClientEvents>(event: E, ...args: ServerEventArgs<E>): void;
  /**
   * Sends a publication under its own event name (a namespace's event, `room:*`,
   * a legacy view's): `(payload, meta)`, and `token` last when there is one.
   */
  publish(event: string, payload: unknown, meta: PublicationMeta | DeliveredMeta, token?: string): void;
  /**
   * Sends an event of a legacy client (names and shapes of the platforms Tickwire
   * replaces, outside the protocol's event map): compat/ calls it through
   * `emitLegacy` (compat/legacy-server-events.ts), which types it.
   */
  emitLegacy(event: string, payload: unknown): void;
  /** Sends `error { code, message }` and closes the connection. */
  disconnect(code: ErrorCode, message: string): void;
  /** Packets waiting because the network does not take them as fast as they are written (slow-consumer detection). */
  bufferedPackets(): number;
  /** Bytes written but not yet taken by the network (slow-consumer detection). */
  bufferedBytes(): number;
  /** Calls `listener` once, the next time the queue is handed to the network (held state values are written then). */
  onceDrained(listener: () => void): void;
}

/** Writes one event to many connections, encoding it once. */
export interface Broadcaster {
  /**
   * `state`: a state channel's publication (latest value matters), which may
   * wait for the connection's write window; anything else leaves in the turn
   * it was written. `token`: a resumption token appended as a last argument
   * (core/resumption.ts), for connections that may resume.
   */
  broadcast(connections: readonly Connection[], event: string, payload: unknown, meta: PublicationMeta, state?: boolean, token?: string): void;
}
