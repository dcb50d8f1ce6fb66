import { TickwireError, type NamespaceDefinition } from "@tickwire/protocol";
import { newTraceId } from "../core/publisher.js";
import type { Session } from "../core/session.js";
import type { BackendPost } from "./backend-post.js";

/** Options of the subscribe proxy. */
export interface SubscribeProxyOptions {
  readonly url: string;
  /** Namespaces asked about; empty: every namespace. */
  readonly namespaces: readonly string[];
  /** How long a decision is reused for the same user and channel; 0: never. */
  readonly cacheMs: number;
  /** Most decisions kept; the oldest go first. @default 100000 */
  readonly maxCached?: number;
  readonly post: BackendPost;
  readonly now?: () => number;
}

/** The body POSTed to the subscribe backend (docs/backend-hooks.md). */
export interface SubscribeProxyRequest {
  readonly channel: string;
  readonly namespace: string;
  readonly userId: string;
  readonly tier: string;
  readonly roles: readonly string[];
  readonly connectionId: string;
  readonly traceId: string;
}

interface Decision {
  readonly allowed: boolean;
  readonly message: string;
  readonly until: number;
}

/**
 * Asks the platform's backend whether a user may subscribe a channel, after
 * Tickwire's own rules admitted it: `{ result }` allows, `{ error }` refuses
 * with FORBIDDEN and the backend's message. Decisions are reused for `cacheMs`
 * per user and channel; a backend that fails refuses the subscription with
 * UNAVAILABLE and is not cached. Identical checks in flight share one call.
 */
export class SubscribeProxy {
  private readonly cache = new Map<string, Decision>();
  private readonly pending = new Map<string, Promise<Decision>>();
  private readonly namespaces: ReadonlySet<string>;
  private readonly now: () => number;

  constructor(private readonly options: SubscribeProxyOptions) {
    this.namespaces = new Set(options.namespaces);
    this.now = options.now ?? Date.now;
  }

  /** The SubscriptionManager's check. @throws TickwireError FORBIDDEN, UNAVAILABLE, BAD_GATEWAY */
  readonly check = async (session: Session, channel: string, namespace: NamespaceDefinition): Promise<void> => {
    if (this.namespaces.size > 0 && !this.namespaces.has(namespace.name)) return;
    const key = `${session.userId}\n${channel}`;
    let decision = this.cache.get(key);
    if (decision !== undefined && decision.until <= this.now()) {
      this.cache.delete(key);
      decision = undefined;
    }
    if (decision === undefined) {
      let pending = this.pending.get(key);
      if (!pending) {
        pending = this.ask(session, channel, namespace).finally(() => this.pending.delete(key));
        this.pending.set(key, pending);
      }
      decision = await pending;
      if (this.options.cacheMs > 0) this.remember(key, decision);
    }
    if (!decision.allowed) throw new TickwireError("FORBIDDEN", decision.message);
  };

  /** Forgets every decision about a user (roles or entitlements changed). */
  forget(userId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${userId}\n`)) this.cache.delete(key);
  }

  private remember(key: string, decision: Decision): void {
    this.cache.delete(key);
    this.cache.set(key, decision);
    const max = this.options.maxCached ?? 100_000;
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value as string);
  }

  private async ask(session: Session, channel: string, namespace: NamespaceDefinition): Promise<Decision> {
    const traceId = newTraceId();
    const body: SubscribeProxyRequest = { channel, namespace: namespace.name, userId: session.userId, tier: session.tier, roles: session.identity.roles, connectionId: session.id, traceId };
    const answer = await this.options.post.call(this.options.url, body, traceId);
    const until = this.now() + this.options.cacheMs;
    if ("error" in answer) return { allowed: false, message: answer.error.message || `The platform refused "${channel}".`, until };
    return { allowed: true, message: "", until };
  }
}
