import type { QuoteView } from "../lib/tickwire";
import { formatChange, formatCount, formatPercent, formatPrice, signClass } from "../lib/format";

/** Props of {@link QuoteRow}. */
export interface QuoteRowProps {
  symbol: string;
  state: QuoteView | undefined;
  /** The connection is down: this is the last price received, not a live one. */
  stale?: boolean;
}

/**
 * One watchlist row. The price cell is keyed on the quote, so each new quote
 * remounts it and replays the up/down flash animation.
 */
export function QuoteRow({ symbol, state, stale = false }: QuoteRowProps) {
  const q = state?.quote;
  const flashKey = q ? `${q.timestamp ?? ""}|${q.price}` : "none";
  const changeClass = signClass(q?.change ?? q?.changePercent);
  return (
    <tr data-testid={`quote-${symbol}`} data-symbol={symbol} data-stale={stale ? "true" : undefined} className={stale ? "stale-row" : undefined} title={stale ? "Last price before the connection dropped" : undefined}>
      <th scope="row" className="sym">
        {symbol}
      </th>
      <td className="num price-cell">
        <span key={flashKey} className={`price flash-${state?.direction ?? "flat"}`} data-testid={`price-${symbol}`}>
          {q ? formatPrice(q.price) : "—"}
        </span>
      </td>
      <td className={`num ${changeClass}`}>{formatChange(q?.change, q?.price)}</td>
      <td className={`num ${changeClass}`}>{formatPercent(q?.changePercent)}</td>
      <td className="num hide-sm muted">{formatPrice(q?.bid)}</td>
      <td className="num hide-sm muted">{formatPrice(q?.ask)}</td>
      <td className="num hide-lg muted">{formatCount(q?.volume)}</td>
    </tr>
  );
}
