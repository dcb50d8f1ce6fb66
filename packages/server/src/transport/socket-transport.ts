import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { BurstyRateLimiter, RateLimiterMemory } from "rate-limiter-flexible";
import { TickwireError, TIERS, type ClientToServerEvents, type ConnectedPayload, type ConnectErrorData, type DeliveredMeta, type ErrorCode, type InterServerEvents, type PublicationMeta, type ServerToClientEvents, type Tier } from "@tickwire/protocol";
import type { Authenticator } from "../auth/authenticator.js";
import { AuthError } from "../auth/token-verifier.js";
import { LEGACY_PLATFORMS } from "../core/session.js";
import type { Identity } from "../auth/identity.js";
import type { GatewayOptions, PerTier } from "../config/options.js";
import type { Broadcaster, Connection, ServerEventArgs } from "../core/connection.js";
import type { EventRouter } from "../core/event-router.js";
import { untilDeadline } from "../core/deadline.js";
import { inspectInput } from "../core/input-bounds.js";
import { Session } from "../core/session.js";
import type { SessionRegistry } from "../core/session-registry.js";
import { ResumptionManager, type ResumeGrant } from "../core/resumption.js";
import type { ConnectionLimiter } from "../limits/connection-limiter.js";
import type { UserRateLimiter } from "../limits/user-rate-limiter.js";
import { access, type Logger } from "../observability/logger.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import { compactConnection, shedHandshake } from "./connection-footprint.js";
import { detachHttpServer, encodeEvent, encoderProblem, engineOf, setPid, type EngineConnection, type InternalsReport } from "./engine-internals.js";
import { EncodedPacket } from "./ws-frame.js";
import { engineQueued, installWritePath, onceDrained, queuedBytes, queuedPackets, writePacket } from "./ws-write-path.js";
import { TurnGate } from "./turn-gate.js";
import { WriteScheduler } from "./write-scheduler.js";

/** What the Socket.IO transport needs from the gateway. */
export interface SocketTransportDeps {
  readonly options: GatewayOptions;
  readonly authenticator: Authenticator;
  readonly registry: SessionRegistry;
  /** Per-user connection slots, taken in the handshake. */
  readonly connectionLimiter: ConnectionLimiter;
  /** Per-user event budget across connections, when configured. */
  readonly userRateLimiter?: UserRateLimiter;
  readonly router: EventRouter;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** The `connected` payload for a new session. */
  readonly connectedPayload: (session: Session) => ConnectedPayload;
  /** Called once a session is open, with what its handshake resumed. */
  readonly onOpen: (session: Session, grant?: ResumeGrant) => void;
  /** Session resumption (core/resumption.ts), when enabled. */
  readonly resumption?: ResumptionManager | undefined;
  /** Called once a session has closed. */
  readonly onClose: (session: Session) => Promise<void>;
  /** The server is an app's (attach): other upgrade requests are the app's, and closing leaves the server open. */
  readonly attached?: boolean;
}

/** What the handshake leaves on `socket.data` for open() (Socket.IO's `SocketData` type parameter). */
export interface SocketData {
  identity: Identity;
  /** Gives the connection slot back if the transport closes before the session opens. */
  releaseSlot: (() => void) | undefined;
  /** The pid this connection may resume with later (resumable connections only). */
  pid: string | undefined;
  /** What the handshake's `pid` resumed. */
  grant: ResumeGrant | undefined;
}

/** The gateway's Socket.IO server, typed by the protocol's event maps. */
export type TickwireServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** One connection's Socket.IO socket, typed by the protocol's event maps. */
type TickwireSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** The same socket seen without the event map: events named at run time (publications, legacy events) are written through it. */
type UntypedEmitter = { emit(event: string, ...args: unknown[]): boolean };

class SocketConnection implements Connection {
  /** The session of this connection, once it exists: its tier picks the write window. */
  session: Session | undefined;
  /** The engine.io socket (the same for the connection's whole life, whatever its transport). */
  private readonly engine: EngineConnection;

  constructor(
    private readonly socket: TickwireSocket,
    private readonly writeWindowMs: PerTier<number>,
  ) {
    this.engine = engineOf(socket);
  }

