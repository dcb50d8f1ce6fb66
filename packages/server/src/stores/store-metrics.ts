import type { Store } from "../core/store.js";
import type { GatewayMetrics } from "../observability/metrics.js";

const HISTORY = ["loadPosition", "append", "appendMany", "read"] as const;
const IDEMPOTENCY = ["get", "put"] as const;
const ROOMS = ["create", "get", "delete", "addMember", "removeMember", "member", "members"] as const;
const INBOX = ["epoch", "write", "list", "unread", "countUnread", "position", "delivered", "markDelivered", "markRead", "prune"] as const;

/** `target` with each listed method timed as `{prefix}.{method}`; everything else read through. */
function timed<T extends object>(target: T, prefix: string, methods: readonly string[], metrics: GatewayMetrics): T {
  const wrapper = Object.create(target) as Record<string, unknown>;
  for (const name of methods) {
    const method = (target as Record<string, unknown>)[name];
    if (typeof method !== "function") continue;
    const operation = `${prefix}.${name}`;
    wrapper[name] = (...args: unknown[]) => metrics.timeStore(operation, () => (method as (...a: unknown[]) => Promise<unknown>).apply(target, args));
  }
  return wrapper as T;
}

/**
 * The store with every operation timed and its failures counted
 * (`tickwire_store_operation_duration_seconds{operation}`, `tickwire_store_errors_total{operation}`).
 */
export function instrumentStore(store: Store, metrics: GatewayMetrics): Store {
  const wrapper = timed(store, "store", ["prune", ...(store.ping ? ["ping"] : [])], metrics) as Store & Record<string, unknown>;
  Object.defineProperties(wrapper, {
    history: { value: timed(store.history, "history", HISTORY, metrics), enumerable: true },
    idempotency: { value: timed(store.idempotency, "idempotency", IDEMPOTENCY, metrics), enumerable: true },
    inbox: { value: timed(store.inbox, "inbox", INBOX, metrics), enumerable: true },
    ...(store.rooms ? { rooms: { value: timed(store.rooms, "rooms", ROOMS, metrics), enumerable: true } } : {}),
    init: { value: () => store.init() },
    close: { value: () => store.close() },
  });
  return wrapper;
}
