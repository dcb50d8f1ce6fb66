import type { GatewayStats } from "../lib/stats";
import { formatMs } from "../lib/format";
import { Panel } from "./panel";

/** Delivery latency percentiles as bars scaled to the maximum. */
export function LatencyPanel({ latency }: { latency: GatewayStats["latencyMs"] }) {
  const rows = [
    ["p50", latency.p50],
    ["p90", latency.p90],
    ["p99", latency.p99],
    ["max", latency.max],
  ] as const;
  const top = Math.max(1, latency.max, latency.p99);
  return (
    <Panel title="Delivery latency" className="area-latency" testId="latency-panel">
      <dl className="latency-bars">
        {rows.map(([label, v]) => (
          <div key={label} className="latency-row">
            <dt>{label}</dt>
            <dd>
              <span className={`latency-fill ${v > 100 ? "bad" : v > 25 ? "warn" : "ok"}`} style={{ width: `${Math.max(1, (v / top) * 100)}%` }} />
            </dd>
            <dd className="num">{formatMs(v)}</dd>
          </div>
        ))}
      </dl>
    </Panel>
  );
}
