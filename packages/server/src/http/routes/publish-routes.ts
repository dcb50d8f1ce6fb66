import type { FastifyInstance, FastifyRequest } from "fastify";
import { PublishBatchBodySchema, PublishBodySchema, TickwireError, type PublishBatchItemResult } from "@tickwire/protocol";
import { newTraceId } from "../../core/publisher.js";
import { validate } from "../../core/validator.js";
import { requireApiKey } from "../api-auth.js";
import type { HttpContext } from "../context.js";

function traceIdOf(request: FastifyRequest): string {
  const header = request.headers["x-trace-id"];
  return typeof header === "string" && /^[A-Za-z0-9_\-]{1,64}$/.test(header) ? header : newTraceId();
}

/** `POST /api/v1/publish` and `POST /api/v1/publish/batch`. */
export function registerPublishRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post("/api/v1/publish", async (request) => {
    requireApiKey(request, ctx.apiKeys);
    const body = validate(PublishBodySchema, request.body);
    const traceId = traceIdOf(request);
    request.log.debug({ traceId, channel: body.channel }, "publish accepted");
    return ctx.publisher.publish({ ...body, traceId });
  });

  app.post("/api/v1/publish/batch", async (request) => {
    requireApiKey(request, ctx.apiKeys);
    const body = validate(PublishBatchBodySchema, request.body);
    const traceId = traceIdOf(request);
    const results: PublishBatchItemResult[] = [];
    // In order: items of one channel keep their order in the batch.
    for (const item of body.items) {
      try {
        results.push({ ok: true, ...(await ctx.publisher.publish({ ...item, traceId })) });
      } catch (err) {
        const e = err instanceof TickwireError ? err : new TickwireError("INTERNAL", undefined, { cause: err });
        results.push({ ok: false, channel: item.channel, error: e.toWire() });
      }
    }
    return { results };
  });
}
