import type { FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import { ID_PATTERN, TickwireError } from "@tickwire/protocol";
import type { HttpContext } from "../context.js";
import { errorResponses, urlParam, type DocumentedSchema } from "../route-schemas.js";

/** A document of the ops page's API: its figures are described in docs/operations.md. */
const Figures = (description: string) => ({ ...Type.Object({}, { additionalProperties: true }), description });

const schemas: Record<string, DocumentedSchema> = {
  series: {
    summary: "Time series of the last 10 minutes",
    description: "Connections, publications and deliveries per second, delivery latency p50/p99 (conflated deliveries apart) and slow consumers, one point per sample interval. This node only.",
    tags: ["ops"],
    responses: { 200: Figures("The series."), ...errorResponses(401, 403, 429, 503) },
  },
  channels: {
    summary: "Top channels by subscribers and rate",
    tags: ["ops"],
    querystring: Type.Object({ limit: Type.Optional(urlParam(Type.Integer({ minimum: 1, maximum: 100, description: "How many channels (default 10)." }), "limit must be a whole number from 1 to 100.")) }),
    responses: { 200: Figures("The channels."), ...errorResponses(400, 401, 403, 429, 503) },
  },
  connections: {
    summary: "A user's connections on this node",
    description: "Tier, transport, address, subscriptions and queue depth of each.",
    tags: ["ops"],
    params: Type.Object({ userId: urlParam(Type.String({ pattern: ID_PATTERN, description: "The user id." }), "Malformed user id.") }),
    responses: { 200: Figures("The user's connections, oldest first."), ...errorResponses(400, 401, 403, 429, 503) },
  },
  disconnect: {
    summary: "Disconnect one connection",
    description: "The connection gets the `error` event with code `KICKED`, then is closed.",
    tags: ["ops"],
    params: Type.Object({ id: urlParam(Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "The connection id." }), "Malformed connection id.") }),
    responses: { 200: Figures("The connection was closed."), ...errorResponses(400, 401, 403, 404, 429, 503) },
  },
};

/**
 * The ops page's API under `{prefix}/ops` (operator token or API key): time series of the last
 * 10 minutes, top channels, a user's connections and disconnecting one. Per node.
 */
export const opsPageRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  const operator = { auth: "apiKeyOrOperator" } as const;

  app.get("/ops/series", { schema: schemas.series!, config: operator }, async () => ctx.ops.series());

  app.get<{ Querystring: { limit?: number } }>("/ops/channels", { schema: schemas.channels!, config: operator }, async (request) => ctx.ops.topChannels(request.query.limit ?? 10));

  app.get<{ Params: { userId: string } }>("/ops/users/:userId/connections", { schema: schemas.connections!, config: operator }, async (request) => {
    const { userId } = request.params;
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

  app.post<{ Params: { id: string } }>("/ops/connections/:id/disconnect", { schema: schemas.disconnect!, config: operator }, async (request) => {
    const { id } = request.params;
    const session = ctx.registry.all().find((s) => s.id === id);
    if (!session) throw new TickwireError("NOT_FOUND", "No such connection on this node.");
    session.connection.disconnect("KICKED", "Disconnected by an operator.");
    request.log.info({ connectionId: id, userId: session.userId }, "connection disconnected by an operator");
    return { id, userId: session.userId, disconnected: true };
  });
};
