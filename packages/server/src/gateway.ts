import { randomBytes } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { API_VERSION, atLeast, buildCatalogue, DEFAULT_NAMESPACES, type PublishResult } from "@tickwire/protocol";
import { Authenticator } from "./auth/authenticator.js";
import { HttpSessionResolver } from "./auth/http-session-resolver.js";
import { RedisSessionResolver } from "./auth/redis-session-resolver.js";
import type { SessionResolver } from "./auth/session-resolver.js";
import { TokenVerifier } from "./auth/token-verifier.js";
import { defaultComponents } from "./components.js";
import type { GatewayOptions } from "./config/options.js";
import { resolveOptions } from "./config/resolve-options.js";
import type { GatewayComponent } from "./core/component.js";
import { registerCoreEvents } from "./core/core-events.js";
import type { Broadcaster } from "./core/connection.js";
import type { DeliveryPolicyFactory } from "./core/delivery-policy.js";
import type { Engine } from "./core/engine.js";
import { EventRouter } from "./core/event-router.js";
import { Hub } from "./core/hub.js";
import type { InboxHandler } from "./core/inbox-handler.js";
import { Publisher, type PublishRequest } from "./core/publisher.js";
import type { Session } from "./core/session.js";
import { SessionRegistry } from "./core/session-registry.js";
import { createLimits, type Limits } from "./limits/create-limits.js";
import type { ConnectionLimiter } from "./limits/connection-limiter.js";
import type { Store } from "./core/store.js";
import { SubscriptionManager } from "./core/subscriptions.js";
import { MemoryEngine } from "./engines/memory-engine.js";
import { RedisEngine } from "./engines/redis/index.js";
import { ApiKeyChecker } from "./http/api-auth.js";
import type { ReadinessCheck } from "./http/context.js";
import { createHttpApp } from "./http/http-app.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { GatewayMetrics } from "./observability/metrics.js";
import { buildStats } from "./observability/stats.js";
import { createStore } from "./stores/create-store.js";
import { SocketTransport } from "./transport/socket-transport.js";
import type { HttpDrain } from "./http/http-drain.js";
import type { SkipListener } from "./core/stored-data.js";
import { untilDeadline } from "./core/deadline.js";
import { streamPolicyFactory } from "./streams/stream-policy-factory.js";

/** Version reported in stats. */
export const VERSION = "0.1.0";

const here = dirname(fileURLToPath(import.meta.url));
/** Where the built dashboard is found by default (apps/dashboard/dist in the repository). */
export const DEFAULT_DASHBOARD_DIR = resolve(here, "../../../apps/dashboard/dist");

/** Parts a caller may replace (tests, other engines and stores). */
export interface GatewayDeps {
  readonly store?: Store;
  readonly engine?: Engine;
  /** Replaces the per-user connection limiter (by default in memory, or on Redis with redisUrl). */
  readonly connectionLimiter?: ConnectionLimiter;
  readonly policyFactory?: DeliveryPolicyFactory;
  readonly components?: GatewayComponent[];
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Dev mode although a secret was given (the CLI's persisted dev credentials). */
  readonly devMode?: boolean;
}

/**
 * Creates a gateway: validates the options, opens the store and wires the
 * engine, hub, publisher, HTTP API and Socket.IO. Call `listen()` to serve.
 * @example
 * const gw = await createGateway({ port: 0, jwtSecret: "s3cret-s3cret-s3cret", apiKeys: ["k"] });
 * await gw.listen();
 * await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.1 } });
 */
export async function createGateway(input: Partial<GatewayOptions> = {}, deps: GatewayDeps = {}): Promise<Gateway> {
  const resolved = resolveOptions(input as Record<string, unknown>);
  const options = resolved.options.dashboardDir === undefined ? Object.freeze({ ...resolved.options, dashboardDir: DEFAULT_DASHBOARD_DIR }) : resolved.options;
  const gateway = new Gateway(options, resolved.generatedSecret || deps.devMode === true, deps, deps.store ?? (await createStore(options)));
  await gateway.init();
  return gateway;
}

/** One Tickwire node. */
export class Gateway {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly catalogue;
  readonly engine: Engine;
  readonly hub: Hub;
  readonly registry: SessionRegistry;
  readonly router: EventRouter;
  readonly tokens: TokenVerifier;
  readonly publisher: Publisher;
  readonly subscriptions: SubscriptionManager;
  readonly readiness = new Map<string, ReadinessCheck>();
  readonly components: GatewayComponent[];
  readonly nodeId = randomBytes(4).toString("hex");
  readonly startedAt = Date.now();
  http!: FastifyInstance;
  transport!: SocketTransport;
  private httpDrain!: HttpDrain;
  private inbox: InboxHandler | undefined;
  private sessionResolver: SessionResolver | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  /** Connection and rate limits across nodes (docs/scaling.md, "Limits across nodes"). */
  limits!: Limits;
  private readonly connectionLimiterOverride: ConnectionLimiter | undefined;
  /** The gateway's clock (injectable through deps.now). */
  readonly now: () => number;

