import type { FastifyInstance } from "fastify";
import type { NamespaceDefinition } from "@tickwire/protocol";
import type { Logger } from "../observability/logger.js";
import type { FeedState, GatewayMetrics } from "../observability/metrics.js";
import type { Engine } from "./engine.js";
import type { EventRouter } from "./event-router.js";
import type { Hub } from "./hub.js";
import type { ChannelSources } from "./channel-sources.js";
import type { Publisher } from "./publisher.js";
import type { Session } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";
import type { Store } from "./store.js";
import type { SubscriptionManager } from "./subscriptions.js";
import type { OccupancyTracker } from "./occupancy.js";

/** A feed's figures: declared with the metrics that report them, part of what a component is. */
export type { FeedState };

/**
 * What a component is given: the gateway's parts it may use, and nothing of the
 * root itself. The gateway builds it once its HTTP app exists (before `register`).
 */
export interface ComponentContext {
  readonly catalogue: ReadonlyMap<string, NamespaceDefinition>;
  /** The single publish path (HTTP API, feeds, simulator). */
  readonly publisher: Publisher;
  /** Client events: a component adds its own with `router.on`. */
  readonly router: EventRouter;
  readonly subscriptions: SubscriptionManager;
  /** Occupancy of tracked channels: first subscriber anywhere, last one gone (demand-driven feeds). */
  readonly occupancy: OccupancyTracker;
  readonly hub: Hub;
  readonly engine: Engine;
  readonly store: Store;
  /** The connected sessions of this node. */
  readonly registry: SessionRegistry;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** The HTTP app, for a component's routes. */
  readonly http: FastifyInstance;
  /** The API keys that protect the HTTP API. */
  readonly apiKeys: readonly string[];
  /** Where a component registers the channel source of a kind it serves (the notification service: `inbox`). */
  readonly sources: Pick<ChannelSources, "register" | "serves">;
  /** Calls `listener` with every session that opens on this node (after a resumption's restore began). */
  onSessionOpen(listener: (session: Session) => void): void;
}

/**
 * A part of the gateway with a life of its own (simulator, Redis ingest, upstream
 * feed, notification service). Registered before the gateway listens, started
 * after it listens (in the order `startsAfter` gives), stopped in reverse before it closes.
 */
export interface GatewayComponent {
  readonly name: string;
  /**
   * Components that, when present, must be registered and started before this one
   * (the streams' publish rules before any publisher, the inbox before a publisher
   * of notifications). A component named here but absent is no error.
   */
  readonly startsAfter?: readonly string[];
  /** Registers HTTP routes and client events; called before the gateway listens. */
  register?(context: ComponentContext): void;
  start(context: ComponentContext): Promise<void>;
  stop(): Promise<void>;
  /** Shown in `/api/v1/stats` under `feeds` when present (upstream feeds, ingest). */
  feedState?(): FeedState;
  /** Adds a `/readyz` check when present. */
  ready?(): { ok: boolean; details?: unknown };
}

/**
 * The components in the order they start: each after the ones its `startsAfter` names,
 * otherwise in the order given.
 * @throws Error for two components of one name, or an order that goes round in a circle
 */
export function orderComponents(components: readonly GatewayComponent[]): GatewayComponent[] {
  const byName = new Map<string, GatewayComponent>();
  for (const c of components) {
    if (byName.has(c.name)) throw new Error(`Two gateway components are named "${c.name}".`);
    byName.set(c.name, c);
  }
  const ordered: GatewayComponent[] = [];
  const state = new Map<GatewayComponent, "visiting" | "done">();
  const visit = (c: GatewayComponent, path: readonly string[]): void => {
    if (state.get(c) === "done") return;
    if (state.get(c) === "visiting") throw new Error(`Gateway components wait for each other: ${[...path, c.name].join(" → ")}.`);
    state.set(c, "visiting");
    for (const name of c.startsAfter ?? []) {
      const dep = byName.get(name);
      if (dep) visit(dep, [...path, c.name]);
    }
    state.set(c, "done");
    ordered.push(c);
  };
  for (const c of components) visit(c, []);
  return ordered;
}
