import CircuitBreaker from "opossum";
import WebSocket, { type RawData } from "ws";
import { DEFAULT_OPTIONS } from "../config/defaults.js";
import type { ComponentContext, FeedState, GatewayComponent } from "../core/component.js";
import { newTraceId, type Publisher } from "../core/publisher.js";
import type { Logger } from "../observability/logger.js";
import { backoffDelayMs, Pause } from "./backoff.js";
import { publicationFromJson } from "./publication-message.js";

/** Options of the upstream WebSocket feed. */
export interface UpstreamFeedOptions {
  /** `ws://` or `wss://` URL; each message is a JSON publication `{ channel, data, event? }`. */
  readonly url: string;
  /** Name in `/api/v1/stats` feeds and `/readyz`. @default "upstream" */
  readonly name?: string;
  /** First reconnect delay; doubles per failed attempt, half of it random. @default DEFAULT_OPTIONS.feedReconnectMinMs */
  readonly reconnectMinMs?: number;
  /** Longest reconnect delay. @default DEFAULT_OPTIONS.feedReconnectMaxMs */
  readonly reconnectMaxMs?: number;
  /** Time allowed for the opening handshake. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** The breaker opens when this percentage of recent connection attempts failed… @default 50 */
  readonly breakerErrorPercent?: number;
  /** …and at least this many attempts were made. @default 3 */
  readonly breakerVolume?: number;
  /** How long the breaker stays open before it lets a connection attempt through by itself; reconnect attempts never wait for it (see the class). @default reconnectMaxMs */
  readonly breakerResetMs?: number;
  /** Jitter source; tests inject a fixed one. @default Math.random */
  readonly random?: () => number;
  /**
   * Demand-driven: sends `{ "type": "subscribe", "channel" }` when a followed channel
   * is announced occupied and `{ "type": "unsubscribe", "channel" }` when it is
   * vacated, and a subscribe for every occupied channel after each (re)connect
   * (docs/streams.md). @default false
   */
  readonly onDemand?: boolean;
  /** Largest message: the WebSocket library closes a connection that sends a larger one (code 1009), and the feed reconnects. @default DEFAULT_OPTIONS.maxBodyBytes */
  readonly maxMessageBytes?: number;
}

/**
 * Consumes publications from an upstream WebSocket feed and publishes them
 * through the gateway's publisher. Reconnects with exponential backoff and
 * jitter. Connection attempts go through a circuit breaker, which opens when
 * they keep failing and makes the feed unready; while it is open, every
 * backoff step still makes one trial attempt, which closes it on success, so
 * a recovered upstream is never kept away longer than the current step.
 * Bad messages are logged, counted and skipped. A push feed has no
 * acknowledgements: what it sends while disconnected is its own to replay.
 */
export class UpstreamFeed implements GatewayComponent {
  readonly name: string;
  /** Its publications pass the streams' rules, and its notifications find the inbox. */
  readonly startsAfter = ["streams", "notifications"];
  private publisher!: Publisher;
  private logger!: Logger;
  private readonly breaker: CircuitBreaker<[], WebSocket>;
  private socket: WebSocket | undefined;
  private loop: Promise<void> | undefined;
  private stopped = true;
  private state = "stopped";
  private received = 0;
  private errors = 0;
  private attempt = 0;
  /** Messages are published one after another, in the order they arrived. */
  private chain: Promise<void> = Promise.resolve();
  private readonly pause = new Pause();
  /** Channels occupied anywhere in the deployment (onDemand), as this node heard. */
  private readonly demanded = new Set<string>();
  private unlisten: (() => void) | undefined;

  constructor(private readonly options: UpstreamFeedOptions) {
    this.name = options.name ?? "upstream";
    this.breaker = new CircuitBreaker(() => this.open(), {
      timeout: false,
      errorThresholdPercentage: options.breakerErrorPercent ?? 50,
      volumeThreshold: options.breakerVolume ?? 3,
      resetTimeout: options.breakerResetMs ?? options.reconnectMaxMs ?? DEFAULT_OPTIONS.feedReconnectMaxMs,
    });
  }

  async start(ctx: ComponentContext): Promise<void> {
    this.publisher = ctx.publisher;
    this.logger = ctx.logger.child({ component: this.name });
    this.stopped = false;
    // Every node hears every transition: what this connection asked for is released whichever node saw it vacated.
    if (this.options.onDemand === true) this.unlisten = await ctx.occupancy.followDemand((channel, occupied) => this.demand(channel, occupied));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = "stopped";
    this.unlisten?.();
    this.pause.wake();
    this.socket?.terminate();
    await this.loop;
    await this.chain;
    this.breaker.shutdown();
  }

