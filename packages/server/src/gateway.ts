import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { admits, API_VERSION, buildCatalogue, DEFAULT_NAMESPACES, type ConnectedPayload, type PublishResult } from "@tickwire/protocol";
import { Authenticator } from "./auth/authenticator.js";
import { HttpSessionResolver } from "./auth/http-session-resolver.js";
import { RedisSessionResolver } from "./auth/redis-session-resolver.js";
import type { SessionResolver } from "./auth/session-resolver.js";
import { TokenVerifier } from "./auth/token-verifier.js";
import { defaultComponents } from "./components.js";
import type { GatewayOptions } from "./config/options.js";
import { resolveOptions } from "./config/resolve-options.js";
import { orderComponents, type ComponentContext, type GatewayComponent } from "./core/component.js";
import { registerCoreEvents } from "./core/core-events.js";
import type { Broadcaster } from "./core/connection.js";
import type { DeliveryPolicyFactory } from "./core/delivery-policy.js";
import type { Engine } from "./core/engine.js";
import { EventRouter } from "./core/event-router.js";
import { Hub } from "./core/hub.js";
import { ChannelSources } from "./core/channel-sources.js";
import { EventSource, StateSource } from "./core/engine-source.js";
import { Publisher, type PublishRequest } from "./core/publisher.js";
import type { Session } from "./core/session.js";
import { SessionRegistry } from "./core/session-registry.js";
import { createLimits, type Limits } from "./limits/create-limits.js";
import type { ConnectionLimiter } from "./limits/connection-limiter.js";
import type { Store } from "./core/store.js";
import { SubscriptionManager, type SubscribeCheck } from "./core/subscriptions.js";
import { MemoryResumeStore } from "./core/memory-resume-store.js";
import { ResumptionManager } from "./core/resumption.js";
import { MemoryEngine } from "./engines/memory-engine.js";
import { RedisEngine } from "./engines/redis/index.js";
import { createRedisClient, type RedisClient } from "./engines/redis/redis-client.js";
import { ApiKeyChecker } from "./http/api-auth.js";
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
import { Readiness, type ReadinessCheck } from "./observability/readiness.js";
import { instrumentStore } from "./stores/store-metrics.js";
import { OpsSeries } from "./observability/ops-series.js";
import { BackendPost } from "./proxy/backend-post.js";
import { registerRpcEvents } from "./proxy/rpc-events.js";
import { RpcProxy } from "./proxy/rpc-proxy.js";
import { SubscribeProxy } from "./proxy/subscribe-proxy.js";
import { OccupancyHook } from "./proxy/occupancy-hook.js";
import { MemoryOccupancy, OccupancyTracker } from "./core/occupancy.js";
import { presenceAnnouncer, withPresenceEvents } from "./core/presence-events.js";
import { ServerSubscriptions } from "./users/server-subscriptions.js";
import { RoomService, ROOMS_NAMESPACE } from "./rooms/room-service.js";

/** Version reported in stats and by `tickwire --version`: the server package's. */
export const VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

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
  return buildGateway(input, deps, undefined);
}

/**
 * Attaches a gateway to an HTTP server the app already has (plain `http`,
 * Express, Koa): Socket.IO at `socketPath`, the HTTP API and the ops endpoints
 * under `apiPrefix`; every other request and WebSocket upgrade stays the app's,
 * and so does the port (`port`, `host`, `listenBacklog` are not used). Started on
 * return; `close()` ends what the gateway holds and leaves the server open.
 * @example
 * const server = app.listen(3000); // Express
 * const gw = await attach(server, { jwtSecret: process.env.JWT_SECRET, apiKeys: [process.env.API_KEY], apiPrefix: "/realtime/api" });
 */
export async function attach(server: HttpServer, input: Partial<GatewayOptions> = {}, deps: GatewayDeps = {}): Promise<Gateway> {
  const gateway = await buildGateway(input, deps, server);
  try {
    await gateway.listen();
  } catch (err) {
    await gateway.close().catch(() => undefined);
    throw err;
  }
  return gateway;
}