  get id(): string {
    return this.socket.id;
  }

  get address(): string {
    return this.socket.handshake.address;
  }

  get transport(): string {
    return this.socket.conn.transport.name;
  }

  emit<E extends keyof ServerToClientEvents>(event: E, ...args: ServerEventArgs<E>): void {
    // Socket.IO's own emit is typed per event; the arguments were checked against the same map by this signature.
    (this.socket as unknown as UntypedEmitter).emit(event, ...args);
  }

  publish(event: string, payload: unknown, meta: PublicationMeta | DeliveredMeta, token?: string): void {
    const socket = this.socket as unknown as UntypedEmitter;
    // No trailing undefined: a handler sees exactly `(payload, meta)` on a connection that does not resume.
    if (token === undefined) socket.emit(event, payload, meta);
    else socket.emit(event, payload, meta, token);
  }

  emitLegacy(event: string, payload: unknown): void {
    (this.socket as unknown as UntypedEmitter).emit(event, payload);
  }

  /** Writes a packet encoded once for many connections; a state publication may wait for the tier's write window. */
  send(packet: EncodedPacket, state: boolean): void {
    if (!this.socket.connected) return;
    writePacket(this.engine, packet, state && this.session !== undefined ? this.writeWindowMs[this.session.tier] : 0);
  }

  disconnect(code: ErrorCode, message: string): void {
    if (!this.socket.connected) return;
    this.socket.emit("error", { code, message });
    // Let the error packet leave before the close.
    setImmediate(() => this.socket.disconnect(true));
  }

  bufferedPackets(): number {
    return queuedPackets(this.engine);
  }

  bufferedBytes(): number {
    return queuedBytes(this.engine);
  }

  onceDrained(listener: () => void): void {
    onceDrained(this.engine, listener);
  }
}

/**
 * Whether a connection gets a pid and resumption tokens: not when its handshake
 * says `resume: false`, nor for python-engineio (its `t` query parameter is a
 * decimal time, engine.io-client's never has a dot), whose handlers are called
 * with every argument and may not take a trailing token.
 */
function mayResume(socket: TickwireSocket): boolean {
  const auth = socket.handshake.auth as Record<string, unknown>;
  if (auth.resume === false) return false;
  const t = socket.handshake.query.t;
  return !(typeof t === "string" && /^\d+\.\d+$/.test(t));
}

function refusal(code: ErrorCode, message: string): Error & { data: ConnectErrorData } {
  const err = new Error(message) as Error & { data: ConnectErrorData };
  err.data = { code, message };
  return err;
}

/**
 * Socket.IO on the gateway's HTTP server: handshake authentication and limits,
 * per-connection rate limits and frame limits, and the broadcaster the hub
 * writes through (one encoding for many sockets). WebSocket connections write
 * through coalescing writers (ws-write-path.ts): one system call per
 * connection per turn, or per write window.
 */
export class SocketTransport implements Broadcaster {
  readonly io: TickwireServer;
  private readonly limiters: Record<Tier, BurstyRateLimiter>;
  /** Set once shutdown began: no new connection, no new event. */
  private closing = false;
  /** Client events being admitted or handled, settled before clients are told to go. */
  private readonly inflight = new Set<Promise<void>>();
  private readonly scheduler = new WriteScheduler();
  /** Handshakes and client events get a time budget per turn of the event loop (a reconnect storm is spread over turns). */
  private readonly gate: TurnGate;
  /** Whether `broadcast` encodes a packet once for many connections (Socket.IO's encoder behaves as the write path expects). */
  private readonly encodesOnce: boolean;
  /** Problems with engine.io, socket.io or ws internals already logged (once each). */
  private readonly reported = new Set<string>();
  /** Logs a changed library internal once, naming it: the connections it concerns keep engine.io's own write path (or footprint). */
  private readonly report: InternalsReport = (problem) => {
    if (this.reported.has(problem)) return;
    this.reported.add(problem);
    this.deps.logger.error(
      { problem },
      "an engine.io, socket.io or ws internal the transport relies on is missing or changed: the connections concerned use engine.io's own write path and keep their handshake (packages/server/test/transport/engine-internals.test.ts names what the installed versions lack)",
    );
  };

