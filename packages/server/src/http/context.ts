import type { buildCatalogue } from "@tickwire/protocol";
import type { TokenVerifier } from "../auth/token-verifier.js";
import type { GatewayOptions } from "../config/options.js";
import type { Engine } from "../core/engine.js";
import type { Publisher } from "../core/publisher.js";
import type { SessionRegistry } from "../core/session-registry.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import type { ServerSubscriptions } from "../users/server-subscriptions.js";
import type { RoomService } from "../rooms/room-service.js";
import type { ApiKeyChecker } from "./api-auth.js";
import type { Readiness } from "../observability/readiness.js";
import type { OpsSeries } from "../observability/ops-series.js";

/** What the HTTP routes need from the gateway. */
export interface HttpContext {
  readonly options: GatewayOptions;
  /** Dev mode: no secret was configured, so one was generated (docs/configuration.md, "Modes"). */
  readonly devMode: boolean;
  readonly catalogue: ReturnType<typeof buildCatalogue>;
  readonly engine: Engine;
  readonly publisher: Publisher;
  readonly registry: SessionRegistry;
  readonly metrics: GatewayMetrics;
  readonly tokens: TokenVerifier;
  readonly apiKeys: ApiKeyChecker;
  /** `/readyz`: the checks, each bounded by a timeout, cached briefly. */
  readonly readiness: Readiness;
  /** The ops page's time series and channel figures. */
  readonly ops: OpsSeries;
  /** Subscribes and unsubscribes a user's connections on every node. */
  readonly serverSubscriptions?: ServerSubscriptions;
  /** The rooms API, when the store keeps rooms. */
  readonly rooms?: RoomService;
  /** Builds the `/api/v1/stats` document. */
  readonly stats: () => Promise<Record<string, unknown>>;
}
