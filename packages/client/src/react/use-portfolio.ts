import type { Portfolio } from "@tickwire/protocol/core";
import { useChannel } from "./use-channel.js";

/**
 * The user's latest portfolio, or null until the first value.
 * @example const portfolio = usePortfolio(); portfolio?.totalValue
 */
export function usePortfolio(): Portfolio | null {
  return useChannel("portfolio").data;
}
