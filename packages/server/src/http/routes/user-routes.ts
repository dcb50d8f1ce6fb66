import type { FastifyInstance } from "fastify";
import { ID_PATTERN, TickwireError, UserChannelsBodySchema, UserParamsSchema, type UserChannelsBody, type UserChannelsReply, type UserParams } from "@tickwire/protocol";
import { validate } from "../../core/validator.js";
import { requireApiKey, requireApiKeyOrOperator } from "../api-auth.js";
import type { HttpContext } from "../context.js";

const USER_ID = new RegExp(ID_PATTERN);

/**
 * `POST /api/v1/users/{userId}/disconnect`: ends every connection of a user on this node.
 * `POST /api/v1/users/{userId}/subscribe` and `/unsubscribe` `{ channels }`: server-side
 * subscriptions of every live connection of the user, on every node.
 */
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

  for (const action of ["subscribe", "unsubscribe"] as const) {
    app.post<{ Params: UserParams; Body: UserChannelsBody }>(
      `/api/v1/users/:userId/${action}`,
      {
        // The schemas describe the route (OpenAPI); the input is validated once, below, by the one validator
        // (Fastify's own would strip unknown properties instead of refusing them).
        schema: { params: UserParamsSchema, body: UserChannelsBodySchema },
        validatorCompiler: () => () => true,
      },
      async (request): Promise<UserChannelsReply> => {
        requireApiKey(request, ctx.apiKeys);
        const { userId } = validate(UserParamsSchema, request.params);
        const body = validate(UserChannelsBodySchema, request.body);
        if (!ctx.serverSubscriptions) throw new TickwireError("UNAVAILABLE", "Server-side subscriptions are not available.");
        const channels = await ctx.serverSubscriptions.request(userId, action, body.channels);
        request.log.info({ userId, action, channels }, "server-side subscription sent");
        return { userId, channels };
      },
    );
  }
}