  constructor(
    readonly options: GatewayOptions,
    /** True in dev mode: the secret was generated, a demo token is served. */
    readonly devMode: boolean,
    deps: GatewayDeps,
    readonly store: Store,
  ) {
    this.now = deps.now ?? Date.now;
    this.logger = deps.logger ?? createLogger(options.logLevel);
    this.metrics = new GatewayMetrics({ defaultMetrics: true });
    this.catalogue = buildCatalogue([...DEFAULT_NAMESPACES, ...options.namespaces]);
    // TICKWIRE_REDIS_URL turns on the multi-node engine (docs/scaling.md, "Many nodes").
    const engineLogger = this.logger.child({ component: "engine" });
    // A stored publication that cannot be read back or delivered is skipped by reads: counted and logged.
    const onSkipped: SkipListener = ({ channel, offset, reason }) => {
      this.metrics.skippedStored.inc({ reason });
      engineLogger.warn({ channel, offset, reason }, "a stored publication was skipped");
    };
    this.engine =
      deps.engine ??
      (options.redisUrl !== undefined || options.redisClusterNodes !== undefined
        ? new RedisEngine({ url: options.redisUrl, clusterNodes: options.redisClusterNodes, prefix: options.redisPrefix, presenceTtlMs: options.connectionLeaseTtlMs, now: this.now, logger: engineLogger, onSkipped })
        : new MemoryEngine({ history: store.history, now: this.now, logger: engineLogger, onSkipped }));
    this.registry = new SessionRegistry();
    this.connectionLimiterOverride = deps.connectionLimiter;
    this.router = new EventRouter(this.logger, this.metrics);
    this.tokens = new TokenVerifier({
      secret: options.jwtSecret,
      publicKey: options.jwtPublicKey,
      jwksFile: options.jwksFile,
      audience: options.jwtAudience,
      issuer: options.jwtIssuer,
      requireExp: options.jwtRequireExp,
    });
    // The hub writes through the transport, which exists once the HTTP server does.
    const broadcaster: Broadcaster = { broadcast: (connections, event, payload, meta, state) => this.transport.broadcast(connections, event, payload, meta, state) };
    const limits = { stateBacklogPackets: options.stateBacklogPackets, maxQueuedPackets: options.maxQueuedPackets, stateBacklogBytes: options.stateBacklogBytes, maxQueuedBytes: options.maxQueuedBytes };
    const policies = deps.policyFactory ?? streamPolicyFactory({ conflationMs: options.conflationMs });
    this.hub = new Hub(broadcaster, this.metrics, policies, this.now, limits, this.logger.child({ component: "hub" }));
    this.publisher = new Publisher({
      catalogue: this.catalogue,
      engine: this.engine,
      idempotency: store.idempotency,
      metrics: this.metrics,
      logger: this.logger,
      maxPublicationBytes: options.maxPublicationBytes,
      maxInputDepth: options.maxInputDepth,
      idempotencyTtlMs: options.idempotencyTtlMs,
      inbox: () => this.inbox,
      now: this.now,
    });
    this.subscriptions = new SubscriptionManager({
      catalogue: this.catalogue,
      engine: this.engine,
      hub: this.hub,
      logger: this.logger,
      maxSubscriptions: options.maxSubscriptions,
      maxRecoveryPublications: options.maxRecoveryPublications,
      inbox: () => this.inbox,
    });
    this.components = deps.components ?? defaultComponents(options);
  }

