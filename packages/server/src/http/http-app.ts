import { existsSync } from "node:fs";
import { join } from "node:path";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import cors from "@fastify/cors";
import fastifyStatic from "@fastify/static";
import type { Logger } from "../observability/logger.js";
import { installAuthFailureGuard } from "./auth-failure-guard.js";
import { errorBody, installErrorMapper } from "./error-mapper.js";
import type { HttpContext } from "./context.js";
import { registerChannelRoutes } from "./routes/channel-routes.js";
import { registerOpsRoutes } from "./routes/ops-routes.js";
import { registerPublishRoutes } from "./routes/publish-routes.js";
import { registerUserRoutes } from "./routes/user-routes.js";

/** Builds the Fastify app: the publisher API, ops endpoints and the dashboard's static files. */
export async function createHttpApp(ctx: HttpContext, logger: Logger): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: logger.child({ component: "http" }) as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.options.maxBodyBytes,
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  installErrorMapper(app);
  installAuthFailureGuard(app, ctx.options);
  const anyOrigin = ctx.options.corsOrigins.includes("*");
  await app.register(cors, { origin: anyOrigin ? true : [...ctx.options.corsOrigins] });

  registerOpsRoutes(app, ctx);
  registerPublishRoutes(app, ctx);
  registerChannelRoutes(app, ctx);
  registerUserRoutes(app, ctx);

  const dashboard = ctx.options.dashboardDir;
  const hasDashboard = dashboard !== undefined && existsSync(join(dashboard, "index.html"));
  if (hasDashboard) {
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
    return reply.status(404).send(errorBody("NOT_FOUND", `Nothing at ${request.method} ${request.url.split("?")[0]}.`));
  });
  return app;
}
