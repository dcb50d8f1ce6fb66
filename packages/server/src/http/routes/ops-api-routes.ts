import type { FastifyInstance } from "fastify";
import { ID_PATTERN, TickwireError } from "@tickwire/protocol";
import { requireApiKeyOrOperator } from "../api-auth.js";
import type { HttpContext } from "../context.js";

const USER_ID = new RegExp(ID_PATTERN);
/** Socket.IO connection ids: 20 characters of base64url. */
const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

function limitOf(value: unknown): number {
  if (value === undefined || value === "") return 10;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new TickwireError("BAD_REQUEST", "limit must be a whole number from 1 to 100.");
  return n;
}

/**
 * The ops page's API (operator token or API key): time series of the last
 * 10 minutes, top channels, a user's connections and disconnecting one. Per node.
 */
export function registerOpsApiRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get("/api/v1/ops/series", async (request) => {
    await requireApiKeyOrOperator(request, ctx.apiKeys, ctx.tokens);
    return ctx.ops.series();
  });

  app.get<{ Querystring: Record<string, string | undefined> }>("/api/v1/ops/channels", async (request) => {
    await requireApiKeyOrOperator(request, ctx.apiKeys, ctx.tokens);
    return ctx.ops.topChannels(limitOf(request.query.limit));
  });

  app.get<{ Params: { userId: string } }>("/api/v1/ops/users/:userId/connections", async (request) => {
    await requireApiKeyOrOperator(request, ctx.apiKeys, ctx.tokens);
    const { userId } = request.params;
    if (!USER_ID.test(userId)) throw new TickwireError("BAD_REQUEST", "Malformed user id.");
    const connections = ctx.registry
      .ofUser(userId)
      .sort((a, b) => a.connectedAt - b.connectedAt)
      .map((session) => ({
        id: session.id,
        tier: session.tier,
        transport: session.connection.transport ?? "unknown",
        address: session.connection.address,
        connectedAt: new Date(session.connectedAt).toISOString(),
        subscriptions: [...session.subscriptions.keys()].sort(),
        queuedPackets: session.connection.bufferedPackets(),
        queuedBytes: session.connection.bufferedBytes(),
      }));
    return { userId, connections };
  });

  app.post<{ Params: { id: string } }>("/api/v1/ops/connections/:id/disconnect", async (request) => {
    await requireApiKeyOrOperator(request, ctx.apiKeys, ctx.tokens);
    const { id } = request.params;
    if (!CONNECTION_ID.test(id)) throw new TickwireError("BAD_REQUEST", "Malformed connection id.");
    const session = ctx.registry.all().find((s) => s.id === id);
    if (!session) throw new TickwireError("NOT_FOUND", "No such connection on this node.");
    session.connection.disconnect("KICKED", "Disconnected by an operator.");
    request.log.info({ connectionId: id, userId: session.userId }, "connection disconnected by an operator");
    return { id, userId: session.userId, disconnected: true };
  });
}
