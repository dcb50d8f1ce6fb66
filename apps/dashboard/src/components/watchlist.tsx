import type { QuoteView } from "../lib/tickwire";
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
  return (
    <Panel title="Watchlist" className="area-watchlist" testId="watchlist" aside={<span className="muted num">{live}/{symbols.length} live</span>}>
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
              <QuoteRow key={s} symbol={s} state={quotes[s]} />
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}
