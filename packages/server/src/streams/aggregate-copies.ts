import type { PublishRule } from "../core/publisher.js";

/** Namespaces whose keyed channels are also published on the bare channel. @default ["signals", "ai"] */
export const AGGREGATED_NAMESPACES: readonly string[] = ["signals", "ai"];

/**
 * `signals:{provider}` and `ai:{model}` publications are also published on
 * `signals` and `ai`, so one subscription sees every provider or model. The
 * copy is a publication of its own: the aggregate channel keeps its own
 * offsets, epoch and history, and recovers on its own.
 * @example aggregateCopies().copyTo({ channel: "signals:acme", key: "acme", … }) // ["signals"]
 */
export function aggregateCopies(namespaces: readonly string[] = AGGREGATED_NAMESPACES): PublishRule {
  const aggregated = new Set(namespaces);
  return {
    copyTo(target) {
      const { namespace, key } = target;
      if (key === undefined || namespace.key !== "optional" || !aggregated.has(namespace.name)) return [];
      return [namespace.name];
    },
  };
}
