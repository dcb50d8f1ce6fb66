// The load generator's clients: plain socket.io-client over websocket, one
// connection each (forceNew), connected a bounded number at a time.
import { io } from "socket.io-client";

/**
 * Connects one client per token; `attach(socket, i)` adds listeners before any
 * event can arrive. Resolves once every client received `connected`.
 * @example const sockets = await connectClients(url, tokens, { attach: (s, i) => s.on("quote:update", onQuote(i)) });
 */
export async function connectClients(url, tokens, { concurrency = 50, timeoutMs = 30_000, attach = () => {} } = {}) {
  const sockets = new Array(tokens.length);
  let next = 0;
  const one = (i) =>
    new Promise((resolve, reject) => {
      const socket = io(url, { auth: { token: tokens[i] }, transports: ["websocket"], forceNew: true, reconnection: false, timeout: timeoutMs });
      sockets[i] = socket;
      attach(socket, i);
      const timer = setTimeout(() => reject(new Error(`client ${i}: no "connected" after ${timeoutMs} ms`)), timeoutMs);
      socket.once("connected", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("connect_error", (err) => {
        clearTimeout(timer);
        reject(new Error(`client ${i}: connect_error ${err.data?.code ?? ""} ${err.message}`));
      });
    });
  const worker = async () => {
    while (next < tokens.length) await one(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, tokens.length) }, worker));
  } catch (err) {
    closeClients(sockets);
    throw err;
  }
  return sockets;
}

/** Sends `subscribe` with `payload(i)` from every socket, a bounded number at a time; returns the replies. */
export async function subscribeClients(sockets, payload, { concurrency = 100, timeoutMs = 30_000 } = {}) {
  const replies = new Array(sockets.length);
  let next = 0;
  const worker = async () => {
    while (next < sockets.length) {
      const i = next++;
      const reply = await sockets[i].timeout(timeoutMs).emitWithAck("subscribe", payload(i));
      if (!reply?.ok || (reply.failed && reply.failed.length)) throw new Error(`client ${i}: subscribe refused ${JSON.stringify(reply)}`);
      replies[i] = reply;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sockets.length) }, worker));
  return replies;
}

/** Disconnects every socket (ignores the ones never created). */
export function closeClients(sockets) {
  for (const socket of sockets) socket?.disconnect();
}

/** Resolves when `done()` is true (checked every `everyMs`) or after `timeoutMs`; true when done. */
export async function waitFor(done, timeoutMs, everyMs = 20) {
  const until = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}
