import { useMemo } from "react";
import {
  useAiDecisions,
  useMetrics,
  useNotifications,
  usePortfolio,
  useQuotes,
  useSignals,
  useTrades,
} from "../lib/tickwire";
import { linkWithToken, type Session } from "../lib/session";
import { AiDecisionList } from "../components/ai-decision-list";
import { AppHeader } from "../components/app-header";
import { ConnectionStatus } from "../components/connection-status";
import { NotificationInbox } from "../components/notification-inbox";
import { Panel } from "../components/panel";
import { PortfolioSummary } from "../components/portfolio-summary";
import { PositionsTable } from "../components/positions-table";
import { SignalList } from "../components/signal-list";
import { SimulatedBadge } from "../components/simulated-badge";
import { TierGate } from "../components/tier-gate";
import { ToastStack } from "../components/toast-stack";
import { TradeFeed } from "../components/trade-feed";
import { UserChip } from "../components/user-chip";
import { Watchlist } from "../components/watchlist";

/** Props of {@link DashboardPage}. */
export interface DashboardPageProps {
  session: Session;
  symbols: string[];
}

/** The trader's view: portfolio, watchlist, trades, signals, AI decisions and notifications. Must sit inside TickwireProvider. */
export function DashboardPage({ session, symbols }: DashboardPageProps) {
  const quotes = useQuotes(symbols);
  const portfolio = usePortfolio();
  const metrics = useMetrics();
  const trades = useTrades(50);
  const inbox = useNotifications();
  const simulated = useMemo(
    () => Object.values(quotes).some((q) => (q.quote as { simulated?: unknown }).simulated === true),
    [quotes],
  );

  return (
    <div className="app">
      <AppHeader page="dashboard" dashboardHref={linkWithToken("/", session)} opsHref={linkWithToken("/ops", session)}>
        {simulated && <SimulatedBadge />}
        <ConnectionStatus />
        <UserChip userId={session.userId} tier={session.tier} />
        <NotificationInbox inbox={inbox} />
      </AppHeader>
      <main className="dash-grid">
        <PortfolioSummary portfolio={portfolio} metrics={metrics} />
        <Watchlist symbols={symbols} quotes={quotes} />
        <PositionsTable positions={portfolio?.positions} quotes={quotes} />
        <TradeFeed trades={trades} />
        <Panel title="Signals" className="area-signals" testId="signals">
          <TierGate tier={session.tier} minimum="participant">
            <LiveSignals />
          </TierGate>
        </Panel>
        <Panel title="AI decisions" className="area-ai" testId="ai-decisions">
          <TierGate tier={session.tier} minimum="builder">
            <LiveAiDecisions />
          </TierGate>
        </Panel>
      </main>
      <ToastStack latest={inbox.latest} onRead={(id) => void inbox.ack([id])} />
    </div>
  );
}

/** Subscribes to signals only when rendered, so lower tiers never ask. */
function LiveSignals() {
  return <SignalList signals={useSignals(30)} />;
}

/** Subscribes to AI decisions only when rendered, so lower tiers never ask. */
function LiveAiDecisions() {
  return <AiDecisionList decisions={useAiDecisions(30)} />;
}
