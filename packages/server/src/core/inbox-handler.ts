import type { NamespaceDefinition, PublishResult } from "@tickwire/protocol";
import type { Session } from "./session.js";
import type { Subscription } from "./subscription.js";

/**
 * Serves channels of kind `inbox` (notifications). The notification service
 * implements it; the core routes publishes and subscribes of inbox channels here.
 */
export interface InboxHandler {
  /** Accepts a publication onto `notifications:{userId}` from the publish API or the ingest. */
  publish(userId: string, data: unknown, options: { idempotencyKey?: string | undefined; traceId: string }): Promise<PublishResult>;
  /**
   * Called once the subscription is registered and recovering: sends what is
   * unread to `sub` and resolves to the position to reply with.
   */
  subscribe(sub: Subscription, namespace: NamespaceDefinition): Promise<{ offset: number; epoch: string }>;
  /** The inbox position of `notifications:{userId}` (what a repeated subscribe answers). */
  position(userId: string): Promise<{ offset: number; epoch: string }>;
  /** Called when a session ends or unsubscribes. */
  unsubscribe?(session: Session, channel: string): void;
}
