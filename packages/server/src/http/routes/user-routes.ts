import type { FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import { ID_PATTERN, TickwireError, UserChannelsBodySchema, UserDisconnectReplySchema, type UserChannelsBody, type UserChannelsReply } from "@tickwire/protocol";
import type { HttpContext } from "../context.js";
import { errorResponses, urlParam, type DocumentedSchema } from "../route-schemas.js";

const UserIdParams = Type.Object({ userId: urlParam(Type.String({ pattern: ID_PATTERN, description: "The user id (`sub` of the user's tokens)." }), "Malformed user id.") });

const disconnectSchema: DocumentedSchema = {
  summary: "Disconnect every connection of a user on this node",
  description: "Each connection gets the `error` event with code `KICKED`, then is closed. Takes an API key or an operator's client token (the ops page).",
  tags: ["users"],
  params: UserIdParams,
  responses: { 200: { ...UserDisconnectReplySchema, description: "How many connections were closed." }, ...errorResponses(400, 401, 403, 429, 503) },
};

const UserChannelsReplySchema = Type.Object({ userId: Type.String(), channels: Type.Array(Type.String(), { description: "The canonical channels the request was sent for." }) });

function channelsSchema(action: "subscribe" | "unsubscribe"): DocumentedSchema {
  return {
    summary: action === "subscribe" ? "Subscribe every live connection of a user to channels, on every node" : "Unsubscribe every live connection of a user from channels, on every node",
    description:
      action === "subscribe"
        ? "Server-side subscriptions: each connection of the user gets `server:subscribed` and then the channels' publications; the user's access to each channel is checked as for a client subscribe."
        : "Each connection of the user gets `server:unsubscribed` for the channels it had. This node's connections are unsubscribed first, whatever the engine does; 503 UNAVAILABLE says the other nodes could not be reached yet (the node keeps sending the request to them until Redis takes it; repeating it is safe).",
    tags: ["users"],
    params: UserIdParams,
    body: UserChannelsBodySchema,
    responses: { 200: { ...UserChannelsReplySchema, description: "The request was sent to every node." }, ...errorResponses(400, 401, 429, 503) },
  };
}

/**
 * `POST {prefix}/users/{userId}/disconnect`: ends every connection of a user on this node.
 * `POST {prefix}/users/{userId}/subscribe` and `/unsubscribe` `{ channels }`: server-side
 * subscriptions of every live connection of the user, on every node.
 */
export const userRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  app.post<{ Params: { userId: string } }>("/users/:userId/disconnect", { schema: disconnectSchema, config: { auth: "apiKeyOrOperator" } }, async (request) => {
    const { userId } = request.params;
    const sessions = ctx.registry.ofUser(userId);
    for (const session of sessions) session.connection.disconnect("KICKED", "Disconnected by the platform.");
    request.log.info({ userId, connections: sessions.length }, "user disconnected by API");
    return { userId, disconnected: sessions.length };
  });

  for (const action of ["subscribe", "unsubscribe"] as const) {
    app.post<{ Params: { userId: string }; Body: UserChannelsBody }>(`/users/:userId/${action}`, { schema: channelsSchema(action) }, async (request): Promise<UserChannelsReply> => {
      const { userId } = request.params;
      if (!ctx.serverSubscriptions) throw new TickwireError("UNAVAILABLE", "Server-side subscriptions are not available.");
      const channels = await ctx.serverSubscriptions.request(userId, action, request.body.channels);
      request.log.info({ userId, action, channels }, "server-side subscription sent");
      return { userId, channels };
    });
  }
};
