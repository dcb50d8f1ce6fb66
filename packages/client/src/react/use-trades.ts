import type { Trade } from "@tickwire/protocol/core";
import { useEventList } from "./use-event-list.js";

const tradeId = (t: Trade) => t.tradeId;

/**
 * The user's latest trades, newest first; a trade's later event (executed,
 * failed) replaces its earlier row.
 * @example const trades = useTrades(20);
 */
export function useTrades(limit = 50): Trade[] {
  return useEventList("trades", limit, tradeId);
}
