import type { Gateway } from "../gateway.js";

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
  feedState?(): { name: string; state: string; breaker: string; received: number; errors: number };
  /** Adds a `/readyz` check when present. */
  ready?(): { ok: boolean; details?: unknown };
}