  constructor(httpServer: HttpServer, private readonly deps: SocketTransportDeps) {
    const { options } = deps;
    const anyOrigin = options.corsOrigins.includes("*");
    const upgradeListeners = new Set(httpServer.listeners("upgrade"));
    this.io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
      path: `${options.socketPath}/`,
      // On an app's server, WebSocket upgrades to other paths are the app's to answer.
      destroyUpgrade: deps.attached !== true,
      transports: ["polling", "websocket"],
      maxHttpBufferSize: options.maxFrameBytes,
      cors: { origin: anyOrigin ? true : [...options.corsOrigins], credentials: true },
      serveClient: false,
    });
    this.limiters = Object.fromEntries(
      TIERS.map((tier) => {
        const { eventsPerSecond, burst } = options.rateLimit[tier];
        return [
          tier,
          new BurstyRateLimiter(
            new RateLimiterMemory({ points: Math.max(1, eventsPerSecond), duration: 1 }),
            new RateLimiterMemory({ keyPrefix: "burst", points: Math.max(1, burst - eventsPerSecond), duration: 10 }),
          ),
        ];
      }),
    ) as Record<Tier, BurstyRateLimiter>;
    this.gate = new TurnGate(options.admissionTurnMs);
    // WebSocket upgrades (engine.io's listener) go through the gate too: each one is a TLS-less handshake of
    // ~0.3 ms, and thousands of them can be ready in one poll of the loop.
    for (const listener of httpServer.listeners("upgrade")) {
      if (upgradeListeners.has(listener)) continue;
      httpServer.removeListener("upgrade", listener as (...args: unknown[]) => void);
      httpServer.on("upgrade", (req, socket, head) => {
        this.gate.run(() => {
          if (!socket.destroyed) (listener as (...args: unknown[]) => void).call(httpServer, req, socket, head);
        });
      });
    }
    const encoding = encoderProblem(this.io);
    if (encoding !== undefined) this.report(encoding);
    this.encodesOnce = encoding === undefined;
    this.io.engine.on("connection", (conn: EngineConnection) => installWritePath(conn, this.scheduler, this.report));
    this.io.use((socket, next) => {
      // Both the token check and what follows it (Socket.IO's connect, the session's start) take their turn.
      this.gate.run(() => {
        this.authenticate(socket).then(
          () => this.gate.run(() => next()),
          (err: Error) => next(err),
        );
      });
    });
    this.io.on("connection", (socket) => this.open(socket));
  }

  broadcast(connections: readonly Connection[], event: string, payload: unknown, meta: PublicationMeta, state = false, token?: string): void {
    if (connections.length === 0) return;
    const encoded = this.encodesOnce ? encodeEvent(this.io, event, token === undefined ? [payload, meta] : [payload, meta, token]) : undefined;
    if (encoded === undefined) {
      // Binary attachments take several packets: Socket.IO's own emit writes them, per connection (sockets are in no room).
      for (const connection of connections) connection.publish(event, payload, meta, token);
      return;
    }
    const packet = new EncodedPacket(encoded);
    for (const connection of connections) {
      if (connection instanceof SocketConnection) connection.send(packet, state);
      else connection.publish(event, payload, meta, token);
    }
  }

  /** Shutdown, first step: new connections are refused with SHUTDOWN, new events answered SHUTDOWN. */
  stopAccepting(): void {
    this.closing = true;
  }

  /** Resolves once every client event in flight was answered, or at `deadline` (ms since the epoch). */
  settled(deadline: number): Promise<void> {
    return untilDeadline(Promise.allSettled([...this.inflight]), deadline).then(() => undefined);
  }

  /**
   * Tells every client `server:shutdown`, waits until each connection handed it
   * to the network (a polling client fetched it), then closes every connection's
   * transport (clients reconnect by themselves) and waits for them to be gone;
   * each wait ends at `deadline` at the latest.
   */
  async shutdown(reconnectAfterMs: number, deadline: number): Promise<void> {
    this.closing = true;
    this.io.emit("server:shutdown", { reconnectAfterMs });
    const sockets = [...this.io.of("/").sockets.values()];
    await untilDeadline(Promise.all(sockets.map((socket) => drained(socket))), deadline);
    const conns = sockets.map((socket) => socket.conn);
    const closed = Promise.all(conns.map((conn) => (conn.readyState === "closed" ? undefined : new Promise((ok) => conn.once("close", ok)))));
    // The transport is closed, not the Socket.IO session: no DISCONNECT packet, which would tell
    // socket.io-client not to reconnect. Clients reconnect by themselves and resume elsewhere.
    for (const conn of conns) conn.close();
    await untilDeadline(closed, deadline);
  }

  /** Closes Socket.IO for good (after the HTTP server closed: it does not wait for it). */
  close(): Promise<void> {
    // Socket.IO closes the HTTP server it is attached to: an app's server stays open.
    if (this.deps.attached && !detachHttpServer(this.io)) {
      this.report("socket.io Server.httpServer is missing");
      // Without it io.close() might close the app's server: the connections are closed through engine.io only.
      this.io.engine.close();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.io.close(() => resolve());
    });
  }

  private async authenticate(socket: TickwireSocket): Promise<void> {
    const { authenticator, connectionLimiter, metrics, logger, options } = this.deps;
    if (this.closing) throw refusal("SHUTDOWN", "The server is shutting down; connect again shortly.");
    let identity: Identity;
    try {
      identity = await authenticator.authenticate(socket.handshake.auth);
    } catch (err) {
      const reason = err instanceof AuthError ? err.reason : "malformed";
      metrics.authFailures.inc({ reason });
      const e = err instanceof TickwireError ? err : new TickwireError("UNAUTHORIZED");
      access(logger, options.accessLogLevel, { reason, code: e.code, address: socket.handshake.address, transport: socket.conn.transport.name }, "connection refused");
      throw refusal(e.code, e.message);
    }
    // The slot is given back when the transport closes, whether or not the connection
    // completed, and also when it closed while the slot was being taken. Once the
    // session is open its "disconnect" gives it back instead (open() takes this listener off).
    let closed = false;
    let held = false;
    const onClose = (): void => {
      closed = true;
      if (held) connectionLimiter.release(identity.userId, socket.id);
    };
    socket.conn.once("close", onClose);
    if (!(await connectionLimiter.acquire(identity.userId, socket.id))) {
      metrics.authFailures.inc({ reason: "connection_limit" });
      throw refusal("LIMIT_EXCEEDED", `User ${identity.userId} already has ${options.maxConnectionsPerUser} connections open.`);
    }
    held = true;
    if (closed) connectionLimiter.release(identity.userId, socket.id);
    const data = socket.data;
    data.identity = identity;
    data.releaseSlot = onClose;
    const { resumption } = this.deps;
    if (resumption && mayResume(socket)) {
      // The token was verified above: a session resumes only for the user it belongs to, with a valid credential.
      const auth = socket.handshake.auth as Record<string, unknown>;
      data.grant = auth.pid === undefined ? undefined : await resumption.claim(auth.pid, auth.offset, identity.userId).catch((err: unknown) => {
        logger.warn({ err }, "a session could not be resumed");
        return undefined;
      });
      data.pid = data.grant?.pid ?? resumption.newPid();
      // Socket.IO sends `pid` in its CONNECT packet; socket.io-client sends it back with its last `offset` when it reconnects.
      setPid(socket, data.pid);
    }
  }

  private open(socket: TickwireSocket): void {
    const { registry, router, metrics, logger, connectedPayload, onOpen, onClose, connectionLimiter } = this.deps;
    const data = socket.data;
    const { identity } = data;
    socket.conn.removeListener("close", data.releaseSlot!);
    data.releaseSlot = undefined;
    // Read before the handshake is let go of.
    const client = (socket.handshake.auth as Record<string, unknown>).client;
    shedHandshake(socket, this.report);
    const connection = new SocketConnection(socket, this.deps.options.writeWindowMs);
    const session = new Session(connection, identity);
    connection.session = session;
    // Only a name Tickwire knows selects a platform; anything else is ignored (it changes nothing).
    session.platform = LEGACY_PLATFORMS.find((p) => p === client);
    const { grant, pid } = data;
    if (pid !== undefined) {
      session.resume = { pid, journal: ResumptionManager.journal(), start: grant?.positions ?? new Map(), checkpoints: [], dirty: true };
    }
    data.grant = undefined;
    registry.add(session);
    metrics.connections.inc();

    // Every event goes through admission (rate limit, known event, size) and then
    // straight to the router; no per-event listeners, so nothing is silently dropped.
    socket.use((packet) => {
      const [event] = packet;
      const args = packet.slice(1);
      const ack = typeof args[args.length - 1] === "function" ? (args[args.length - 1] as (r: unknown) => void) : undefined;
      this.gate.run(() => {
        const work = this.admit(session, event, args)
          .then(() => router.handle(session, String(event), args))
          .catch((err: unknown) => router.reject(session, String(event), err, ack))
          .catch((err: unknown) => logger.error({ err, event: String(event), userId: session.userId }, "a client event could not be answered"));
        this.inflight.add(work);
        void work.finally(() => this.inflight.delete(work));
      });
    });
    socket.on("disconnect", (reason) => {
      connectionLimiter.release(session.userId, socket.id);
      session.close();
      registry.remove(session);
      metrics.connections.dec();
      access(logger, this.deps.options.accessLogLevel, { userId: session.userId, tier: session.tier, transport: socket.conn.transport.name, address: connection.address, connectionId: session.id, reason, durationMs: Date.now() - session.connectedAt }, "connection closed");
      void onClose(session).catch((err: unknown) => logger.error({ err }, "session cleanup failed"));
    });

    const connected = connectedPayload(session);
    socket.emit("connected", pid === undefined ? connected : { ...connected, resumed: grant?.resumed === true });
    session.scheduleExpiry();
    compactConnection(socket, this.report);
    onOpen(session, grant);
    access(logger, this.deps.options.accessLogLevel, { userId: session.userId, tier: session.tier, transport: socket.conn.transport.name, address: connection.address, connectionId: session.id }, "connection opened");
  }

  /** Rate limit, event name and size checks that run before any handler. */
  private async admit(session: Session, event: unknown, args: unknown[]): Promise<void> {
    if (this.closing) throw new TickwireError("SHUTDOWN");
    try {
      await this.limiters[session.tier].consume(session.id);
    } catch (err) {
      if (err instanceof Error) throw err;
      this.deps.metrics.rateLimitedEvent();
      throw new TickwireError("RATE_LIMITED", `More than ${this.deps.options.rateLimit[session.tier].eventsPerSecond} events per second; slow down.`);
    }
    // The per-connection limit is exact on its node; the per-user budget spans connections and nodes.
    if (this.deps.userRateLimiter && !(await this.deps.userRateLimiter.consume(session.userId, session.tier))) {
      this.deps.metrics.rateLimitedEvent();
      const budget = this.deps.options.userRateLimit?.[session.tier]?.eventsPerSecond;
      throw new TickwireError("RATE_LIMITED", `More than ${budget} events per second across your connections; slow down.`);
    }
    if (typeof event !== "string" || !this.deps.router.knows(event)) {
      throw new TickwireError("UNKNOWN_EVENT", `"${String(event)}" is not a Tickwire event.`);
    }
    // Depth, size and strings of every argument, in one walk that stops at the bound: attachments count by their length.
    const count = typeof args[args.length - 1] === "function" ? args.length - 1 : args.length;
    let budget = this.deps.options.maxEventBytes;
    for (let i = 0; i < count; i++) {
      const result = inspectInput(args[i], { maxDepth: this.deps.options.maxInputDepth, maxBytes: budget, binary: "count" });
      if (typeof result !== "number") {
        throw new TickwireError(result.code, result.code === "PAYLOAD_TOO_LARGE" ? `The payload is larger than ${this.deps.options.maxEventBytes} bytes.` : result.message);
      }
      budget -= result;
    }
  }
}

/** Resolves once the connection's write buffer was handed to the network (or the connection closed). */
function drained(socket: TickwireSocket): Promise<void> {
  const { conn } = socket;
  if (engineQueued(engineOf(socket)) === 0 || conn.readyState === "closed") return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      conn.off("drain", done);
      conn.off("close", done);
      resolve();
    };
    conn.on("drain", done);
    conn.on("close", done);
  });
}
