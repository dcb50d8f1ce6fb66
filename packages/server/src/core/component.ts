import type { Gateway } from "../gateway.js";

/** What a feed (upstream WebSocket, Redis ingest) reports in `/api/v1/stats` `feeds`. */
export interface FeedState {
  readonly name: string;
  /** `connecting`, `connected`, `running`, `reconnecting`, `stopped`, … */
  readonly state: string;
  /** Circuit-breaker state: `closed`, `open`, `halfOpen`, or `none` for a feed without one. */
  readonly breaker: string;
  readonly received: number;
  readonly errors: number;
}

/**
 * A part of the gateway with a life of its own (simulator, Redis ingest, upstream
 * feed, notification service). Started after the gateway listens, stopped before it closes.
 */
export interface GatewayComponent {
  readonly name: string;
  /** Registers HTTP routes and client events; called before the gateway listens. */
  register?(gateway: Gateway): void;
  start(gateway: Gateway): Promise<void>;
  stop(): Promise<void>;
  /** Shown in `/api/v1/stats` under `feeds` when present (upstream feeds, ingest). */
  feedState?(): FeedState;
  /** Adds a `/readyz` check when present. */
  ready?(): { ok: boolean; details?: unknown };
}
