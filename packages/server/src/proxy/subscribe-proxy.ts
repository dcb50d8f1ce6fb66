import { TickwireError, type NamespaceDefinition } from "@tickwire/protocol";
import { DEFAULT_OPTIONS } from "../config/defaults.js";
import { newTraceId } from "../core/publisher.js";
import type { Session } from "../core/session.js";
import type { Logger } from "../observability/logger.js";
import type { BackendPost } from "./backend-post.js";
import { SubscribeRefresh, type RefreshAnswer } from "./subscribe-refresh.js";

/** Bounds of a `refreshAfterMs` the backend may answer. */
const MIN_REFRESH_MS = 100;
const MAX_REFRESH_MS = 86_400_000;

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
  /** Live subscriptions it admitted are asked about again after this long; 0: only when the backend answers `refreshAfterMs`. @default DEFAULT_OPTIONS.proxySubscribeRefreshMs */
  readonly refreshMs?: number;
  /** A refresh refused a live subscription: end it. */
  readonly refused?: (session: Session, channel: string, message: string) => Promise<void>;
  /** Counts refreshes by outcome. */
  readonly counted?: (result: "allowed" | "refused" | "failed") => void;
  readonly logger?: Logger;
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
  /** Present (true) when a live subscription is asked about again. */
  readonly refresh?: true;
}

interface Decision {
  readonly allowed: boolean;
  readonly message: string;
  readonly until: number;
  readonly refreshAfterMs?: number | undefined;
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
  private readonly refresher: SubscribeRefresh | undefined;

  constructor(private readonly options: SubscribeProxyOptions) {
    this.namespaces = new Set(options.namespaces);
    this.now = options.now ?? Date.now;
    const { refused, logger } = options;
    this.refresher =
      refused === undefined || logger === undefined
        ? undefined
        : new SubscribeRefresh({ refreshMs: options.refreshMs ?? DEFAULT_OPTIONS.proxySubscribeRefreshMs, ask: (session, channel, namespace) => this.reask(session, channel, namespace), refused, counted: options.counted ?? (() => undefined), logger, now: this.now });
  }

  /** User and channel pairs whose live subscriptions are refreshed. */
  get refreshing(): number {
    return this.refresher?.size ?? 0;
  }

  close(): void {
    this.refresher?.close();
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
    // Tracked before the subscription exists: the refresh skips connections that do not hold it then.
    this.refresher?.track(session, channel, namespace, decision.refreshAfterMs);
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

  /** A refresh: asks without the cache, and keeps the new decision for the next subscribe. */
  private async reask(session: Session, channel: string, namespace: NamespaceDefinition): Promise<RefreshAnswer> {
    const decision = await this.ask(session, channel, namespace, true);
    if (this.options.cacheMs > 0) this.remember(`${session.userId}\n${channel}`, decision);
    return decision.allowed ? { allowed: true, refreshAfterMs: decision.refreshAfterMs } : { allowed: false, message: decision.message };
  }

  private async ask(session: Session, channel: string, namespace: NamespaceDefinition, refresh = false): Promise<Decision> {
    const traceId = newTraceId();
    const body: SubscribeProxyRequest = {
      channel,
      namespace: namespace.name,
      userId: session.userId,
      tier: session.tier,
      roles: session.identity.roles,
      connectionId: session.id,
      traceId,
      ...(refresh ? { refresh: true as const } : {}),
    };
    const answer = await this.options.post.call(this.options.url, body, traceId);
    const until = this.now() + this.options.cacheMs;
    if ("error" in answer) return { allowed: false, message: answer.error.message || `The platform refused "${channel}".`, until };
    return { allowed: true, message: "", until, refreshAfterMs: refreshAfterOf(answer.result) };
  }
}

/** The `refreshAfterMs` of an allowing `result`, if it names one. @throws TickwireError BAD_GATEWAY for one out of bounds */
function refreshAfterOf(result: unknown): number | undefined {
  if (typeof result !== "object" || result === null || !Object.hasOwn(result, "refreshAfterMs")) return undefined;
  const ms = (result as { refreshAfterMs: unknown }).refreshAfterMs;
  if (typeof ms !== "number" || !Number.isInteger(ms) || ms < MIN_REFRESH_MS || ms > MAX_REFRESH_MS) {
    throw new TickwireError("BAD_GATEWAY", `The subscribe backend's refreshAfterMs must be a whole number from ${MIN_REFRESH_MS} to ${MAX_REFRESH_MS}.`);
  }
  return ms;
}
