import type { PerformanceMetrics } from "@tickwire/protocol/core";
import { useChannel } from "./use-channel.js";

/**
 * The latest performance metrics (`metrics` channel), or null until the first value.
 * @example const metrics = useMetrics(); metrics?.sharpe_ratio
 */
export function useMetrics(): PerformanceMetrics | null {
  return useChannel("metrics").data;
}
