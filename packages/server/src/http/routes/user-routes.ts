import type { FastifyInstance } from "fastify";
import { ID_PATTERN, TickwireError } from "@tickwire/protocol";
import { requireApiKeyOrOperator } from "../api-auth.js";
import type { HttpContext } from "../context.js";

const USER_ID = new RegExp(ID_PATTERN);

/** `POST /api/v1/users/{userId}/disconnect`: ends every connection of a user on this node. */
export function registerUserRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post<{ Params: { userId: string } }>("/api/v1/users/:userId/disconnect", async (request) => {
    await requireApiKeyOrOperator(request, ctx.apiKeys, ctx.tokens);
    const { userId } = request.params;
    if (!USER_ID.test(userId)) throw new TickwireError("BAD_REQUEST", "Malformed user id.");
    const sessions = ctx.registry.ofUser(userId);
    for (const session of sessions) session.connection.disconnect("KICKED", "Disconnected by the platform.");
    request.log.info({ userId, connections: sessions.length }, "user disconnected by API");
    return { userId, disconnected: sessions.length };
  });
}
