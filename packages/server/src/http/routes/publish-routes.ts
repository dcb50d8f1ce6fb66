import type { FastifyPluginAsync } from "fastify";
import { PublishBatchBodySchema, PublishBatchReplySchema, PublishBodySchema, PublishResultSchema, TickwireError, type PublishBatchBody, type PublishBatchItemResult, type PublishBody } from "@tickwire/protocol";
import { toTickwireError, traceIdFrom } from "../../core/rules.js";
import type { HttpContext } from "../context.js";
import { errorResponses, type DocumentedSchema } from "../route-schemas.js";

const publishSchema: DocumentedSchema = {
  summary: "Publish one message to a channel",
  description: "Stores the publication in the channel's history (event channels) or as its latest value (state channels) and delivers it to the subscribers. An `idempotencyKey` makes a retry answer the first result.",
  tags: ["publish"],
  body: PublishBodySchema,
  responses: { 200: { ...PublishResultSchema, description: "Stored and handed to delivery." }, ...errorResponses(400, 401, 404, 413, 429, 503) },
};

const batchSchema: DocumentedSchema = {
  summary: "Publish up to 500 messages in one request",
  description: "Items are published in order; each item answers on its own (`ok: true` with its position, or `ok: false` with its error), so one bad item does not refuse the others.",
  tags: ["publish"],
  body: PublishBatchBodySchema,
  responses: { 200: { ...PublishBatchReplySchema, description: "One result per item, in item order." }, ...errorResponses(400, 401, 413, 429, 503) },
};

/** `POST {prefix}/publish` and `POST {prefix}/publish/batch`. */
export const publishRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  app.post<{ Body: PublishBody }>("/publish", { schema: publishSchema, config: { auth: "apiKeyOrOperator" } }, async (request) => {
    const body = request.body;
    const traceId = traceIdFrom(request.headers["x-trace-id"]);
    request.log.debug({ traceId, channel: body.channel }, "publish accepted");
    return ctx.publisher.publish({ ...body, traceId });
  });

  app.post<{ Body: PublishBatchBody }>("/publish/batch", { schema: batchSchema }, async (request) => {
    const body = request.body;
    const traceId = traceIdFrom(request.headers["x-trace-id"]);
    const settle = (item: (typeof body.items)[number]): Promise<PublishBatchItemResult> =>
      ctx.publisher.publish({ ...item, traceId }).then(
        (result): PublishBatchItemResult => ({ ok: true, ...result }),
        (err: unknown): PublishBatchItemResult => {
          const e = toTickwireError(err);
          return { ok: false, channel: item.channel, error: e.toWire() };
        },
      );
    let results: PublishBatchItemResult[];
    if (body.items.every((item) => item.idempotencyKey === undefined)) {
      // Started in one turn, in item order: the engine orders them as given and writes them in one commit.
      results = await Promise.all(body.items.map(settle));
    } else {
      // An idempotency lookup goes to the store first, so items start one after another to keep their order.
      results = [];
      for (const item of body.items) results.push(await settle(item));
    }
    return { results };
  });
};
