/** `GET /api/v1/stats` reply, as the ops page reads it. */
export interface GatewayStats {
  node: { id: string; version: string; startedAt: string; uptimeMs: number; mode: string; store: string; simulator: boolean };
  connections: { current: number; users: number; byTier: Record<string, number> };
  subscriptions: { total: number; byNamespace: Record<string, number> };
  publications: { total: number; perSecond: number; byNamespace: Record<string, number> };
  deliveries: { total: number; perSecond: number; byNamespace: Record<string, number> };
  /** The gateway's own delivery latency (deliveries held by conflation are in conflatedLatencyMs). */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  conflatedLatencyMs?: { p50: number; p90: number; p99: number; max: number };
  rateLimited: number;
  slowConsumerDisconnects: number;
  conflated: number;
  feeds: { name: string; state: string; breaker: string; received?: number; errors?: number }[];
}
