import { TickwireError } from "@tickwire/protocol";
import type { EventRouter } from "../core/event-router.js";
import { LegacyView } from "../core/subscription.js";
import { StreamsRequestSchema } from "./legacy-schemas.js";
import type { LegacySubscriber } from "./legacy-subscriber.js";

/**
 * RRRalgorithms stream names → Tickwire channels. Publications are delivered
 * under the stream's name (`trade_feed`, …), the event the dashboard listens on.
 */
export const RRR_STREAMS: Readonly<Record<string, string>> = Object.freeze({
  trade_feed: "trades",
  portfolio_update: "portfolio",
  ai_decision: "ai",
  performance_metrics: "metrics",
});

/** One view per stream, defined once: dashboards on the same stream share one encoding. */
const STREAM_VIEWS: Readonly<Record<string, LegacyView>> = Object.freeze(
  Object.fromEntries(Object.keys(RRR_STREAMS).map((stream) => [stream, new LegacyView({ event: stream })])),
);

/** The streams of a request, deduplicated in order. @throws TickwireError BAD_REQUEST naming unknown streams (nothing is changed). */
function knownStreams(streams: readonly string[]): string[] {
  const unique = [...new Set(streams)];
  const unknown = unique.filter((s) => !Object.hasOwn(RRR_STREAMS, s));
  if (unknown.length > 0) {
    const names = unknown.map((s) => JSON.stringify(s)).join(", ");
    throw new TickwireError("BAD_REQUEST", `Unknown stream${unknown.length > 1 ? "s" : ""} ${names}; known: ${Object.keys(RRR_STREAMS).join(", ")}.`);
  }
  return unique;
}

/**
 * RRRalgorithms (seed 004): `subscribe { streams }` / `unsubscribe { streams }`
 * as variants of the protocol events, answered with `subscription_confirmed
 * { streams, status }`. Its `ping` / `pong` are in heartbeat-events.ts.
 */
export function registerRrrEvents(router: EventRouter, subscriber: LegacySubscriber): void {
  router.registerVariant("subscribe", StreamsRequestSchema, async (session, request, context) => {
    const items = knownStreams(request.streams).map((stream) => ({ name: stream, channel: RRR_STREAMS[stream]!, view: STREAM_VIEWS[stream] }));
    const { subscribed, failed } = await subscriber.many(session, items, "subscribe", context);
    const streams = subscribed.map((s) => s.name);
    if (streams.length > 0) session.connection.emit("subscription_confirmed", { streams, status: "subscribed" });
    return { streams, status: "subscribed", failed: failed.map((f) => ({ stream: f.name, code: f.code, message: f.message })) };
  });

  // A stream's channel is dropped whatever event it was delivered under (the last subscribe decided that).
  router.registerVariant("unsubscribe", StreamsRequestSchema, async (session, request) => {
    const streams = knownStreams(request.streams);
    for (const stream of streams) await subscriber.unsubscribe(session, RRR_STREAMS[stream]!);
    const reply = { streams, status: "unsubscribed" };
    session.connection.emit("subscription_confirmed", reply);
    return reply;
  });
}
