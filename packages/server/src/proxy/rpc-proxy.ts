import { atLeast, TickwireError } from "@tickwire/protocol";
import type { RpcMethodRule } from "../config/options.js";
import type { Session } from "../core/session.js";
import { backendErrorOf, type BackendError, type BackendPost } from "./backend-post.js";

/** Options of the RPC proxy. */
export interface RpcProxyOptions {
  /** Where calls are POSTed; undefined: only the methods of `methodUrls` are served. */
  readonly url: string | undefined;
  /** Per-method URLs, used instead of `url`. */
  readonly methodUrls: Readonly<Record<string, string>>;
  /** Per-method gates; `*` for methods not listed. */
  readonly methods: Readonly<Record<string, RpcMethodRule>>;
  /** Calls one connection may have waiting at once. */
  readonly maxInFlight: number;
  readonly post: BackendPost;
}

/** The body POSTed to the RPC backend (docs/backend-hooks.md). */
export interface RpcProxyRequest {
  readonly method: string;
  readonly params: unknown;
  readonly userId: string;
  readonly tier: string;
  readonly roles: readonly string[];
  readonly connectionId: string;
  readonly traceId: string;
  /** The client event the call came as (`rpc`, `execute:trade`, `request`). */
  readonly event: string;
}

/** The backend's answer to a call: its result, or the error it answered (already a TickwireError, with its own code kept). */
export type RpcOutcome = { readonly result: unknown } | { readonly error: TickwireError; readonly backend: BackendError };

/** True when the rule admits the session: no gate, a tier reaching minTier, or one of the roles. */
export function ruleAdmits(rule: RpcMethodRule | undefined, session: Session): boolean {
  if (rule === undefined || (rule.minTier === undefined && (rule.roles === undefined || rule.roles.length === 0))) return true;
  if (rule.minTier !== undefined && atLeast(session.tier, rule.minTier)) return true;
  return rule.roles !== undefined && session.identity.roles.some((role) => rule.roles!.includes(role));
}

/**
 * Forwards client calls to the platform's backend with the caller's identity,
 * after the configured gate of the method, at most `maxInFlight` per connection.
 */
export class RpcProxy {
  private readonly inFlight = new WeakMap<Session, number>();

  constructor(private readonly options: RpcProxyOptions) {}

  /** True when `method` has a backend to go to. */
  serves(method: string): boolean {
    return this.urlOf(method) !== undefined;
  }

  /**
   * Calls `method`; resolves to the backend's result or its error answer.
   * @throws TickwireError NOT_FOUND (no backend for it), FORBIDDEN (the gate), LIMIT_EXCEEDED (too many in flight),
   *   UNAVAILABLE / BAD_GATEWAY (the backend failed).
   */
  async call(session: Session, method: string, params: unknown, traceId: string, event: string): Promise<RpcOutcome> {
    const url = this.urlOf(method);
    if (url === undefined) throw new TickwireError("NOT_FOUND", `No backend serves the method ${JSON.stringify(method)}.`);
    const rule = Object.hasOwn(this.options.methods, method) ? this.options.methods[method] : this.options.methods["*"];
    if (!ruleAdmits(rule, session)) {
      const who = [rule?.minTier !== undefined ? `tier ${rule.minTier} or above` : undefined, rule?.roles?.length ? `the role ${rule.roles.join(" or ")}` : undefined].filter(Boolean).join(" or ");
      throw new TickwireError("FORBIDDEN", `The method ${JSON.stringify(method)} needs ${who}.`);
    }
    const n = this.inFlight.get(session) ?? 0;
    if (n >= this.options.maxInFlight) throw new TickwireError("LIMIT_EXCEEDED", `At most ${this.options.maxInFlight} calls may wait on the backend per connection; wait for an answer.`);
    this.inFlight.set(session, n + 1);
    try {
      const body: RpcProxyRequest = {
        method,
        params: params ?? null,
        userId: session.userId,
        tier: session.tier,
        roles: session.identity.roles,
        connectionId: session.id,
        traceId,
        event,
      };
      const answer = await this.options.post.call(url, body, traceId);
      if ("error" in answer) return { error: backendErrorOf(answer.error), backend: answer.error };
      return { result: answer.result ?? null };
    } finally {
      const left = (this.inFlight.get(session) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(session);
      else this.inFlight.set(session, left);
    }
  }

  private urlOf(method: string): string | undefined {
    return Object.hasOwn(this.options.methodUrls, method) ? this.options.methodUrls[method] : this.options.url;
  }
}

/** What a caller of the proxy needs of it (the legacy events take this, so they work without one). */
export type RpcCaller = Pick<RpcProxy, "serves" | "call">;

/** A proxy with no backend: serves no method; a call is NOT_FOUND. */
export const NO_RPC_BACKEND: RpcCaller = Object.freeze({
  serves: () => false,
  call: async (_session: Session, method: string): Promise<RpcOutcome> => {
    throw new TickwireError("NOT_FOUND", `No backend serves the method ${JSON.stringify(method)}.`);
  },
});
