import type { FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import { ID_PATTERN, UserDisconnectReplySchema } from "@tickwire/protocol";
import type { HttpContext } from "../context.js";
import { errorResponses, urlParam, type DocumentedSchema } from "../route-schemas.js";

const disconnectSchema: DocumentedSchema = {
  summary: "Disconnect every connection of a user on this node",
  description: "Each connection gets the `error` event with code `KICKED`, then is closed.",
  tags: ["users"],
  params: Type.Object({ userId: urlParam(Type.String({ pattern: ID_PATTERN, description: "The user id (`sub` of the user's tokens)." }), "Malformed user id.") }),
  responses: { 200: { ...UserDisconnectReplySchema, description: "How many connections were closed." }, ...errorResponses(400, 401, 429, 503) },
};

/** `POST {prefix}/users/{userId}/disconnect`: ends every connection of a user on this node. */
export const userRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  app.post<{ Params: { userId: string } }>("/users/:userId/disconnect", { schema: disconnectSchema }, async (request) => {
    const { userId } = request.params;
    const sessions = ctx.registry.ofUser(userId);
    for (const session of sessions) session.connection.disconnect("KICKED", "Disconnected by the platform.");
    request.log.info({ userId, connections: sessions.length }, "user disconnected by API");
    return { userId, disconnected: sessions.length };
  });
};
