import type { NamespaceDefinition, Tier } from "@tickwire/protocol";
import { ImmediatePolicy, type DeliveryPolicyFactory } from "../core/delivery-policy.js";
import { ConflationPolicy } from "./conflation-policy.js";
import { systemTimers, type Timers } from "./timers.js";

/** Options of the gateway's default delivery policies. */
export interface StreamPolicyOptions {
  /**
   * Per-tier conflation interval in ms for every namespace that declares
   * `conflationMs` (quotes); 0 delivers every update.
   * @default undefined (the catalogue's: navigator 1000, participant 250, builder 100, operator 0)
   */
  readonly conflationMs?: Readonly<Record<Tier, number>> | undefined;
  /** Timers of the conflation intervals; tests inject a manual clock. @default systemTimers */
  readonly timers?: Timers;
}

/**
 * The interval a (namespace, tier) group is conflated at: event and inbox
 * channels never are; a state namespace uses its per-tier `conflationMs`, else
 * its `batchMs`, else delivers every update.
 */
export function deliveryIntervalMs(namespace: NamespaceDefinition, tier: Tier, override?: Readonly<Record<Tier, number>>): number {
  if (namespace.kind !== "state") return 0;
  if (namespace.conflationMs !== undefined) return override?.[tier] ?? namespace.conflationMs[tier];
  return namespace.batchMs ?? 0;
}

/**
 * The gateway's default policy factory: conflation per tier for quotes,
 * batching for portfolio, immediate delivery for everything else.
 * @example createGateway(options, { policyFactory: streamPolicyFactory({ timers: manualClock }) })
 */
export function streamPolicyFactory(options: StreamPolicyOptions = {}): DeliveryPolicyFactory {
  const timers = options.timers ?? systemTimers;
  return (context) => {
    const intervalMs = deliveryIntervalMs(context.namespace, context.tier, options.conflationMs);
    return intervalMs > 0 ? new ConflationPolicy(context, intervalMs, timers) : new ImmediatePolicy(context);
  };
}
