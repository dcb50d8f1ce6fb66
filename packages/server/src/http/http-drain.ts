import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { TickwireError } from "@tickwire/protocol";

/** How long a keep-alive connection that just had a response may take to send its next request during a shutdown. */
const IDLE_GRACE_MS = 100;

interface Tracked {
  /** Requests being handled on the connection. */
  active: number;
  /** When its last response ended. */
  lastActiveAt: number;
}

/**
 * The HTTP half of a graceful shutdown. Once `close()` is called, every new
 * request is answered 503 SHUTDOWN and every response carries
 * `Connection: close`, so keep-alive clients go away after their current
 * request; `drain()` waits for the requests in flight, then ends the
 * connections left open. Requests are counted from Node's `request` event, so
 * every route, the 404 handler and static files are included.
 */
export class HttpDrain {
  private closing = false;
  private readonly connections = new Map<Socket, Tracked>();
  /** When an API request last started or ended: a client told to close may come back on a new connection at once. */
  private lastActivityAt = 0;
  private idleWaiters: Array<() => void> = [];

  /**
   * @param ownsConnections false when the gateway is attached to an app's server: the connections are the app's,
   *   so the drain waits for the gateway's requests but never closes a connection; `track` is then called for them.
   */
  constructor(
    app: FastifyInstance,
    private readonly ownsConnections = true,
  ) {
    // Added before Socket.IO attaches: its own requests (polling) are not counted here.
    if (ownsConnections) app.server.on("request", (req, res) => this.track(req, res));
    app.addHook("onRequest", async (_request, reply) => {
      if (!this.closing) return;
      void reply.header("connection", "close");
      throw new TickwireError("SHUTDOWN");
    });
    app.addHook("onSend", async (_request, reply) => {
      if (this.closing) void reply.header("connection", "close");
    });
  }

  /** Counts a request of the gateway's HTTP API until its response ends. */
  track(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    let tracked = this.connections.get(socket);
    if (!tracked) {
      tracked = { active: 0, lastActiveAt: Date.now() };
      this.connections.set(socket, tracked);
      socket.once("close", () => {
        this.connections.delete(socket);
        this.wake();
      });
    }
    tracked.active++;
    this.lastActivityAt = Date.now();
    const t = tracked;
    res.once("close", () => {
      t.active--;
      t.lastActiveAt = this.lastActivityAt = Date.now();
      this.wake();
    });
  }

  /** True once the shutdown began. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** Stops accepting work: from now on new requests get 503 SHUTDOWN, responses `Connection: close`. */
  close(): void {
    this.closing = true;
  }

  /**
   * Waits until no request is in flight, gives connections that were busy a
   * moment to send their next request (answered 503 with `Connection: close`),
   * closes the idle ones, and returns once no connection is left and none was
   * active for that moment; at `deadline` (ms since the epoch) whatever is left
   * is destroyed.
   */
  async drain(deadline: number): Promise<void> {
    if (!this.ownsConnections) {
      // The app's connections stay open: only the gateway's requests in flight are waited for.
      while (Date.now() < deadline && [...this.connections.values()].some((t) => t.active > 0)) await this.changeOr(deadline);
      return;
    }
    for (;;) {
      const now = Date.now();
      let next = deadline;
      for (const [socket, t] of this.connections) {
        if (t.active > 0) continue;
        const idleSince = t.lastActiveAt + IDLE_GRACE_MS;
        if (idleSince <= now) socket.destroySoon();
        else next = Math.min(next, idleSince);
      }
      if (this.connections.size === 0) {
        // A keep-alive client that was just told to close may be opening a new connection: it gets its 503 too.
        const quietAt = this.lastActivityAt + IDLE_GRACE_MS;
        if (quietAt <= now || now >= deadline) return;
        next = Math.min(next, quietAt);
      }
      if (now >= deadline) {
        for (const socket of this.connections.keys()) socket.destroy();
        return;
      }
      await this.changeOr(next);
    }
  }

  private changeOr(at: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, at - Date.now()));
      timer.unref();
      const waiters = this.idleWaiters;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
