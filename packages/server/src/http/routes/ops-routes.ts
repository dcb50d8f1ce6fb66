import { isIP } from "node:net";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { Type } from "@sinclair/typebox";
import { TickwireError } from "@tickwire/protocol";
import type { HttpContext } from "../context.js";
import { errorResponses, type DocumentedSchema } from "../route-schemas.js";

const Check = Type.Object({ ok: Type.Boolean(), details: Type.Optional(Type.Unknown()), degraded: Type.Optional(Type.Literal(true, { description: "An advisory check (a feed every node shares) that fails without failing readiness." })) });
const Readiness = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("degraded"), Type.Literal("not_ready")], { description: "`degraded`: only advisory checks fail (still 200)." }),
  checks: Type.Record(Type.String(), Check),
  degraded: Type.Optional(Type.Array(Type.String(), { description: "The advisory checks that fail." })),
});

const schemas: Record<string, DocumentedSchema> = {
  healthz: {
    summary: "Liveness",
    description: "Answers while the process serves requests.",
    tags: ["ops"],
    responses: { 200: { ...Type.Object({ status: Type.Literal("ok") }), description: "Alive." } },
  },
  readyz: {
    summary: "Readiness",
    description: "Every readiness check (a round trip to the store and the engine, feeds, session resolver), each bounded by a timeout, the report cached briefly; 503 while one fails or the node is shutting down, 200 `degraded` while only a shared feed fails (unless readinessFeeds is `required`).",
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
    description: "A token of user `demo`, tier operator, 12 h; for the dashboard in dev mode, to same-origin requests from the loopback interface only (403 otherwise). 404 in production.",
    tags: ["ops"],
    responses: { 200: { ...Type.Object({ token: Type.String(), userId: Type.Literal("demo"), tier: Type.Literal("operator") }), description: "The token." }, ...errorResponses(403, 404) },
  },
};

/** `/healthz`, `/readyz`, `/metrics`: public, outside the API prefix. */
export const opsRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  app.get("/healthz", { schema: schemas.healthz! }, async () => ({ status: "ok" }));

  app.get("/readyz", { schema: schemas.readyz! }, async (_request, reply) => {
    const report = await ctx.readiness.report();
    return reply.status(report.status === "not_ready" ? 503 : 200).send(report);
  });

  app.get("/metrics", { schema: schemas.metrics! }, async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.header("content-type", ctx.metrics.registry.contentType).send(text);
  });
};

/** `{prefix}/stats` (API key or operator token) and the dev-mode demo token (public). */
export const opsApiRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  app.get("/stats", { schema: schemas.stats!, config: { auth: "apiKeyOrOperator" } }, async () => ctx.stats());

  app.get("/dev/token", { schema: schemas.devToken!, config: { auth: "public" } }, async (request, reply) => {
    if (!ctx.devMode) throw new TickwireError("NOT_FOUND", "The demo token exists only in dev mode.");
    // An operator token: never readable by another origin's page, never handed to another machine.
    reply.removeHeader("access-control-allow-origin");
    reply.removeHeader("access-control-allow-credentials");
    const refusal = devTokenRefusal(request);
    if (refusal !== undefined) throw new TickwireError("FORBIDDEN", refusal);
    const token = await ctx.tokens.sign({ sub: "demo", tier: "operator", ttlSeconds: 12 * 3600 });
    return { token, userId: "demo", tier: "operator" };
  });
};

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith("127.");
  return address === "::1";
}

/**
 * Why the dev token is not handed to this request, or undefined: it must come
 * from the loopback interface (request.ip: behind a trusted proxy, the client's
 * address) and, when a browser says where it comes from, from this very origin.
 */
function devTokenRefusal(request: FastifyRequest): string | undefined {
  if (!isLoopback(request.ip)) return "The demo token is handed out only on this machine (loopback); sign one with `npx tickwire token`.";
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return "The demo token is handed out only to same-origin requests.";
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host === undefined || host !== request.headers.host) return "The demo token is handed out only to same-origin requests.";
  }
  return undefined;
}
