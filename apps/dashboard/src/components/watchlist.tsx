import { useEffect, useState } from "react";
import { useConnectionState, type QuoteView } from "../lib/tickwire";
import { formatTime } from "../lib/format";
import { Panel } from "./panel";
import { QuoteRow } from "./quote-row";

/** Props of {@link Watchlist}. */
export interface WatchlistProps {
  symbols: readonly string[];
  quotes: Record<string, QuoteView>;
}

/** Live quotes of the watched symbols. */
export function Watchlist({ symbols, quotes }: WatchlistProps) {
  const live = symbols.filter((s) => quotes[s]).length;
  const state = useConnectionState();
  // While the connection is down the prices shown are the last ones received: marked stale, with since when.
  const [downSince, setDownSince] = useState<number | undefined>();
  useEffect(() => setDownSince((prev) => (state === "connected" ? undefined : (prev ?? Date.now()))), [state]);
  const stale = state !== "connected" && live > 0;
  const aside = stale ? (
    <span className="badge badge-warn" data-testid="stale-badge">
      Stale · disconnected{downSince !== undefined ? ` since ${formatTime(downSince)}` : ""}
    </span>
  ) : (
    <span className="muted num">{live}/{symbols.length} live</span>
  );
  return (
    <Panel title="Watchlist" className={`area-watchlist${stale ? " stale" : ""}`} testId="watchlist" aside={aside}>
      <div className="table-scroll">
        <table className="grid-table">
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              <th scope="col" className="num">Last</th>
              <th scope="col" className="num">Chg</th>
              <th scope="col" className="num">Chg %</th>
              <th scope="col" className="num hide-sm">Bid</th>
              <th scope="col" className="num hide-sm">Ask</th>
              <th scope="col" className="num hide-lg">Volume</th>
            </tr>
          </thead>
          <tbody>
            {symbols.map((s) => (
              <QuoteRow key={s} symbol={s} state={quotes[s]} stale={stale && quotes[s] !== undefined} />
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
