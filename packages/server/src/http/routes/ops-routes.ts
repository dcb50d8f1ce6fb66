import type { FastifyInstance } from "fastify";
import { TickwireError } from "@tickwire/protocol";
import { requireApiKeyOrOperator } from "../api-auth.js";
import type { HttpContext } from "../context.js";

/** `/healthz`, `/readyz`, `/metrics`, `/api/v1/stats`, and the dev-mode demo token. */
export function registerOpsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  // Readiness: every check for real (store and engine round trips), each bounded by a timeout, the report cached briefly.
  app.get("/readyz", async (_request, reply) => {
    const report = await ctx.readiness.report();
    return reply.status(report.status === "not_ready" ? 503 : 200).send(report);
  });

  app.get("/metrics", async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.header("content-type", ctx.metrics.registry.contentType).send(text);
  });

  app.get("/api/v1/stats", async (request) => {
    await requireApiKeyOrOperator(request, ctx.apiKeys, ctx.tokens);
    return ctx.stats();
  });

  app.get("/api/v1/dev/token", async () => {
    if (!ctx.devMode) throw new TickwireError("NOT_FOUND", "The demo token exists only in dev mode.");
    const token = await ctx.tokens.sign({ sub: "demo", tier: "operator", ttlSeconds: 12 * 3600 });
    return { token, userId: "demo", tier: "operator" };
  });
}
