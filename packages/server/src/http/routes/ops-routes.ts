import type { FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import { TickwireError } from "@tickwire/protocol";
import type { HttpContext } from "../context.js";
import { errorResponses, type DocumentedSchema } from "../route-schemas.js";

const Check = Type.Object({ ok: Type.Boolean(), details: Type.Optional(Type.Unknown()) });
const Readiness = Type.Object({ status: Type.Union([Type.Literal("ready"), Type.Literal("not_ready")]), checks: Type.Record(Type.String(), Check) });

const schemas: Record<string, DocumentedSchema> = {
  healthz: {
    summary: "Liveness",
    description: "Answers while the process serves requests.",
    tags: ["ops"],
    responses: { 200: { ...Type.Object({ status: Type.Literal("ok") }), description: "Alive." } },
  },
  readyz: {
    summary: "Readiness",
    description: "Every readiness check (store, engine, feeds, session resolver); 503 while one fails or the node is shutting down.",
    tags: ["ops"],
    responses: { 200: { ...Readiness, description: "Ready." }, 503: { ...Readiness, description: "Not ready: the failing checks say why." } },
  },
  metrics: {
    summary: "Prometheus metrics",
    tags: ["ops"],
    responses: { 200: { description: "The Prometheus text exposition format.", content: { "text/plain": { schema: { type: "string" } } } } },
  },
  stats: {
    summary: "The node's figures",
    description: "Connections, subscriptions, publications, queues, feeds and the engine of this node (what the ops page shows). Takes an API key or an operator's client token.",
    tags: ["ops"],
    responses: { 200: { ...Type.Object({ node: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: true }), description: "The stats document." }, ...errorResponses(401, 403, 429, 503) },
  },
  devToken: {
    summary: "A demo token (dev mode only)",
    description: "A token of user `demo`, tier operator, 12 h; for the dashboard in dev mode. 404 in production.",
    tags: ["ops"],
    responses: { 200: { ...Type.Object({ token: Type.String(), userId: Type.Literal("demo"), tier: Type.Literal("operator") }), description: "The token." }, ...errorResponses(404) },
  },
};

/** `/healthz`, `/readyz`, `/metrics`: public, outside the API prefix. */
export const opsRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  app.get("/healthz", { schema: schemas.healthz! }, async () => ({ status: "ok" }));

  app.get("/readyz", { schema: schemas.readyz! }, async (_request, reply) => {
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

  app.get("/metrics", { schema: schemas.metrics! }, async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.header("content-type", ctx.metrics.registry.contentType).send(text);
  });
};

/** `{prefix}/stats` (API key or operator token) and the dev-mode demo token (public). */
export const opsApiRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  app.get("/stats", { schema: schemas.stats!, config: { auth: "apiKeyOrOperator" } }, async () => ctx.stats());

  app.get("/dev/token", { schema: schemas.devToken!, config: { auth: "public" } }, async () => {
    if (!ctx.devMode) throw new TickwireError("NOT_FOUND", "The demo token exists only in dev mode.");
    const token = await ctx.tokens.sign({ sub: "demo", tier: "operator", ttlSeconds: 12 * 3600 });
    return { token, userId: "demo", tier: "operator" };
  });
};
