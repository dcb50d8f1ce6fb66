import type { Position } from "@tickwire/protocol";
import type { QuoteView } from "../lib/tickwire";
import { formatMoney, formatPrice, formatSignedMoney, signClass } from "../lib/format";
import { EmptyState } from "./empty-state";
import { Panel } from "./panel";

/** Props of {@link PositionsTable}. */
export interface PositionsTableProps {
  positions: Position[] | undefined;
  /** Live quotes, used for a position's price when newer than the portfolio's. */
  quotes: Record<string, QuoteView>;
}

/** The portfolio's positions, largest market value first. */
export function PositionsTable({ positions, quotes }: PositionsTableProps) {
  const rows = [...(positions ?? [])].sort((a, b) => (b.marketValue ?? 0) - (a.marketValue ?? 0));
  return (
    <Panel title="Positions" className="area-positions" testId="positions" aside={<span className="muted num">{rows.length}</span>}>
      {rows.length === 0 ? (
        <EmptyState>No positions yet.</EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="grid-table">
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col" className="num">Qty</th>
                <th scope="col" className="num hide-lg">Avg</th>
                <th scope="col" className="num hide-sm">Price</th>
                <th scope="col" className="num">Value</th>
                <th scope="col" className="num">P&amp;L</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.symbol}>
                  <th scope="row" className="sym">{p.symbol}</th>
                  <td className="num">{p.quantity.toLocaleString("en-US", { maximumFractionDigits: 6 })}</td>
                  <td className="num hide-lg muted">{formatPrice(p.avgPrice)}</td>
                  <td className="num hide-sm">{formatPrice(quotes[p.symbol]?.quote.price ?? p.price)}</td>
                  <td className="num">{formatMoney(p.marketValue)}</td>
                  <td className={`num ${signClass(p.pnl)}`}>{formatSignedMoney(p.pnl)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
