import { TickwireError, isErrorCode } from "@tickwire/protocol/core";
import type { ClientToServerEvents, ErrorReply, ServerToClientEvents } from "@tickwire/protocol/core";
import type { Socket } from "socket.io-client";

/** A Socket.IO socket typed with the Tickwire event maps. */
export type TickwireSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Request payload of a client event. */
export type RequestOf<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];

/** Successful reply of a client event. */
export type ReplyOf<E extends keyof ClientToServerEvents> =
  Parameters<ClientToServerEvents[E]>[1] extends (reply: infer R) => void ? Exclude<R, ErrorReply> : never;

function isErrorReply(reply: unknown): reply is ErrorReply {
  return reply !== null && typeof reply === "object" && (reply as { ok?: unknown }).ok === false;
}

/**
 * Sends a client event and waits for its acknowledgement. A refused request
 * (`{ ok: false, error }`) rejects with a TickwireError of that code; no
 * connection rejects with UNAVAILABLE at once (instead of Socket.IO's
 * buffering, which would send stale requests after a reconnect); no answer
 * within `timeoutMs` rejects with UNAVAILABLE.
 * @example const reply = await request(socket, "ping", {}, 10_000);
 */
export async function request<E extends keyof ClientToServerEvents>(
  socket: TickwireSocket,
  event: E,
  payload: RequestOf<E>,
  timeoutMs: number,
): Promise<ReplyOf<E>> {
  if (!socket.connected) throw new TickwireError("UNAVAILABLE", `Not connected; "${event}" was not sent.`);
  let reply: unknown;
  try {
    // The event maps make emitWithAck's overloads hard to name generically; the types above carry the contract.
    const timed = socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> };
    reply = await timed.emitWithAck(event, payload);
  } catch (cause) {
    throw new TickwireError("UNAVAILABLE", `No answer to "${event}": ${(cause as Error).message}.`, { cause });
  }
  if (isErrorReply(reply)) {
    const code = isErrorCode(reply.error?.code) ? reply.error.code : "INTERNAL";
    throw new TickwireError(code, reply.error?.message);
  }
  return reply as ReplyOf<E>;
}
