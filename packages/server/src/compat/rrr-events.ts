import { TickwireError } from "@tickwire/protocol";
import type { EventRouter } from "../core/event-router.js";
import { LegacyView } from "../core/subscription.js";
import { StreamsRequestSchema } from "./legacy-schemas.js";
import type { LegacySubscriber } from "./legacy-subscriber.js";
import { emitLegacy } from "./legacy-server-events.js";

/**
 * RRRalgorithms stream names → Tickwire channels, by default (option `rrrStreams`
 * replaces entries): each viewer's own trades and portfolio. Publications are
 * delivered under the stream's name (`trade_feed`, …), the event the dashboard
 * listens on. A transparency dashboard that shows one fund to every viewer maps
 * the streams onto public channels instead (`trade_feed=feed:fund`, …).
 */
export const RRR_STREAMS: Readonly<Record<string, string>> = Object.freeze({
  trade_feed: "trades",
  portfolio_update: "portfolio",
  ai_decision: "ai",
  performance_metrics: "metrics",
});

/** The streams of a request, deduplicated in order. @throws TickwireError BAD_REQUEST naming unknown streams (nothing is changed). */
function knownStreams(map: Readonly<Record<string, string>>, streams: readonly string[]): string[] {
  const unique = [...new Set(streams)];
  const unknown = unique.filter((s) => !Object.hasOwn(map, s));
  if (unknown.length > 0) {
    const names = unknown.map((s) => JSON.stringify(s)).join(", ");
    throw new TickwireError("BAD_REQUEST", `Unknown stream${unknown.length > 1 ? "s" : ""} ${names}; known: ${Object.keys(map).join(", ")}.`);
  }
  return unique;
}

/**
 * RRRalgorithms (seed 004): `subscribe { streams }` / `unsubscribe { streams }`
 * as variants of the protocol events, answered with `subscription_confirmed
 * { streams, status }`. Its `ping` / `pong` are in heartbeat-events.ts.
 */
export function registerRrrEvents(router: EventRouter, subscriber: LegacySubscriber, streams: Readonly<Record<string, string>> = RRR_STREAMS): void {
  // One view per stream, defined once: dashboards on the same stream share one encoding.
  const views: Readonly<Record<string, LegacyView>> = Object.fromEntries(Object.keys(streams).map((stream) => [stream, new LegacyView({ event: stream })]));
  router.registerVariant("subscribe", StreamsRequestSchema, async (session, request, context) => {
    const items = knownStreams(streams, request.streams).map((stream) => ({ name: stream, channel: streams[stream]!, view: views[stream] }));
    const { subscribed, failed } = await subscriber.many(session, items, "subscribe", context);
    const names = subscribed.map((s) => s.name);
    if (names.length > 0) emitLegacy(session.connection, "subscription_confirmed", { streams: names, status: "subscribed" });
    return { streams: names, status: "subscribed", failed: failed.map((f) => ({ stream: f.name, code: f.code, message: f.message })) };
  });

  // A stream's channel is dropped whatever event it was delivered under (the last subscribe decided that).
  router.registerVariant("unsubscribe", StreamsRequestSchema, async (session, request) => {
    const names = knownStreams(streams, request.streams);
    for (const stream of names) await subscriber.unsubscribe(session, streams[stream]!);
    const reply = { streams: names, status: "unsubscribed" as const };
    emitLegacy(session.connection, "subscription_confirmed", reply);
    return reply;
  });
}
