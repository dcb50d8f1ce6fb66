import { useEffect, useState } from "react";
import { opsFetch, type SeriesPoint } from "../lib/ops-api";
import { formatMs } from "../lib/format";
import { Panel } from "./panel";

interface Line {
  key: keyof SeriesPoint;
  label: string;
  className: string;
}

const CHARTS: { id: string; title: string; lines: Line[]; format: (v: number) => string }[] = [
  { id: "connections", title: "Connections", lines: [{ key: "connections", label: "connections", className: "line-a" }], format: (v) => String(v) },
  { id: "publications", title: "Publications/s", lines: [{ key: "publicationsPerSecond", label: "publications/s", className: "line-a" }], format: (v) => v.toFixed(1) },
  { id: "deliveries", title: "Deliveries/s", lines: [{ key: "deliveriesPerSecond", label: "deliveries/s", className: "line-a" }], format: (v) => v.toFixed(1) },
  {
    id: "latency",
    title: "Delivery latency",
    lines: [
      { key: "latencyP50Ms", label: "p50", className: "line-a" },
      { key: "latencyP99Ms", label: "p99", className: "line-b" },
    ],
    format: formatMs,
  },
  { id: "slow", title: "Slow consumers", lines: [{ key: "slowConsumers", label: "disconnects", className: "line-b" }], format: (v) => String(v) },
];

const W = 240;
const H = 56;

/** A small line chart of the last 10 minutes. */
function Chart({ id, title, lines, format, points }: (typeof CHARTS)[number] & { points: SeriesPoint[] }) {
  const values = points.flatMap((p) => lines.map((l) => p[l.key] as number));
  const top = Math.max(1, ...values);
  const x = (i: number): number => (points.length <= 1 ? W : (i / (points.length - 1)) * W);
  const y = (v: number): number => H - (v / top) * (H - 4) - 2;
  const last = points[points.length - 1];
  return (
    <figure className="chart" data-testid={`chart-${id}`} data-points={points.length}>
      <figcaption>
        <span>{title}</span>
        <span className="chart-now">
          {lines.map((l) => (
            <span key={l.key} className={l.className} data-testid={`chart-${id}-${l.label}`}>
              {lines.length > 1 ? `${l.label} ` : ""}
              {last ? format(last[l.key] as number) : "—"}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`${title}, last 10 minutes`}>
        {lines.map((l) => (
          <polyline key={l.key} className={l.className} fill="none" points={points.map((p, i) => `${x(i).toFixed(1)},${y(p[l.key] as number).toFixed(1)}`).join(" ")} />
        ))}
      </svg>
    </figure>
  );
}

/** Time series of the node's last 10 minutes, polled every 5 s. */
export function OpsSeriesPanel({ token }: { token: string }) {
  const [points, setPoints] = useState<SeriesPoint[]>([]);
  const [intervalMs, setIntervalMs] = useState(5000);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const reply = await opsFetch<{ intervalMs: number; points: SeriesPoint[] }>(token, "/api/v1/ops/series");
        if (alive && reply.status === 200 && "points" in reply.body) {
          setPoints(reply.body.points);
          setIntervalMs(reply.body.intervalMs);
        }
      } catch {
        // The stats line shows that the gateway is unreachable; the charts keep their last points.
      }
      if (alive) timer = setTimeout(() => void poll(), Math.min(intervalMs, 5000));
    };
    void poll();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [token, intervalMs]);
  return (
    <Panel title="Last 10 minutes" className="area-series" testId="ops-series" aside={<span className="muted">{points.length} points, every {Math.round(intervalMs / 1000)} s</span>}>
      <div className="charts">
        {CHARTS.map((c) => (
          <Chart key={c.id} {...c} points={points} />
        ))}
      </div>
    </Panel>
  );
}
