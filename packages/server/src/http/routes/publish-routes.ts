import type { FastifyInstance } from "fastify";
import { PublishBatchBodySchema, PublishBodySchema, type PublishBatchItemResult } from "@tickwire/protocol";
import { toTickwireError, traceIdFrom } from "../../core/rules.js";
import { validate } from "../../core/validator.js";
import { requireApiKey, requireApiKeyOrOperator } from "../api-auth.js";
import type { HttpContext } from "../context.js";


/** `POST /api/v1/publish` and `POST /api/v1/publish/batch`. */
export function registerPublishRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post("/api/v1/publish", async (request) => {
    // An operator token too: the ops page's test publish.
    await requireApiKeyOrOperator(request, ctx.apiKeys, ctx.tokens);
    const body = validate(PublishBodySchema, request.body);
    const traceId = traceIdFrom(request.headers["x-trace-id"]);
    request.log.debug({ traceId, channel: body.channel }, "publish accepted");
    return ctx.publisher.publish({ ...body, traceId });
  });

  app.post("/api/v1/publish/batch", async (request) => {
    requireApiKey(request, ctx.apiKeys);
    const body = validate(PublishBatchBodySchema, request.body);
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
}
