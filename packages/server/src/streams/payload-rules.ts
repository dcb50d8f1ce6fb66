import { TickwireError } from "@tickwire/protocol";
import type { PublishRule, PublishTarget } from "../core/publisher.js";

type Payload = Record<string, unknown>;

/** Quote fields that clients do arithmetic on: numbers when present. */
const QUOTE_NUMBERS = ["bid", "ask", "volume", "change", "changePercent"] as const;

function refuse(message: string): never {
  throw new TickwireError("BAD_REQUEST", message);
}

/** A field that names the channel's key must agree with it, or subscribers would file the payload under the wrong owner. */
function sameKey(target: PublishTarget, data: Payload, field: string): void {
  const value = data[field];
  if (value === undefined || target.key === undefined) return;
  if (value !== target.key) refuse(`\`${field}\` ${JSON.stringify(value)} does not match the channel "${target.channel}".`);
}

function finite(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * What each documented namespace needs so that subscribers do not break.
 * Deliberately narrow: the payload schemas of packages/protocol document
 * publishers' payloads, but the systems Tickwire replaces send variants of them
 * (`id` instead of `tradeId`, `status: "filled"`), so only what would mislead or
 * crash a subscriber is refused, and extra fields always pass through.
 */
const CHECKS: Readonly<Record<string, (target: PublishTarget, data: Payload) => void>> = {
  quotes(target, data) {
    if (typeof data.symbol !== "string") refuse("A quote needs `symbol`, the channel's symbol.");
    if (data.symbol !== target.key) refuse(`Quote symbol ${JSON.stringify(data.symbol)} does not match the channel "${target.channel}".`);
    if (!finite(data.price)) refuse("A quote needs a numeric `price`.");
    for (const field of QUOTE_NUMBERS) {
      if (data[field] !== undefined && !finite(data[field])) refuse(`Quote \`${field}\` must be a number.`);
    }
  },
  portfolio: (target, data) => sameKey(target, data, "userId"),
  trades: (target, data) => sameKey(target, data, "userId"),
  signals: (target, data) => sameKey(target, data, "providerId"),
  ai: (target, data) => sameKey(target, data, "model_name"),
  metrics: () => {},
};

/**
 * Refuses, with BAD_REQUEST, publications that would break subscribers of the
 * documented channels: payloads that are not JSON objects, quotes without a
 * numeric price or whose `symbol` disagrees with the channel, and payloads whose
 * owner field (`userId`, `providerId`, `model_name`) names another channel.
 */
export const payloadRules: PublishRule = {
  check(target) {
    const check = CHECKS[target.namespace.name];
    if (check === undefined) return;
    const { data } = target;
    if (typeof data !== "object" || data === null || Array.isArray(data)) refuse(`"${target.namespace.name}" publications are JSON objects.`);
    check(target, data as Payload);
  },
};
