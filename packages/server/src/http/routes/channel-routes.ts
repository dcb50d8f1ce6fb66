import type { FastifyInstance } from "fastify";
import { isChannelError, parseChannel, TickwireError, type HistoryReply } from "@tickwire/protocol";
import { readPresence } from "../../core/subscriptions.js";
import { requireApiKey } from "../api-auth.js";
import type { HttpContext } from "../context.js";

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new TickwireError("BAD_REQUEST", `${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** `GET /api/v1/channels/{channel}/history?since=&limit=` and `GET /api/v1/channels/{channel}/presence`. */
export function registerChannelRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get<{ Params: { channel: string } }>("/api/v1/channels/:channel/presence", async (request) => {
    requireApiKey(request, ctx.apiKeys);
    const parsed = parseChannel(request.params.channel, ctx.catalogue);
    if (isChannelError(parsed)) throw new TickwireError(parsed.reason === "unknown_namespace" ? "NOT_FOUND" : "BAD_REQUEST", parsed.message);
    if (!parsed.namespace.presence || !ctx.engine.presence) throw new TickwireError("BAD_REQUEST", `"${parsed.namespace.name}" channels keep no presence.`);
    return readPresence(ctx.engine, parsed.channel);
  });

  app.get<{ Params: { channel: string }; Querystring: Record<string, string | undefined> }>("/api/v1/channels/:channel/history", async (request): Promise<HistoryReply> => {
    requireApiKey(request, ctx.apiKeys);
    const parsed = parseChannel(request.params.channel, ctx.catalogue);
    if (isChannelError(parsed)) throw new TickwireError(parsed.reason === "unknown_namespace" ? "NOT_FOUND" : "BAD_REQUEST", parsed.message);
    const since = integer(request.query.since, "since", 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = integer(request.query.limit, "limit", 1, 1000, 100);
    const { namespace, channel } = parsed;
    if (namespace.kind === "state") {
      const latest = await ctx.engine.latest(channel, namespace);
      const position = await ctx.engine.position(channel, namespace);
      const publications = latest && latest.offset > since ? [{ offset: latest.offset, ts: latest.ts, event: latest.event, data: latest.data }] : [];
      return { epoch: position.epoch, offset: position.offset, publications };
    }
    const read = await ctx.engine.history(channel, namespace, since, limit);
    return {
      epoch: read.position.epoch,
      offset: read.position.offset,
      publications: read.publications.map((p) => ({ offset: p.offset, ts: p.ts, event: p.event, data: p.data })),
    };
  });
}
