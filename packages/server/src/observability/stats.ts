import type { Tier } from "@tickwire/protocol";
import type { FeedState, GatewayMetrics } from "./metrics.js";

/** What the figures read of the connections (core/session-registry.ts's SessionRegistry). */
export interface ConnectionFigures {
  readonly connectionCount: number;
  readonly userCount: number;
  byTier(): Record<Tier, number>;
}

/** What they read of the local subscriptions (core/hub.ts's Hub). */
export interface SubscriptionFigures {
  subscriptionsByNamespace(): Record<string, number>;
  channelCount(): number;
  heldCount(): { sessions: number; publications: number };
}

/** What the stats document is made of. */
export interface StatsSources {
  readonly nodeId: string;
  readonly version: string;
  readonly startedAt: number;
  readonly mode: string;
  readonly store: string;
  readonly simulator: boolean;
  /** The engine's health details (Redis connection states and feed counters), when it has any. */
  readonly engine?: Record<string, unknown> | undefined;
  readonly registry: ConnectionFigures;
  readonly hub: SubscriptionFigures;
  readonly metrics: GatewayMetrics;
  /** The gateway's components: those that are feeds report their state. */
  readonly components: readonly { feedState?(): FeedState }[];
}

/** The `/api/v1/stats` document (also what the ops page shows). */
export function buildStats(s: StatsSources): Record<string, unknown> {
  const byNamespace = s.hub.subscriptionsByNamespace();
  const total = Object.values(byNamespace).reduce((a, b) => a + b, 0);
  const t = s.metrics.totals;
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    node: {
      id: s.nodeId,
      version: s.version,
      startedAt: new Date(s.startedAt).toISOString(),
      uptimeMs: Date.now() - s.startedAt,
      mode: s.mode,
      store: s.store,
      simulator: s.simulator,
      ...(s.engine ? { engine: s.engine } : {}),
    },
    connections: { current: s.registry.connectionCount, users: s.registry.userCount, byTier: s.registry.byTier() },
    subscriptions: { total, channels: s.hub.channelCount(), byNamespace },
    publications: { total: sum(t.publications), perSecond: s.metrics.publicationsMeter.perSecond(), byNamespace: Object.fromEntries(t.publications) },
    deliveries: { total: sum(t.deliveries), perSecond: s.metrics.deliveriesMeter.perSecond(), byNamespace: Object.fromEntries(t.deliveries) },
    latencyMs: s.metrics.latency.summary(),
    conflatedLatencyMs: s.metrics.conflatedLatency.summary(),
    rateLimited: t.rateLimited,
    slowConsumerDisconnects: t.slowConsumerDisconnects,
    conflated: t.conflated,
    superseded: t.superseded,
    held: s.hub.heldCount(),
    feeds: s.components.flatMap((c) => (c.feedState ? [c.feedState()] : [])),
  };
}
