import { isIP } from "node:net";
import type { FastifyInstance, FastifyRequest } from "fastify";
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

  app.get("/api/v1/dev/token", async (request, reply) => {
    if (!ctx.devMode) throw new TickwireError("NOT_FOUND", "The demo token exists only in dev mode.");
    // An operator token: never readable by another origin's page, never handed to another machine.
    reply.removeHeader("access-control-allow-origin");
    reply.removeHeader("access-control-allow-credentials");
    const refusal = devTokenRefusal(request);
    if (refusal !== undefined) throw new TickwireError("FORBIDDEN", refusal);
    const token = await ctx.tokens.sign({ sub: "demo", tier: "operator", ttlSeconds: 12 * 3600 });
    return { token, userId: "demo", tier: "operator" };
  });
}

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