  /** Wires HTTP and Socket.IO; called by createGateway. */
  async init(): Promise<void> {
    const { options } = this;
    if (options.sessionRedisUrl || options.sessionRedisClusterNodes) {
      this.sessionResolver = new RedisSessionResolver({ url: options.sessionRedisUrl, clusterNodes: options.sessionRedisClusterNodes, prefix: options.sessionPrefix, timeoutMs: options.sessionTimeoutMs });
    } else if (options.sessionUrl) {
      this.sessionResolver = new HttpSessionResolver({ url: options.sessionUrl, timeoutMs: options.sessionTimeoutMs });
    }
    registerCoreEvents({
      router: this.router,
      subscriptions: this.subscriptions,
      tokens: this.tokens,
    });
    this.readiness.set("store", () => ({ ok: true, details: { kind: this.store.kind } }));
    this.readiness.set("engine", () => {
      const health = this.engine.health?.() ?? { ok: true, details: { name: this.engine.name } };
      return { ok: health.ok && !this.closing, details: health.details };
    });
    if (this.sessionResolver?.state) {
      const resolver = this.sessionResolver;
      this.readiness.set("sessions", () => ({ ok: resolver.state!().breaker !== "open", details: resolver.state!() }));
    }
    ({ app: this.http, drain: this.httpDrain } = await createHttpApp(
      {
        options,
        devMode: this.devMode,
        catalogue: this.catalogue,
        engine: this.engine,
        publisher: this.publisher,
        registry: this.registry,
        metrics: this.metrics,
        tokens: this.tokens,
        apiKeys: new ApiKeyChecker(options.apiKeys),
        readiness: this.readiness,
        stats: async () => this.stats(),
      },
      this.logger,
    ));
    this.limits = await createLimits(options, { nodeId: this.nodeId, registry: this.metrics.registry, logger: this.logger.child({ component: "limits" }), connectionLimiter: this.connectionLimiterOverride });
    this.transport = new SocketTransport(this.http.server, {
      options,
      authenticator: new Authenticator(this.tokens, this.sessionResolver),
      registry: this.registry,
      connectionLimiter: this.limits.connections,
      userRateLimiter: this.limits.userRate,
      router: this.router,
      metrics: this.metrics,
      logger: this.logger,
      connectedPayload: (session) => this.connectedPayload(session),
      onOpen: () => {},
      onClose: (session) => {
        // Whatever its transport was doing: nothing stays held for a closed session.
        this.hub.forget(session);
        return this.subscriptions.dropAll(session);
      },
    });
    for (const component of this.components) component.register?.(this);
    await this.engine.start((publication) => this.hub.dispatch(publication));
  }

  /** Starts listening and starts the components. */
  async listen(): Promise<void> {
    await this.http.listen({ port: this.options.port, host: this.options.host, backlog: this.options.listenBacklog });
    this.pruneTimer = setInterval(() => {
      this.store.prune(this.now()).catch((err: unknown) => this.logger.warn({ err }, "prune failed"));
    }, 60_000);
    this.pruneTimer.unref();
    for (const component of this.components) {
      await component.start(this);
      if (component.ready) this.readiness.set(component.name, () => component.ready!());
    }
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return (this.http.server.address() as AddressInfo).port;
  }

