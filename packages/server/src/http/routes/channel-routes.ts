import type { FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import { HistoryReplySchema, isChannelError, parseChannel, TickwireError, type HistoryReply } from "@tickwire/protocol";
import { readPresence } from "../../core/subscriptions.js";
import type { HttpContext } from "../context.js";
import { channelError } from "../../core/rules.js";
import { errorResponses, urlParam, type DocumentedSchema } from "../route-schemas.js";

const historySchema: DocumentedSchema = {
  summary: "Read a channel's history",
  description: "Publications after `since`, oldest first, at most `limit`; a state channel answers its latest value when it is newer than `since`.",
  tags: ["channels"],
  params: Type.Object({ channel: Type.String({ description: "A channel name, e.g. `quotes:AAPL` or `trades:alice` (percent-encoded)." }) }),
  querystring: Type.Object({
    since: Type.Optional(urlParam(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: "Offset to read after." }), `since must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}.`)),
    limit: Type.Optional(urlParam(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: "Most publications to answer." }), "limit must be a whole number from 1 to 1000.")),
  }),
  responses: { 200: { ...HistoryReplySchema, description: "The channel's position and the publications read." }, ...errorResponses(400, 401, 404, 429, 503) },
};

const presenceSchema: DocumentedSchema = {
  summary: "Who is subscribed to a channel, across all nodes",
  description: "Users (sorted by id) with their connection counts, for namespaces that keep presence; entries of a node that died expire.",
  tags: ["channels"],
  params: Type.Object({ channel: Type.String({ description: "A channel name (percent-encoded)." }) }),
  responses: {
    200: { ...Type.Object({ channel: Type.String(), users: Type.Array(Type.Object({ userId: Type.String(), connections: Type.Integer({ minimum: 1 }) })), connections: Type.Integer({ minimum: 0 }) }), description: "The channel's presence." },
    ...errorResponses(400, 401, 404, 429, 503),
  },
};

/** `GET {prefix}/channels/{channel}/history?since=&limit=` and `GET {prefix}/channels/{channel}/presence`. */
export const channelRoutes: FastifyPluginAsync<{ ctx: HttpContext }> = async (app, { ctx }) => {
  app.get<{ Params: { channel: string } }>("/channels/:channel/presence", { schema: presenceSchema }, async (request) => {
    const parsed = parseChannel(request.params.channel, ctx.catalogue);
    if (isChannelError(parsed)) throw channelError(parsed, "NOT_FOUND");
    if (!parsed.namespace.presence || !ctx.engine.presence) throw new TickwireError("BAD_REQUEST", `"${parsed.namespace.name}" channels keep no presence.`);
    return readPresence(ctx.engine, parsed.channel);
  });

  app.get<{ Params: { channel: string }; Querystring: { since?: number; limit?: number } }>("/channels/:channel/history", { schema: historySchema, config: { auth: "apiKeyOrOperator" } }, async (request): Promise<HistoryReply> => {
    const parsed = parseChannel(request.params.channel, ctx.catalogue);
    if (isChannelError(parsed)) throw channelError(parsed, "NOT_FOUND");
    const since = request.query.since ?? 0;
    const limit = request.query.limit ?? 100;
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
};
