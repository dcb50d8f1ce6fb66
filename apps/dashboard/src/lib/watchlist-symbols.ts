/** Symbols the watchlist shows unless `?symbols=A,B,C` names others. */
export const DEFAULT_SYMBOLS = ["AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "SPY", "BTC-USD", "ETH-USD"] as const;

/** The watchlist symbols from `?symbols=`, upper-cased, or the defaults. */
export function watchlistSymbols(search: string): string[] {
  const raw = new URLSearchParams(search).get("symbols");
  const list = raw
    ?.split(",")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => /^[A-Z0-9][A-Z0-9.\-=^/]{0,23}$/.test(s));
  return list && list.length > 0 ? [...new Set(list)].slice(0, 50) : [...DEFAULT_SYMBOLS];
}
