import type { FastifyInstance } from "fastify";
import { TickwireError } from "@tickwire/protocol";
import { requireApiKeyOrOperator } from "../api-auth.js";
import type { HttpContext } from "../context.js";

/** `/healthz`, `/readyz`, `/metrics`, `/api/v1/stats`, and the dev-mode demo token. */
export function registerOpsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const checks: Record<string, { ok: boolean; details?: unknown }> = {};
    let ready = true;
    for (const [name, check] of ctx.readiness) {
      try {
        checks[name] = await check();
      } catch (err) {
        checks[name] = { ok: false, details: err instanceof Error ? err.message : String(err) };
      }
      if (!checks[name]!.ok) ready = false;
    }
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks });
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