  /** Base URL on the loopback interface, e.g. `http://127.0.0.1:8080`. */
  get url(): string {
    const host = this.options.host === "0.0.0.0" || this.options.host === "::" ? "127.0.0.1" : this.options.host;
    return `http://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
  }

  /** Publishes through the same path as the HTTP API. */
  publish(request: PublishRequest): Promise<PublishResult> {
    return this.publisher.publish(request);
  }

  /** Signs a client token with the configured secret (HS256). */
  issueToken(claims: { sub: string; tier?: string; roles?: string[]; ttlSeconds?: number }): Promise<string> {
    return this.tokens.sign(claims);
  }

  /** Lets the notification service serve `inbox` channels. */
  setInboxHandler(handler: InboxHandler): void {
    this.inbox = handler;
  }

  /** The `/api/v1/stats` document. */
  stats(): Record<string, unknown> {
    return buildStats({
      nodeId: this.nodeId,
      version: VERSION,
      startedAt: this.startedAt,
      mode: this.engine.name === "memory" ? "single" : this.engine.name,
      store: this.store.kind,
      simulator: this.options.simulator,
      engine: this.engine.health?.().details,
      registry: this.registry,
      hub: this.hub,
      metrics: this.metrics,
      components: this.components,
    });
  }

  /**
   * Graceful shutdown (docs/troubleshooting.md, "Shutdown"): stop accepting,
   * finish what is in flight, tell clients (`server:shutdown`), close their
   * connections, flush the engine and the store. Resolves within
   * `shutdownTimeoutMs`: every wait ends by a shared deadline.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  /** The shutdown sequence, in one place and in order. */
  private async doClose(): Promise<void> {
    // What is left after the deadline (closing the engine and the store) is quick.
    const deadline = Date.now() + Math.floor(this.options.shutdownTimeoutMs * 0.8);
    const warn = (step: string) => (err: unknown) => this.logger.warn({ err, step }, "shutdown step failed");

    // 1. Stop accepting: new HTTP requests get 503 SHUTDOWN with Connection: close; no new connection, client event
    //    or publication (from any publisher: they are answered SHUTDOWN, retryable).
    this.httpDrain.close();
    this.transport.stopAccepting();
    this.publisher.stopAccepting();
    if (this.pruneTimer) clearInterval(this.pruneTimer);

    // 2. Stop the components, publishers first (the reverse of their start).
    for (const component of [...this.components].reverse()) {
      await untilDeadline(component.stop(), deadline).catch((err: unknown) => this.logger.warn({ err, component: component.name }, "component stop failed"));
    }

    // 3. Finish what is in flight: HTTP requests are answered (then their connections close), client events answered,
    //    and what the engine accepted is delivered to local subscribers.
    await this.httpDrain.drain(deadline).catch(warn("http drain"));
    await this.transport.settled(deadline);
    await this.engine.settle?.(deadline).catch(warn("engine settle"));
    // Delivery ends here: held and conflated state values are dropped (a reconnecting client gets the latest anyway).
    this.hub.close();

    // 4. Tell the clients, let it reach them, close their connections.
    await this.transport.shutdown(this.options.reconnectAfterMs, deadline).catch(warn("clients"));

    // 5. Close the HTTP server (what is still open at the deadline is cut), Socket.IO, delivery, then flush.
    const closed = this.http.close();
    if (!(await untilDeadline(closed.then(() => true), deadline).catch(() => true))) this.http.server.closeAllConnections();
    await closed.catch(warn("http close"));
    await this.transport.close();
    await this.engine.close();
    await this.limits?.close();
    await this.sessionResolver?.close();
    await this.store.close();
  }

  private connectedPayload(session: Session): unknown {
    const now = new Date().toISOString();
    const features = [...this.catalogue.values()].filter((ns) => atLeast(session.tier, ns.minTier)).map((ns) => ns.name);
    return {
      userId: session.userId,
      tier: session.tier,
      message: "Connected to Tickwire",
      timestamp: now,
      server_time: now,
      api_version: API_VERSION,
      features,
      limits: { maxSubscriptions: this.options.maxSubscriptions[session.tier], maxConnectionsPerUser: this.options.maxConnectionsPerUser },
    };
  }
}

