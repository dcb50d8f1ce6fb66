import type { Signal } from "@tickwire/protocol";
import { formatPrice, formatTime } from "../lib/format";
import { ConfidenceBar } from "./confidence-bar";
import { EmptyState } from "./empty-state";

/** Trading signals, newest first: action, levels and confidence. */
export function SignalList({ signals }: { signals: Signal[] }) {
  if (signals.length === 0) return <EmptyState>No signals yet.</EmptyState>;
  return (
    <ul className="feed">
      {signals.map((s) => (
        <li key={s.signalId} className="feed-item">
          <div className="feed-line">
            <span className={`side side-${s.action}`}>{s.action.toUpperCase()}</span>
            <span className="sym">{s.symbol}</span>
            <span className="num">{formatPrice(s.entryPrice)}</span>
            <ConfidenceBar value={s.confidence} />
          </div>
          <div className="feed-meta">
            <span className="muted num">{formatTime(s.timestamp)}</span>
            <span className="muted">{s.providerName ?? s.providerId}</span>
            {s.stopLoss !== undefined && <span className="muted num">SL {formatPrice(s.stopLoss)}</span>}
            {s.takeProfit !== undefined && <span className="muted num">TP {formatPrice(s.takeProfit)}</span>}
          </div>
        </li>
      ))}
    </ul>
  );
}
