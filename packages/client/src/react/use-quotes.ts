import { useEffect, useRef, useState } from "react";
import type { Quote } from "@tickwire/protocol/core";
import type { Subscription } from "../types.js";
import { useTickwireClient } from "./tickwire-context.js";

/** Which way the price moved from the previous quote (for flashing a cell). */
export type PriceDirection = "up" | "down" | "flat";

/** One symbol's entry in {@link useQuotes}. */
export interface QuoteView {
  quote: Quote;
  /** The quote before this one, if any. */
  prev?: Quote;
  /** `quote.price` against `prev.price`; `flat` for the first quote. */
  direction: PriceDirection;
}

/** Options of {@link useQuotes}. */
export interface UseQuotesOptions {
  /** Payload fields to receive (`symbol` always comes; include `price` for `direction`). */
  fields?: readonly string[];
}

function directionOf(quote: Quote, prev: Quote | undefined): PriceDirection {
  if (!prev || typeof quote.price !== "number" || typeof prev.price !== "number") return "flat";
  return quote.price > prev.price ? "up" : quote.price < prev.price ? "down" : "flat";
}

/**
 * Live quotes for a list of symbols, keyed by the symbols as given. Adding or
 * removing a symbol subscribes or unsubscribes only that symbol.
 * @example const quotes = useQuotes(["AAPL", "MSFT"]); quotes.AAPL?.direction // "up"
 */
export function useQuotes(symbols: readonly string[], options: UseQuotesOptions = {}): Record<string, QuoteView> {
  const client = useTickwireClient();
  const symbolsKey = [...new Set(symbols)].join(",");
  const fieldsKey = options.fields ? [...options.fields].sort().join(",") : "";
  const subs = useRef(new Map<string, Subscription>());
  const [quotes, setQuotes] = useState<Record<string, QuoteView>>({});

  // Ends every subscription when the client or field filter changes, or on unmount.
  useEffect(() => {
    const current = subs.current;
    return () => {
      for (const sub of current.values()) sub.unsubscribe();
      current.clear();
    };
  }, [client, fieldsKey]);

  useEffect(() => {
    if (!client) return;
    const wanted = new Set(symbolsKey ? symbolsKey.split(",") : []);
    const current = subs.current;
    for (const [symbol, sub] of current) {
      if (wanted.has(symbol)) continue;
      sub.unsubscribe();
      current.delete(symbol);
    }
    for (const symbol of wanted) {
      if (current.has(symbol)) continue;
      const sub = client.subscribe(
        `quotes:${symbol}`,
        (quote) =>
          setQuotes((prev) => {
            const before = prev[symbol]?.quote;
            const view: QuoteView = before ? { quote, prev: before, direction: directionOf(quote, before) } : { quote, direction: "flat" };
            return { ...prev, [symbol]: view };
          }),
        fieldsKey ? { fields: fieldsKey.split(",") } : {},
      );
      current.set(symbol, sub);
    }
    setQuotes((prev) => {
      const kept = Object.entries(prev).filter(([symbol]) => wanted.has(symbol));
      return kept.length === Object.keys(prev).length ? prev : Object.fromEntries(kept);
    });
  }, [client, symbolsKey, fieldsKey]);

  return quotes;
}
