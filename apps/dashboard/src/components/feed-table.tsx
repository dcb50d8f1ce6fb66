import type { GatewayStats } from "../lib/stats";
import { formatCount } from "../lib/format";
import { EmptyState } from "./empty-state";
import { Panel } from "./panel";

const STATE_TONE: Record<string, string> = { connected: "ok", open: "bad", "half-open": "warn", closed: "ok" };

/** Upstream feeds with their connection and circuit-breaker state. */
export function FeedTable({ feeds }: { feeds: GatewayStats["feeds"] }) {
  return (
    <Panel title="Feeds" className="area-feeds" testId="feeds">
      {feeds.length === 0 ? (
        <EmptyState>No upstream feeds configured.</EmptyState>
      ) : (
        <table className="grid-table">
          <thead>
            <tr>
              <th scope="col">Feed</th>
              <th scope="col">State</th>
              <th scope="col">Breaker</th>
              <th scope="col" className="num">Received</th>
              <th scope="col" className="num">Errors</th>
            </tr>
          </thead>
          <tbody>
            {feeds.map((f) => (
              <tr key={f.name}>
                <th scope="row" className="mono">{f.name}</th>
                <td><span className={`pill pill-${STATE_TONE[f.state] ?? "warn"}`}>{f.state}</span></td>
                <td><span className={`pill pill-${STATE_TONE[f.breaker] ?? "warn"}`}>{f.breaker}</span></td>
                <td className="num">{formatCount(f.received)}</td>
                <td className={`num ${f.errors ? "down" : ""}`}>{formatCount(f.errors)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