  feedState(): FeedState {
    const breaker = this.breaker.opened ? "open" : this.breaker.halfOpen ? "halfOpen" : "closed";
    return { name: this.name, state: this.state, breaker, received: this.received, errors: this.errors };
  }

  /**
   * Unready while the breaker is open: the feed keeps failing, and what it sends
   * meanwhile is lost (a push feed has no replay). A single reconnect is not enough.
   */
  ready(): { ok: boolean; details: unknown } {
    const state = this.feedState();
    return { ok: state.breaker !== "open", details: state };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.state = "connecting";
      try {
        const socket = this.breaker.opened ? await this.trial() : await this.breaker.fire();
        this.attempt = 0;
        await this.serve(socket);
        if (!this.stopped) this.logger.warn({ url: this.options.url }, "feed connection closed; reconnecting");
      } catch (err) {
        if (this.stopped) break;
        this.logger.warn({ url: this.options.url, err: (err as Error).message, breaker: this.feedState().breaker }, "feed connection failed");
      }
      if (this.stopped) break;
      this.state = "waiting";
      const delay = backoffDelayMs(this.attempt++, { minMs: this.options.reconnectMinMs ?? DEFAULT_OPTIONS.feedReconnectMinMs, maxMs: this.options.reconnectMaxMs ?? DEFAULT_OPTIONS.feedReconnectMaxMs }, this.options.random);
      await this.pause.for(delay);
    }
  }

  /** An attempt past the open breaker at the end of a backoff step; a success closes it. */
  private async trial(): Promise<WebSocket> {
    const socket = await this.open();
    this.breaker.close();
    return socket;
  }

  /** One connection attempt: resolves once the socket is open. */
  private open(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.options.url, { handshakeTimeout: this.options.connectTimeoutMs ?? 10_000, maxPayload: this.options.maxMessageBytes ?? DEFAULT_OPTIONS.maxBodyBytes });
      this.socket = socket;
      // Listening from the start: the first frames may arrive in the same read as the handshake's answer.
      socket.on("message", (raw: RawData) => {
        this.chain = this.chain.then(() => this.handle(raw));
      });
      const fail = (err: Error): void => {
        socket.off("close", closed);
        socket.on("error", () => undefined);
        socket.terminate();
        reject(err);
      };
      const closed = (): void => fail(new Error("closed before it opened"));
      socket.once("error", fail);
      socket.once("close", closed);
      socket.once("open", () => {
        socket.off("error", fail);
        socket.off("close", closed);
        resolve(socket);
      });
    });
  }

  /** Waits until the open connection closes. */
  private serve(socket: WebSocket): Promise<void> {
    this.state = "connected";
    this.logger.info({ url: this.options.url }, "feed connected");
    for (const channel of this.demanded) this.send(socket, { type: "subscribe", channel });
    return new Promise((resolve) => {
      socket.on("error", (err) => this.logger.warn({ err: err.message }, "feed socket error"));
      socket.once("close", () => resolve());
      if (socket.readyState === WebSocket.CLOSED) resolve();
    });
  }

  /** An occupancy change: remembered for reconnects, and told to the open connection. */
  private demand(channel: string, occupied: boolean): void {
    if (occupied === this.demanded.has(channel)) return;
    if (occupied) this.demanded.add(channel);
    else this.demanded.delete(channel);
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.OPEN && this.state === "connected") this.send(socket, { type: occupied ? "subscribe" : "unsubscribe", channel });
  }

  private send(socket: WebSocket, message: { type: "subscribe" | "unsubscribe"; channel: string }): void {
    socket.send(JSON.stringify(message), (err) => {
      if (err) this.logger.warn({ err: err.message, channel: message.channel }, "demand message not sent; it is sent again on the next connect");
    });
  }

  private async handle(raw: RawData): Promise<void> {
    this.received++;
    const traceId = newTraceId();
    try {
      const text = Array.isArray(raw) ? Buffer.concat(raw).toString("utf8") : Buffer.from(raw as ArrayBuffer).toString("utf8");
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new Error("The message is not JSON.");
      }
      await this.publisher.publish({ ...publicationFromJson(value), traceId });
    } catch (err) {
      this.errors++;
      this.logger.warn({ traceId, err: (err as Error).message }, "skipping a feed message");
    }
  }
}
