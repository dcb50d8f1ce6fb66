import { io } from "socket.io-client";
import { TickwireError, isErrorCode } from "@tickwire/protocol/core";
import type { ConnectedPayload } from "@tickwire/protocol/core";
import { shutdownDelayMs } from "./backoff.js";
import { ChannelRegistry } from "./channel-registry.js";
import { isPublicationMeta, isTargetedMeta } from "./channel-entry.js";
import { CLIENT_DEFAULTS, type ClientOptions } from "./client-options.js";
import { createReadyPromise } from "./ready-promise.js";
import { createNotificationsApi, type NotificationsApi } from "./notifications-api.js";
import { request, type TickwireSocket } from "./request.js";
import { RetryTimer } from "./retry-timer.js";
import { SubscriptionSync } from "./subscription-sync.js";
import { toTickwireError } from "./to-tickwire-error.js";
import { TokenSource } from "./token-source.js";
import { TypedEmitter } from "./typed-emitter.js";
import type { ChannelHandler, ClientEventMap, ConnectionState, SubscribeOptions, Subscription } from "./types.js";

/**
 * A Tickwire connection: typed subscriptions that survive reconnects and
 * server restarts exactly once and in order, token renewal, and the inbox.
 * Create it with {@link createClient}.
 */
export class TickwireClient extends TypedEmitter<ClientEventMap> {
  /** The underlying socket.io-client socket, for events the SDK does not wrap. */
  readonly socket: TickwireSocket;
  /** The durable notification inbox. */
  readonly notifications: NotificationsApi;

  readonly #tokens: TokenSource;
  readonly #registry: ChannelRegistry;
  readonly #sync: SubscriptionSync;
  readonly #requestTimeoutMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  /** Paces reconnects we start ourselves (socket.io-client paces its own). */
  readonly #reconnect: RetryTimer;
  /** Runs token renewal, and paces its retries. */
  readonly #renewal: RetryTimer;
  #state: ConnectionState = "disconnected";
  #session: ConnectedPayload | null = null;
  #everConnected = false;
  #closed = false;
  #generation = 0;
  #shutdownHintMs: number | undefined;
  #lastServerError: string | undefined;

