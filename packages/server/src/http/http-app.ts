import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { join } from "node:path";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from "fastify";
import { MAX_CHANNEL_LENGTH, TickwireError } from "@tickwire/protocol";
import cors from "@fastify/cors";
import fastifyStatic from "@fastify/static";
import { access, type Logger } from "../observability/logger.js";
import { installAuthFailureGuard } from "./auth-failure-guard.js";
import { answerClientError, errorBody, installErrorMapper, sendFrameworkError } from "./error-mapper.js";
import { HttpDrain } from "./http-drain.js";
import { API_BASE, mountOnServer, prefixRewriter } from "./mount.js";
import type { HttpContext } from "./context.js";
import { installApiAuth } from "./api-auth.js";
import { registerOpenApi } from "./openapi.js";
import { routeValidatorCompiler } from "./route-schemas.js";
import { channelRoutes } from "./routes/channel-routes.js";
import { opsApiRoutes, opsRoutes } from "./routes/ops-routes.js";
import { publishRoutes } from "./routes/publish-routes.js";
import { userRoutes } from "./routes/user-routes.js";
import { roomRoutes } from "./routes/room-routes.js";
import { opsPageRoutes } from "./routes/ops-api-routes.js";

/** Longest raw path parameter: a channel of MAX_CHANNEL_LENGTH characters, each percent-encoded. */
export const MAX_PARAM_LENGTH = 3 * MAX_CHANNEL_LENGTH;

/** The Fastify app of a gateway, its drain, and (attached to an app's server) what detaches it. */
export interface HttpApp {
  readonly app: FastifyInstance;
  readonly drain: HttpDrain;
  /** Gives the app's server its own listeners back; a no-op when the gateway has its own server. */
  readonly unmount: () => void;
  /** Every route registered, as `METHOD url` (HEAD routes Fastify adds for GET routes left out). */
  readonly routes: ReadonlySet<string>;
}

/**
 * Builds the Fastify app: the publisher API, ops endpoints and the dashboard's static files.
 * With `attachTo` (an app's HTTP server) it never listens: requests under `apiPrefix` are handed
 * to it from that server, every other request stays the app's, and no dashboard is served.
 */
export async function createHttpApp(ctx: HttpContext, logger: Logger, attachTo?: HttpServer): Promise<HttpApp> {
  const { trustedProxies } = ctx.options;
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const rewriteUrl = prefixRewriter(ctx.options.apiPrefix, attachTo !== undefined);
  const app: FastifyInstance = Fastify({
    // Attached, the app's server hands requests over: Fastify gets a server of its own that never listens.
    ...(attachTo
      ? {
          serverFactory: (h: (req: IncomingMessage, res: ServerResponse) => void) => {
            handler = h;
            return createServer();
          },
        }
      : {}),
    ...(rewriteUrl ? { rewriteUrl } : {}),
    loggerInstance: logger.child({ component: "http" }) as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.options.maxBodyBytes,
    // The shutdown is HttpDrain's: in-flight requests are answered, never reset; new ones get 503 in the one shape.
    forceCloseConnections: false,
    return503OnClosing: false,
    // X-Forwarded-For is read only from these (request.ip is then the client's address).
    trustProxy: trustedProxies.length > 0 ? [...trustedProxies] : false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (err: FastifyError, request, reply) => sendFrameworkError(err, request, reply, MAX_PARAM_LENGTH),
    clientErrorHandler: answerClientError,
  });
  const drain = new HttpDrain(app, attachTo === undefined);
  // One metric sample and one access line per answered request; the query string (it may carry a token) is never logged.
  const accessLevel = ctx.options.accessLogLevel;
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    const seconds = reply.elapsedTime / 1000;
    ctx.metrics.httpRequests.inc(labels);
    ctx.metrics.httpRequestDuration.observe(labels, seconds);
    access(logger, accessLevel, { reqId: request.id, method: request.method, path: request.url.split("?")[0]!.slice(0, 200), route, statusCode: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 100) / 100, address: request.ip }, "http request");
  });
  const routes = new Set<string>();
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) if (method !== "HEAD") routes.add(`${method} ${route.url}`);
  });
  installErrorMapper(app);
  installAuthFailureGuard(app, ctx.options);
  // Every route under /api/ needs an API key unless its config says otherwise; bodies, queries and
  // path parameters are checked by the route schemas, refused in the one error shape.
  installApiAuth(app, ctx.apiKeys, ctx.tokens);
  app.setValidatorCompiler(routeValidatorCompiler);
  // @fastify/cors answers an incomplete preflight in plain text; answer it in the one shape first.
  app.addHook("onRequest", async (request) => {
    if (request.method !== "OPTIONS") return;
    if (request.headers.origin === undefined) throw new TickwireError("BAD_REQUEST", "A CORS preflight request needs an Origin header.");
    if (request.headers["access-control-request-method"] === undefined) throw new TickwireError("BAD_REQUEST", "A CORS preflight request needs an Access-Control-Request-Method header.");
  });
  const anyOrigin = ctx.options.corsOrigins.includes("*");
  await app.register(cors, { origin: anyOrigin ? true : [...ctx.options.corsOrigins] });

  await registerOpenApi(app, ctx.options.apiPrefix, attachTo !== undefined);
  await app.register(opsRoutes, { ctx });
  // Registered under /api/v1; another apiPrefix is mapped onto it (mount.ts).
  for (const routes of [opsApiRoutes, opsPageRoutes, publishRoutes, channelRoutes, userRoutes, roomRoutes]) await app.register(routes, { prefix: API_BASE, ctx });

  const dashboard = ctx.options.dashboardDir;
  const hasDashboard = attachTo === undefined && dashboard !== undefined && existsSync(join(dashboard, "index.html"));
  if (attachTo) {
    // The app serves its own pages.
  } else if (hasDashboard) {
    await app.register(fastifyStatic, { root: dashboard, prefix: "/", wildcard: false, index: ["index.html"] });
  } else {
    app.get("/", async (_request, reply) =>
      reply.type("text/html").send("<!doctype html><title>Tickwire</title><h1>Tickwire is running</h1><p>The dashboard is not built: run <code>npm run build</code>.</p>"),
    );
  }
  app.setNotFoundHandler((request, reply) => {
    const wantsPage = request.method === "GET" && !request.url.startsWith("/api/") && (request.headers.accept ?? "").includes("text/html");
    // Client-side routes of the dashboard (/ops) load its index.html.
    if (wantsPage && hasDashboard) return reply.sendFile("index.html");
    return reply.status(404).send(errorBody("NOT_FOUND", `Nothing at ${request.method} ${request.originalUrl.split("?")[0]!.slice(0, 200)}.`));
  });
  const unmount = attachTo ? mountOnServer(attachTo, ctx.options.apiPrefix, (req, res) => handler!(req, res), (req, res) => drain.track(req, res)) : () => {};
  return { app, drain, unmount, routes };
}
