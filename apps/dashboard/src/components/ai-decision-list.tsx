import type { AiDecision } from "@tickwire/protocol";
import { formatPrice, formatTime } from "../lib/format";
import { ConfidenceBar } from "./confidence-bar";
import { EmptyState } from "./empty-state";

const ARROWS = { up: "▲", down: "▼", flat: "■" } as const;

/** AI model decisions, newest first: predicted direction, target and reasoning. */
export function AiDecisionList({ decisions }: { decisions: AiDecision[] }) {
  if (decisions.length === 0) return <EmptyState>No AI decisions yet.</EmptyState>;
  return (
    <ul className="feed">
      {decisions.map((d) => (
        <li key={d.id} className="feed-item">
          <div className="feed-line">
            <span className={`dir ${d.prediction.direction}`} aria-label={d.prediction.direction}>
              {ARROWS[d.prediction.direction]}
            </span>
            <span className="sym">{d.symbol}</span>
            {d.prediction.price_target !== undefined && <span className="num">→ {formatPrice(d.prediction.price_target)}</span>}
            <ConfidenceBar value={d.prediction.confidence} />
          </div>
          <div className="feed-meta">
            <span className="muted num">{formatTime(d.timestamp)}</span>
            <span className="mono muted">{d.model_name}</span>
            {d.prediction.time_horizon && <span className="muted">{d.prediction.time_horizon}</span>}
          </div>
          {d.reasoning && <p className="reasoning">{d.reasoning}</p>}
        </li>
      ))}
    </ul>
  );
}
