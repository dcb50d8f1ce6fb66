import type { NamespaceDefinition, Tier } from "@tickwire/protocol";
import type { Publication } from "./publication.js";

/** Decides when publications of one channel reach the sessions of one tier. */
export interface DeliveryPolicy {
  /** Takes the next publication of the channel, in order; calls `flush` now or later. */
  offer(publication: Publication): void;
  /** Stops timers; nothing is flushed after this. */
  close(): void;
}

/** What a policy is made for. */
export interface DeliveryPolicyContext {
  readonly channel: string;
  readonly namespace: NamespaceDefinition;
  readonly tier: Tier;
  /** Writes a publication to every session of the group; `deferred`: held by the policy on purpose (conflation), so its latency is counted apart. */
  readonly flush: (publication: Publication, deferred?: boolean) => void;
  /** Counts publications the policy skipped (conflated). */
  readonly skipped: (count: number) => void;
}

/** Makes the policy of a (channel, tier) group. */
export type DeliveryPolicyFactory = (context: DeliveryPolicyContext) => DeliveryPolicy;

/** Every publication goes out at once. */
export class ImmediatePolicy implements DeliveryPolicy {
  constructor(private readonly context: DeliveryPolicyContext) {}

  offer(publication: Publication): void {
    this.context.flush(publication);
  }

  close(): void {}
}

/** The factory used when no other is configured. */
export const immediatePolicyFactory: DeliveryPolicyFactory = (context) => new ImmediatePolicy(context);