  constructor(options: ClientOptions) {
    super();
    const {
      url, token, getToken, sessionID, tokenRefreshMarginMs, requestTimeoutMs, autoConnect,
      now, random, ...socketOptions
    } = { ...CLIENT_DEFAULTS, ...options };
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#random = random ?? Math.random;
    const backoff = {
      minMs: socketOptions.reconnectionDelay,
      maxMs: socketOptions.reconnectionDelayMax,
      jitter: socketOptions.randomizationFactor,
    };
    this.#jitter = backoff.jitter;
    this.#reconnect = new RetryTimer(backoff, this.#random);
    this.#renewal = new RetryTimer(backoff, this.#random);
    this.#tokens = new TokenSource({ token, getToken, refreshMarginMs: tokenRefreshMarginMs, now: now ?? Date.now });
    this.#registry = new ChannelRegistry((err) => this.reportListenerError(err));
    this.#sync = new SubscriptionSync({
      registry: this.#registry,
      connected: () => this.socket.connected,
      generation: () => this.#generation,
      subscribe: (channels) => this.#request("subscribe", { channels }),
      unsubscribe: (channels) => this.#request("unsubscribe", { channels }),
      onRecovered: (info) => this.emit("recovered", info),
      onResync: (info) => this.emit("resync", info),
      onError: (error) => this.emit("error", error),
      retry: new RetryTimer(backoff, this.#random),
    });
    this.socket = io(url, {
      ...socketOptions,
      autoConnect: false,
      auth: (cb) => this.#auth(cb, sessionID),
    }) as TickwireSocket;
    this.notifications = createNotificationsApi({
      list: (req) => this.#request("notifications:list", req),
      ack: (req) => this.#request("notifications:ack", req),
    });
    this.#listen();
    if (autoConnect) this.connect();
  }

  /** Current connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The server's `connected` payload of the current (or last) connection, or null before the first. */
  get session(): ConnectedPayload | null {
    return this.#session;
  }

  /** The user id, from the server's `connected` payload or else the token's `sub`. */
  get userId(): string | undefined {
    return this.#session?.userId ?? this.#tokens.claims?.sub;
  }

  /** Opens the connection (only needed with `autoConnect: false`). */
  connect(): this {
    if (this.#closed || this.socket.connected) return this;
    this.#setState(this.#everConnected ? "reconnecting" : "connecting");
    this.socket.connect();
    return this;
  }

  /**
   * Subscribes to a channel; the payload type follows the channel name.
   * Several subscriptions to one channel share one server subscription.
   * @example
   * const sub = client.subscribe("quotes:AAPL", (quote, meta) => draw(quote.price, meta.offset));
   * sub.unsubscribe();
   */
  subscribe<C extends string>(channel: C, handler: ChannelHandler<C>, options: SubscribeOptions = {}): Subscription<C> {
    const { ready, settle } = createReadyPromise();
    if (this.#closed) {
      settle({ ok: false, error: new TickwireError("UNAVAILABLE", "The client is closed.") });
      return { channel, canonical: undefined, ready, active: false, unsubscribe: () => {} };
    }
    const { entry, sub, send, refilter } = this.#registry.add(channel, handler as ChannelHandler<string>, options, this.userId, { settle });
    if (send) void this.#sync.send([entry]);
    else if (refilter) this.#sync.refilter(entry);
    return {
      channel,
      get canonical() {
        return entry.canonical;
      },
      ready,
      get active() {
        return sub.active;
      },
      unsubscribe: () => this.#sync.unsubscribe(entry, sub),
    };
  }

  /**
   * Measures the round trip to the server.
   * @example const rttMs = await client.ping();
   */
  async ping(): Promise<number> {
    const clock = typeof performance !== "undefined" ? () => performance.now() : Date.now;
    const start = clock();
    await this.#request("ping", { timestamp: Date.now() });
    return Math.round((clock() - start) * 100) / 100;
  }

  /**
   * Calls a method of the platform's backend through the gateway's RPC proxy and
   * resolves to its result; a refusal rejects with a TickwireError of its code
   * (`BACKEND_REFUSED` with the backend's message, `FORBIDDEN`, `NOT_FOUND`, `UNAVAILABLE`, …).
   * @example const order = await client.rpc<{ orderId: string }>("orders.place", { symbol: "AAPL", side: "buy", quantity: 10 });
   */
  async rpc<T = unknown>(method: string, params?: unknown): Promise<T> {
    const reply = await this.#request("rpc", params === undefined ? { method } : { method, params });
    return reply.result as T;
  }

  /**
   * Fetches a new token with `getToken` and hands it to the server
   * (`auth:refresh`) without reconnecting. Called automatically before expiry.
   */
  async refreshToken(): Promise<string> {
    const token = await this.#tokens.refresh();
    if (this.socket.connected) await this.#request("auth:refresh", { token });
    this.#renewal.reset();
    this.emit("token", { token });
    this.#scheduleTokenRefresh();
    return token;
  }

  /** Closes the connection for good and stops every timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reconnect.cancel();
    this.#renewal.cancel();
    this.socket.disconnect();
    this.socket.offAny();
    this.socket.removeAllListeners();
    this.#registry.onDisconnect();
    this.#sync.onDisconnect();
    this.#setState("disconnected");
  }

  #request<E extends Parameters<typeof request>[1]>(event: E, payload: Parameters<typeof request<E>>[2]) {
    return request(this.socket, event, payload, this.#requestTimeoutMs);
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit("state", state);
  }

  #auth(cb: (data: object) => void, sessionID: string | undefined): void {
    // The SDK recovers with `since` from its own offsets (docs/client.md): it opts out of the server's session
    // resumption, which would restore the same subscriptions a second way.
    if (sessionID !== undefined) return cb({ sessionID, resume: false });
    const before = this.#tokens.value;
    this.#tokens.current().then(
      (token) => {
        if (token !== undefined && token !== before) this.emit("token", { token });
        cb(token === undefined ? { resume: false } : { token, resume: false });
      },
      (err: unknown) => {
        this.emit("error", toTickwireError(err, "UNAUTHORIZED"));
        cb({ resume: false }); // the server refuses with UNAUTHORIZED and the refusal path retries with backoff
      },
    );
  }

  #listen(): void {
    const socket = this.socket;
    socket.on("connect", () => {
      this.#generation += 1;
      this.#reconnect.reset();
      this.#reconnect.cancel();
      this.#shutdownHintMs = undefined;
      this.#lastServerError = undefined;
      this.#everConnected = true;
      this.#setState("connected");
      this.#scheduleTokenRefresh();
      void this.#sync.send(this.#registry.entries());
    });
    socket.on("connected", (payload) => {
      this.#session = payload;
      this.emit("connected", payload);
    });
    socket.on("disconnect", (reason) => this.#onDisconnect(reason));
    socket.on("connect_error", (err) => this.#onConnectError(err));
    socket.on("server:shutdown", (payload) => {
      this.#shutdownHintMs = payload.reconnectAfterMs;
      this.emit("shutdown", payload);
    });
    socket.on("error", (payload) => {
      this.#lastServerError = payload?.code;
      const code = isErrorCode(payload?.code) ? payload.code : "INTERNAL";
      this.emit("error", new TickwireError(code, payload?.message));
    });
    socket.on("resync", (payload) => {
      const info = { channel: payload.channel, reason: payload.reason };
      const entry = this.#registry.find(payload.channel, this.userId);
      if (entry) this.#registry.resync(entry, info);
      this.emit("resync", info);
    });
    socket.onAny((event: string, payload: unknown, meta: unknown) => {
      if (isPublicationMeta(meta)) this.#registry.route(event, payload, meta);
      else if (isTargetedMeta(meta)) this.#registry.routeTargeted(event, payload, meta);
    });
  }

  #onDisconnect(reason: string): void {
    this.#renewal.cancel();
    this.#registry.onDisconnect();
    this.#sync.onDisconnect();
    if (this.#closed) return;
    if (reason === "io client disconnect") {
      // Someone called client.socket.disconnect() directly: treat it as a close without reconnecting.
      this.#setState("disconnected");
      return;
    }
    if (this.#lastServerError === "KICKED") {
      // An operator closed this user's connections: reconnecting would undo it.
      this.socket.disconnect();
      this.#setState("disconnected");
      return;
    }
    const hint = this.#shutdownHintMs;
    if (reason === "io server disconnect" || hint !== undefined) {
      // Socket.IO does not reconnect after a server-side disconnect, and after a
      // shutdown notice its own quick retry would join a reconnect storm: pace it ourselves.
      this.socket.disconnect();
      const delay = hint !== undefined ? shutdownDelayMs(hint, this.#jitter, this.#random) : this.#reconnect.nextDelayMs();
      this.#scheduleReconnect(delay);
    }
    this.#setState("reconnecting");
  }

  #onConnectError(err: Error & { data?: { code?: unknown; message?: unknown } }): void {
    if (this.#closed) return;
    const waiting = this.#everConnected ? "reconnecting" : "connecting";
    if (this.socket.active) {
      this.#setState(waiting); // a transport error: socket.io-client retries with its jittered backoff
      return;
    }
    const code = isErrorCode(err.data?.code) ? err.data.code : "UNAVAILABLE";
    const message = typeof err.data?.message === "string" ? err.data.message : err.message;
    this.emit("error", new TickwireError(code, message, { cause: err }));
    if (code === "FORBIDDEN" || (code === "UNAUTHORIZED" && !this.#tokens.refreshable)) {
      this.#setState("disconnected");
      return;
    }
    this.#setState(waiting);
    const delay = this.#reconnect.nextDelayMs();
    if (code !== "UNAUTHORIZED") {
      this.#scheduleReconnect(delay);
      return;
    }
    this.#tokens.refresh().then(
      (token) => {
        this.emit("token", { token });
        this.#scheduleReconnect(delay);
      },
      (refreshErr: unknown) => {
        this.emit("error", toTickwireError(refreshErr, "UNAUTHORIZED"));
        this.#scheduleReconnect(delay); // the auth callback tries getToken again
      },
    );
  }

  #scheduleReconnect(delayMs: number): void {
    this.#reconnect.schedule(delayMs, () => {
      if (!this.#closed && !this.socket.connected) this.socket.connect();
    });
  }

  #scheduleTokenRefresh(): void {
    this.#renewal.cancel();
    if (!this.#tokens.refreshable || this.#closed) return;
    const due = this.#tokens.msUntilRefresh();
    if (due === undefined) return;
    this.#renewal.schedule(due, () => {
      this.refreshToken().catch((err: unknown) => {
        this.emit("error", toTickwireError(err, "UNAUTHORIZED"));
        this.#renewal.schedule(this.#renewal.nextDelayMs(), () => this.#scheduleTokenRefresh());
      });
    });
  }
}
