import type { Signal } from "@tickwire/protocol/core";
import { useEventList } from "./use-event-list.js";

const signalId = (s: Signal) => s.signalId;

/**
 * The latest trading signals, newest first, from every provider (`signals`)
 * or one (`signals:{providerId}`). Needs tier participant or higher.
 * @example const signals = useSignals(20, "signals:momentum");
 */
export function useSignals(limit = 50, channel: "signals" | `signals:${string}` = "signals"): Signal[] {
  return useEventList(channel, limit, signalId);
}
