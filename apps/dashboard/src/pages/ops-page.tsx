import type { ReactNode } from "react";
import { linkWithToken, type Session } from "../lib/session";
import { formatCount, formatDuration, formatMs, formatTime } from "../lib/format";
import type { GatewayStats } from "../lib/stats";
import { useStats } from "../lib/use-stats";
import { AppHeader } from "../components/app-header";
import { BreakdownTable } from "../components/breakdown-table";
import { FeedTable } from "../components/feed-table";
import { LatencyPanel } from "../components/latency-panel";
import { SessionMessage } from "../components/session-message";
import { StatTile } from "../components/stat-tile";
import { UserChip } from "../components/user-chip";
import { OpsSeriesPanel } from "../components/ops-series";
import { ChannelInspector, TopChannels, UserConnections } from "../components/ops-actions";
import { useState } from "react";

const TIER_ORDER = ["navigator", "participant", "builder", "operator"];

/** Rows of one or more `byNamespace` maps, sorted by the first map's value. */
function namespaceRows(...maps: Record<string, number>[]): [string, (number | undefined)[]][] {
  const keys = new Set(maps.flatMap((m) => Object.keys(m)));
  return [...keys]
    .map((k): [string, (number | undefined)[]] => [k, maps.map((m) => m[k] ?? 0)])
    .sort((a, b) => (b[1][0] ?? 0) - (a[1][0] ?? 0));
}

/** The gateway's live numbers for operators, polled from `GET /api/v1/stats` every 2 s. */
export function OpsPage({ session }: { session: Session }) {
  const state = useStats(session.token, 2000);
  const view = state.status === "ok" ? state : state.status === "error" ? state.last : undefined;

  let status: ReactNode;
  if (state.status === "ok") status = <span className="live-dot" data-testid="ops-live">Live · {formatTime(state.fetchedAt)}</span>;
  else if (state.status === "error") status = <span className="badge badge-warn">Stats unavailable: {state.message}</span>;
  else status = null;

  return (
    <div className="app">
      <AppHeader page="ops" dashboardHref={linkWithToken("/", session)} opsHref={linkWithToken("/ops", session)}>
        {status}
        <UserChip userId={session.userId} tier={session.tier} />
      </AppHeader>
      {state.status === "forbidden" ? (
        <SessionMessage title="Operator token required" testId="ops-forbidden">
          <p>
            The gateway answered HTTP {state.httpStatus}: the ops page needs a token with <strong>tier: operator</strong>.
          </p>
          <p className="muted">
            Open <code>/ops?token=&lt;operator JWT&gt;</code>, e.g. one from <code>npx tickwire token --sub ops --tier operator</code>.
          </p>
        </SessionMessage>
      ) : !view ? (
        <SessionMessage title={state.status === "error" ? "Cannot load stats" : "Loading stats…"}>
          {state.status === "error" && <p className="muted">{state.message}. Retrying every 2 s.</p>}
        </SessionMessage>
      ) : (
        <OpsBody stats={view.stats} token={session.token} />
      )}
    </div>
  );
}

/** The ops grid for one stats snapshot. */
function OpsBody({ stats: s, token }: { stats: GatewayStats; token: string }) {
  const [picked, setPicked] = useState<string | undefined>();
  const tiers = Object.entries(s.connections.byTier).sort(([a], [b]) => TIER_ORDER.indexOf(a) - TIER_ORDER.indexOf(b));
  return (
    <main className="ops-grid" data-testid="ops">
      <section className="node-line area-node" aria-label="Node">
        <span className="mono" data-testid="node-id">{s.node.id}</span>
        <span>v{s.node.version}</span>
        <span>{s.node.mode}</span>
        <span>store: {s.node.store}</span>
        <span>up {formatDuration(s.node.uptimeMs)}</span>
        {s.node.simulator && <span className="badge badge-sim">Simulator on</span>}
      </section>
      <section className="summary area-summary ops-tiles" aria-label="Totals">
        <StatTile label="Connections" value={formatCount(s.connections.current)} testId="stat-connections" sub={`${formatCount(s.connections.users)} ${s.connections.users === 1 ? "user" : "users"}`} />
        <StatTile label="Subscriptions" value={formatCount(s.subscriptions.total)} testId="stat-subscriptions" />
        <StatTile label="Publications/s" value={s.publications.perSecond.toFixed(1)} testId="stat-pubs" sub={`${formatCount(s.publications.total)} total`} />
        <StatTile label="Deliveries/s" value={s.deliveries.perSecond.toFixed(1)} testId="stat-deliveries" sub={`${formatCount(s.deliveries.total)} total`} />
        <StatTile label="p99 latency" value={formatMs(s.latencyMs.p99)} tone={s.latencyMs.p99 > 100 ? "down" : undefined} sub={`p50 ${formatMs(s.latencyMs.p50)}${s.conflatedLatencyMs ? ` · conflated p99 ${formatMs(s.conflatedLatencyMs.p99)}` : ""}`} testId="stat-p99" />
        <StatTile label="Rate-limited" value={formatCount(s.rateLimited)} tone={s.rateLimited > 0 ? "warn" : undefined} testId="stat-rate-limited" />
        <StatTile label="Slow clients" value={formatCount(s.slowConsumerDisconnects)} tone={s.slowConsumerDisconnects > 0 ? "warn" : undefined} sub="slow-consumer kicks" testId="stat-slow" />
        <StatTile label="Conflated" value={formatCount(s.conflated)} sub="updates merged" />
      </section>
      <LatencyPanel latency={s.latencyMs} />
      <BreakdownTable title="Connections by tier" columns={["Connections"]} rows={tiers.map(([k, v]) => [k, [v]])} className="area-tiers" testId="by-tier" />
      <BreakdownTable
        title="Subscriptions by namespace"
        columns={["Subscriptions"]}
        rows={namespaceRows(s.subscriptions.byNamespace)}
        className="area-subs"
        testId="subs-by-ns"
      />
      <BreakdownTable
        title="Traffic by namespace"
        columns={["Published", "Delivered"]}
        rows={namespaceRows(s.publications.byNamespace, s.deliveries.byNamespace)}
        className="area-traffic"
        testId="traffic-by-ns"
      />
      <FeedTable feeds={s.feeds} />
      <OpsSeriesPanel token={token} />
      <TopChannels token={token} onPick={setPicked} />
      <UserConnections token={token} />
      <ChannelInspector token={token} channel={picked} />
    </main>
  );
}
