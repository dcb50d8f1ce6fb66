import type { AiDecision } from "@tickwire/protocol/core";
import { useEventList } from "./use-event-list.js";

const decisionId = (d: AiDecision) => d.id;

/**
 * The latest AI model decisions, newest first, from every model (`ai`) or one
 * (`ai:{model}`). Needs tier builder or higher.
 * @example const decisions = useAiDecisions(10);
 */
export function useAiDecisions(limit = 50, channel: "ai" | `ai:${string}` = "ai"): AiDecision[] {
  return useEventList(channel, limit, decisionId);
}
