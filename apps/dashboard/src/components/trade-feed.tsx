import type { Trade } from "@tickwire/protocol";
import { formatPrice, formatTime } from "../lib/format";
import { EmptyState } from "./empty-state";
import { Panel } from "./panel";

/** The caller's trade events, newest first: side, size, fill price and status. */
export function TradeFeed({ trades }: { trades: Trade[] }) {
  return (
    <Panel title="Trades" className="area-trades" testId="trades" aside={<span className="muted num">{trades.length}</span>}>
      {trades.length === 0 ? (
        <EmptyState>No trades yet. Executions and failures appear here as they happen.</EmptyState>
      ) : (
        <ul className="feed">
          {trades.map((t, i) => (
            <li key={`${t.tradeId}-${t.status}-${i}`} className="feed-item">
              <div className="feed-line">
                <span className={`side side-${t.side ?? "none"}`}>{t.side?.toUpperCase() ?? "—"}</span>
                <span className="sym">{t.symbol}</span>
                <span className="num">{t.quantity.toLocaleString("en-US", { maximumFractionDigits: 6 })}</span>
                <span className="muted">@</span>
                <span className="num">{formatPrice(t.executedPrice)}</span>
                <span className={`pill pill-${t.status}`}>{t.status}</span>
              </div>
              <div className="feed-meta">
                <span className="muted num">{formatTime(t.timestamp)}</span>
                <span className="muted mono">{t.tradeId}</span>
                {t.reason && <span className="down">{t.reason}</span>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
