import type { PerformanceMetrics, Portfolio } from "@tickwire/protocol";
import { formatMoney, formatPercent, formatSignedMoney, signClass } from "../lib/format";
import { StatTile } from "./stat-tile";

/** Props of {@link PortfolioSummary}. */
export interface PortfolioSummaryProps {
  portfolio: Portfolio | null;
  metrics: PerformanceMetrics | null;
}

/** Ratio or percent as a percent: 0.12 and 12 both mean 12 %. */
function asPercent(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.abs(value) <= 1 ? value * 100 : value;
}

/** The headline numbers: value, day and total P&L, cash, and the strategy's performance. */
export function PortfolioSummary({ portfolio: p, metrics: m }: PortfolioSummaryProps) {
  const totalReturn = asPercent(m?.total_return);
  return (
    <section className="summary area-summary" aria-label="Portfolio summary" data-testid="portfolio-summary">
      <StatTile label="Portfolio value" value={formatMoney(p?.totalValue)} testId="portfolio-value" sub={p?.positions ? `${p.positions.length} positions` : "waiting for data"} />
      <StatTile label="Day P&L" value={formatSignedMoney(p?.dayPnl)} tone={signClass(p?.dayPnl)} sub={formatPercent(p?.dayPnlPercent)} />
      <StatTile label="Total P&L" value={formatSignedMoney(p?.totalPnl)} tone={signClass(p?.totalPnl)} />
      <StatTile label="Cash" value={formatMoney(p?.cash)} />
      <StatTile
        label="Total return"
        value={formatPercent(totalReturn)}
        tone={signClass(totalReturn)}
        sub={m?.sharpe_ratio !== undefined ? `Sharpe ${m.sharpe_ratio.toFixed(2)}` : undefined}
      />
      <StatTile
        label="Win rate"
        value={m?.win_rate !== undefined ? `${asPercent(m.win_rate)!.toFixed(1)}%` : "—"}
        sub={m?.max_drawdown !== undefined ? `Max DD ${formatPercent(-Math.abs(asPercent(m.max_drawdown)!))}` : undefined}
      />
    </section>
  );
}