async function buildGateway(input: Partial<GatewayOptions>, deps: GatewayDeps, server: HttpServer | undefined): Promise<Gateway> {
  const resolved = resolveOptions(input as Record<string, unknown>);
  const options = resolved.options.dashboardDir === undefined ? Object.freeze({ ...resolved.options, dashboardDir: DEFAULT_DASHBOARD_DIR }) : resolved.options;
  // Checked against the deployment's catalogue before anything is opened.
  withPresenceEvents([...DEFAULT_NAMESPACES, ...options.namespaces], options.presenceEventNamespaces);
  const gateway = new Gateway(options, resolved.generatedSecret || deps.devMode === true, deps, deps.store ?? (await createStore(options)), server);
  try {
    await gateway.init();
  } catch (err) {
    await gateway.store.close().catch(() => undefined);
    throw err;
  }
  return gateway;
}

/** One Tickwire node. */
export class Gateway {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly catalogue;
  readonly engine: Engine;
  readonly hub: Hub;
  /** The ops page's time series of the last 10 minutes and channel rates. */
  readonly ops: OpsSeries;
  readonly registry: SessionRegistry;
  readonly router: EventRouter;
  readonly tokens: TokenVerifier;
  readonly publisher: Publisher;
  readonly subscriptions: SubscriptionManager;
  /** Session resumption for Socket.IO clients; undefined when resumeWindowMs is 0. */
  readonly resumption: ResumptionManager | undefined;
  /** Client calls forwarded to the platform's backend (docs/backend-hooks.md). */
  readonly rpcProxy: RpcProxy;
  /** Asks the platform's backend about new subscriptions, when proxySubscribeUrl is set. */
  readonly subscribeProxy: SubscribeProxy | undefined;
  /** Channels' first subscriber anywhere and last one gone (demand-driven feeds, the occupancy hook). */
  readonly occupancy: OccupancyTracker;
  /** Tells the platform's backend about occupancy changes, when proxyOccupancyUrl is set. */
  readonly occupancyHook: OccupancyHook | undefined;
  private readonly backendPosts: BackendPost[] = [];
  /** Subscriptions the server makes for a user's connections (token `channels`, the users API). */
  readonly serverSubscriptions: ServerSubscriptions;
  /** Rooms and their members (the rooms API), when the store keeps them. */
  readonly rooms: RoomService | undefined;
  readonly readiness = new Map<string, ReadinessCheck>();
  /** Checks of shared upstream feeds: failing, they make `/readyz` degraded, not 503 (unless readinessFeeds is `required`). */
  readonly advisoryChecks = new Set<string>();
  /** Runs the readiness checks with a timeout each and caches the report (`/readyz`). */
  readonly readinessProbe: Readiness;
  readonly components: GatewayComponent[];
  readonly nodeId = randomBytes(4).toString("hex");
  readonly startedAt = Date.now();
  http!: FastifyInstance;
  /** Every HTTP route of the gateway, as `METHOD url` (under /api/v1 whatever the apiPrefix); the OpenAPI document lists them. */
  httpRoutes!: ReadonlySet<string>;
  transport!: SocketTransport;
  private httpDrain!: HttpDrain;
  /** Gives an app's server its listeners back (attach); a no-op on the gateway's own server. */
  private unmount: () => void = () => {};
  /** The channel source of each kind: the engine's (event, state), and the components' (the notification service: inbox). */
  readonly sources: ChannelSources;
  private sessionResolver: SessionResolver | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private context: ComponentContext | undefined;
  /** Components told about every session that opens (ComponentContext.onSessionOpen). */
  private readonly sessionListeners: Array<(session: Session) => void> = [];
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
    /** The app's HTTP server the gateway is attached to (attach), or undefined: it has its own. */
    readonly attachedTo?: HttpServer,
  ) {
    this.now = deps.now ?? Date.now;
    this.readinessProbe = new Readiness(this.readiness, this.advisoryChecks, {
      timeoutMs: options.readinessTimeoutMs,
      cacheMs: options.readinessCacheMs,
      advisoryFails: options.readinessFeeds === "required",
    });
    this.logger = deps.logger ?? createLogger(options.logLevel);
    this.metrics = new GatewayMetrics({ processMetrics: options.processMetrics, version: VERSION });
    this.store = instrumentStore(store, this.metrics);
    this.metrics.watchFeeds(() => this.components.flatMap((c) => (c.feedState ? [c.feedState()] : [])));
    this.catalogue = buildCatalogue(withPresenceEvents([...DEFAULT_NAMESPACES, ...options.namespaces], options.presenceEventNamespaces));
    // TICKWIRE_REDIS_URL turns on the multi-node engine (docs/scaling.md, "Many nodes").
    const engineLogger = this.logger.child({ component: "engine" });
    // A stored publication that cannot be read back or delivered is skipped by reads: counted and logged.
    const onSkipped: SkipListener = ({ channel, offset, reason }) => {
      this.metrics.skippedStored.inc({ reason });
      engineLogger.warn({ channel, offset, reason }, "a stored publication was skipped");
    };
    this.engine =
      deps.engine ??
      (options.redisUrl !== undefined || options.redisClusterNodes !== undefined || options.redisSentinels !== undefined
        ? new RedisEngine({ url: options.redisUrl, clusterNodes: options.redisClusterNodes, sentinels: options.redisSentinels, sentinelName: options.redisSentinelName, prefix: options.redisPrefix, commandTimeoutMs: options.redisCommandTimeoutMs, presenceTtlMs: options.connectionLeaseTtlMs, now: this.now, logger: engineLogger, onSkipped })
        : new MemoryEngine({ history: this.store.history, now: this.now, logger: engineLogger, onSkipped }));
    this.sources = new ChannelSources(this.catalogue);
    this.sources.register("event", new EventSource(this.engine, this.logger));
    this.sources.register("state", new StateSource(this.engine, this.logger));
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
      defaultTier: options.defaultTier,
    });
    // The hub writes through the transport, which exists once the HTTP server does.
    const broadcaster: Broadcaster = { broadcast: (connections, event, payload, meta, state, token) => this.transport.broadcast(connections, event, payload, meta, state, token) };
    const limits = { stateBacklogPackets: options.stateBacklogPackets, maxQueuedPackets: options.maxQueuedPackets, stateBacklogBytes: options.stateBacklogBytes, maxQueuedBytes: options.maxQueuedBytes };
    const policies = deps.policyFactory ?? streamPolicyFactory({ conflationMs: options.conflationMs });
    this.hub = new Hub(broadcaster, this.metrics, policies, this.now, limits, this.logger.child({ component: "hub" }), this.sources);
    this.ops = new OpsSeries({ metrics: this.metrics, registry: this.registry, hub: this.hub, now: this.now }, options.opsSampleMs);
    this.publisher = new Publisher({
      catalogue: this.catalogue,
      sources: this.sources,
      idempotency: this.store.idempotency,
      metrics: this.metrics,
      logger: this.logger,
      maxPublicationBytes: options.maxPublicationBytes,
      maxInputDepth: options.maxInputDepth,
      idempotencyTtlMs: options.idempotencyTtlMs,
      now: this.now,
    });
    const post = (name: string): BackendPost => {
      const p = new BackendPost({ name, timeoutMs: options.proxyTimeoutMs, maxAnswerBytes: options.maxFrameBytes });
      this.backendPosts.push(p);
      return p;
    };
    this.rpcProxy = new RpcProxy({ url: options.proxyRpcUrl, methodUrls: options.proxyRpcMethodUrls, methods: options.proxyRpcMethods, maxInFlight: options.proxyRpcMaxInFlight, post: post("RPC") });
    this.subscribeProxy =
      options.proxySubscribeUrl === undefined
        ? undefined
        : new SubscribeProxy({
            url: options.proxySubscribeUrl,
            namespaces: options.proxySubscribeNamespaces,
            cacheMs: options.proxySubscribeCacheMs,
            post: post("subscribe"),
            now: this.now,
            refreshMs: options.proxySubscribeRefreshMs,
            refused: (session, channel, message) => this.endRefused(session, channel, message),
            counted: (result) => this.metrics.subscribeRefreshes.inc({ result }),
            logger: this.logger.child({ component: "subscribe-proxy" }),
          });
    this.occupancy = new OccupancyTracker({
      state: this.engine.occupancy?.() ?? new MemoryOccupancy(),
      namespaces: options.occupancyNamespaces,
      debounceMs: options.occupancyDebounceMs,
      logger: this.logger.child({ component: "occupancy" }),
      now: this.now,
      onError: () => this.metrics.occupancyErrors.inc(),
    });
    this.occupancy.onChange((change) => this.metrics.occupancyChanges.inc({ occupied: String(change.occupied) }));
    this.occupancyHook =
      options.proxyOccupancyUrl === undefined ? undefined : new OccupancyHook({ url: options.proxyOccupancyUrl, post: post("occupancy"), logger: this.logger.child({ component: "occupancy-hook" }), metrics: this.metrics });
    if (this.occupancyHook) this.occupancy.onChange(this.occupancyHook.notify);
    this.subscriptions = new SubscriptionManager({
      catalogue: this.catalogue,
      engine: this.engine,
      hub: this.hub,
      logger: this.logger,
      maxSubscriptions: options.maxSubscriptions,
      maxRecoveryPublications: options.maxRecoveryPublications,
      sources: this.sources,
      check: this.subscribeCheck(),
      onLocal: (channel, namespace, present) => this.occupancy.local(channel, namespace, present),
    });
    this.resumption =
      options.resumeWindowMs > 0
        ? new ResumptionManager({
            // Shared by the nodes of a multi-node engine, else the store's (survives restarts), else memory.
            store: this.engine.sessions ?? store.sessions ?? new MemoryResumeStore(),
            windowMs: options.resumeWindowMs,
            checkpointMs: options.resumeCheckpointMs,
            subscriptions: this.subscriptions,
            metrics: this.metrics,
            logger: this.logger.child({ component: "resumption" }),
            now: this.now,
            sessions: () => this.registry.all(),
          })
        : undefined;
    if (this.resumption) this.hub.setNumbering(this.resumption);
    this.serverSubscriptions = new ServerSubscriptions({ catalogue: this.catalogue, engine: this.engine, registry: this.registry, subscriptions: this.subscriptions, logger: this.logger.child({ component: "server-subscriptions" }) });
    const roomsNamespace = this.catalogue.get(ROOMS_NAMESPACE);
    this.rooms =
      this.store.rooms === undefined || roomsNamespace === undefined
        ? undefined
        : new RoomService({
            store: this.store.rooms,
            engine: this.engine,
            publisher: this.publisher,
            serverSubscriptions: this.serverSubscriptions,
            namespace: roomsNamespace,
            maxInputDepth: options.maxInputDepth,
            maxPublicationBytes: options.maxPublicationBytes,
            logger: this.logger.child({ component: "rooms" }),
            now: this.now,
          });
    this.components = orderComponents(deps.components ?? defaultComponents(options, { rpc: this.rpcProxy }));
  }

  /** Wires HTTP and Socket.IO; called by createGateway. */
  async init(): Promise<void> {
    const { options } = this;
    if (options.sessionRedisUrl || options.sessionRedisClusterNodes) {
      this.sessionResolver = new RedisSessionResolver(sessionRedis(options), { prefix: options.sessionPrefix, defaultTier: options.defaultTier });
    } else if (options.sessionUrl) {
      this.sessionResolver = new HttpSessionResolver({ url: options.sessionUrl, timeoutMs: options.sessionTimeoutMs, defaultTier: options.defaultTier });
    }
    registerCoreEvents({
      router: this.router,
      subscriptions: this.subscriptions,
      tokens: this.tokens,
    });
    registerRpcEvents(this.router, this.rpcProxy);
    // Each check makes one round trip to its backend: a pool that looks fine while the database is gone must not say ready.
    this.readiness.set("store", async () => {
      await this.store.ping?.();
      return { ok: true, details: { kind: this.store.kind } };
    });
    this.readiness.set("engine", async () => {
      const before = this.engine.health?.() ?? { ok: true, details: { name: this.engine.name } };
      if (!before.ok || this.closing) return { ok: false, details: before.details };
      await this.engine.ping?.();
      const health = this.engine.health?.() ?? before;
      return { ok: health.ok && !this.closing, details: health.details };
    });
    if (this.sessionResolver?.state) {
      const resolver = this.sessionResolver;
      this.readiness.set("sessions", () => ({ ok: resolver.state!().breaker !== "open", details: resolver.state!() }));
    }
    ({ app: this.http, drain: this.httpDrain, unmount: this.unmount, routes: this.httpRoutes } = await createHttpApp(
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
        readiness: this.readinessProbe,
        ops: this.ops,
        stats: async () => this.stats(),
        serverSubscriptions: this.serverSubscriptions,
        ...(this.rooms === undefined ? {} : { rooms: this.rooms }),
      },
      this.logger,
      this.attachedTo,
    ));
    this.limits = await createLimits(options, { nodeId: this.nodeId, registry: this.metrics.registry, logger: this.logger.child({ component: "limits" }), connectionLimiter: this.connectionLimiterOverride });
    this.transport = new SocketTransport(this.attachedTo ?? this.http.server, {
      attached: this.attachedTo !== undefined,
      options,
      authenticator: new Authenticator(this.tokens, this.sessionResolver),
      registry: this.registry,
      connectionLimiter: this.limits.connections,
      userRateLimiter: this.limits.userRate,
      router: this.router,
      metrics: this.metrics,
      logger: this.logger,
      connectedPayload: (session) => this.connectedPayload(session),
      resumption: this.resumption,
      onOpen: (session, grant) => {
        if (grant) void this.resumption!.restore(session, grant).catch((err: unknown) => this.logger.error({ err }, "a session could not be restored"));
        this.serverSubscriptions.opened(session);
        for (const listener of this.sessionListeners) listener(session);
      },
      onClose: async (session) => {
        // Kept for its resumption before its subscriptions go.
        this.resumption?.closed(session);
        // Whatever its transport was doing: nothing stays held for a closed session.
        this.hub.forget(session);
        await this.subscriptions.dropAll(session);
        await this.serverSubscriptions.closed(session);
      },
    });
    const context = this.componentContext();
    for (const component of this.components) component.register?.(context);
    this.engine.onPresenceChange?.(presenceAnnouncer(this.hub, this.logger.child({ component: "presence" })));
    // Namespaces the operator declared need a source; built-in ones whose component was left out answer UNAVAILABLE.
    this.sources.check(options.namespaces);
    await this.engine.start((publication) => {
      if (!this.serverSubscriptions.handle(publication)) this.sources.receive(publication, (p) => this.hub.dispatch(p));
    });
  }

  /** Starts listening and starts the components. */
  async listen(): Promise<void> {
    if (this.attachedTo) await this.http.ready();
    else await this.http.listen({ port: this.options.port, host: this.options.host, backlog: this.options.listenBacklog });
    this.pruneTimer = setInterval(() => {
      this.store.prune(this.now()).catch((err: unknown) => this.logger.warn({ err }, "prune failed"));
      this.resumption?.purge().catch((err: unknown) => this.logger.warn({ err }, "prune failed"));
    }, 60_000);
    this.resumption?.start();
    this.pruneTimer.unref();
    this.ops.start();
    const context = this.componentContext();
    for (const component of this.components) {
      await component.start(context);
      if (component.ready) {
        this.readiness.set(component.name, () => component.ready!());
        // A feed every node shares: its outage is reported, not a reason to take every node out of the load balancer.
        if (component.feedState) this.advisoryChecks.add(component.name);
      }
    }
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return ((this.attachedTo ?? this.http.server).address() as AddressInfo | null)?.port ?? 0;
  }

  /** Base URL on the loopback interface, e.g. `http://127.0.0.1:8080`. */
  get url(): string {
    const bound = this.attachedTo ? ((this.attachedTo.address() as AddressInfo | null)?.address ?? "127.0.0.1") : this.options.host;
    const host = bound === "0.0.0.0" || bound === "::" ? "127.0.0.1" : bound;
    return `http://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
  }

  /** Publishes through the same path as the HTTP API. */
  /** The subscribe backend refused a live subscription on a refresh: it ends, and the connection is told why. */
  private async endRefused(session: Session, channel: string, message: string): Promise<void> {
    const ended = await this.subscriptions.revoke(session, channel);
    this.logger.info({ userId: session.userId, channel }, "subscription ended: the subscribe backend refused it on a refresh");
    if (ended !== undefined && !session.closed) session.connection.emit("server:unsubscribed", { unsubscribed: [ended], code: "FORBIDDEN", message });
  }

  /** The checks of a new subscription after Tickwire's own rules: the subscribe proxy, then room membership (last: joining a public room makes a member). */
  private subscribeCheck(): SubscribeCheck {
    return async (session, channel, namespace) => {
      await this.subscribeProxy?.check(session, channel, namespace);
      await this.rooms?.check(session, channel, namespace);
    };
  }

  publish(request: PublishRequest): Promise<PublishResult> {
    return this.publisher.publish(request);
  }

  /** Signs a client token with the configured secret (HS256). */
  issueToken(claims: { sub: string; tier?: string; roles?: string[]; channels?: string[]; ttlSeconds?: number }): Promise<string> {
    return this.tokens.sign(claims);
  }

  /** What the components are given (core/component.ts): the parts, not the root. */
  private componentContext(): ComponentContext {
    this.context ??= Object.freeze({
      catalogue: this.catalogue,
      publisher: this.publisher,
      router: this.router,
      subscriptions: this.subscriptions,
      occupancy: this.occupancy,
      hub: this.hub,
      engine: this.engine,
      store: this.store,
      registry: this.registry,
      logger: this.logger,
      metrics: this.metrics,
      http: this.http,
      apiKeys: this.options.apiKeys,
      sources: this.sources,
      onSessionOpen: (listener: (session: Session) => void) => void this.sessionListeners.push(listener),
    });
    return this.context;
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
    this.readinessProbe.invalidate();
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
    this.ops.stop();

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
    // Sessions closed by the shutdown are saved for their resumption on the next process or another node.
    await this.resumption?.close();
    // Attached: the app's server keeps only the app's listeners (and stays open).
    this.unmount();
    // Channels this node's closed sessions vacated are announced (when no other node holds them) before the engine goes.
    await untilDeadline(this.occupancy.close(), deadline + 1000).catch(warn("occupancy"));
    await untilDeadline(this.occupancyHook?.drain() ?? Promise.resolve(), deadline + 1000).catch(warn("occupancy hook"));
    this.subscribeProxy?.close();
    this.serverSubscriptions.close();
    await this.engine.close();
    await this.limits?.close();
    await this.sessionResolver?.close();
    for (const post of this.backendPosts) post.close();
    await this.store.close();
  }

  private connectedPayload(session: Session): ConnectedPayload {
    const now = new Date().toISOString();
    const features = [...this.catalogue.values()].filter((ns) => admits(ns, session.tier, session.identity.roles)).map((ns) => ns.name);
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

/**
 * The session resolver's Redis connection. Lookups made while it is (re)established
 * wait in the offline queue, bounded by the command timeout: a handshake right
 * after start is not refused.
 */
function sessionRedis(options: GatewayOptions): RedisClient {
  const target = options.sessionRedisClusterNodes !== undefined ? { clusterNodes: options.sessionRedisClusterNodes } : { url: options.sessionRedisUrl ?? "redis://127.0.0.1:6379" };
  const redis = createRedisClient(target, { maxRetriesPerRequest: 1, enableOfflineQueue: true, commandTimeout: options.sessionTimeoutMs });
  redis.on("error", () => {
    // Reported per lookup as UNAVAILABLE; ioredis keeps reconnecting.
  });
  return redis;
}
