import type { NamespaceDefinition } from "./namespaces.js";
import { atLeast, type Tier } from "./tiers.js";
import { MAX_CHANNEL_LENGTH } from "./namespaces.js";

/** A channel name split into its parts. */
export interface ParsedChannel {
  /** Canonical channel name (`trades:alice`, `quotes:AAPL`, `metrics`). */
  readonly channel: string;
  readonly namespace: NamespaceDefinition;
  /** The part after the colon, or undefined for a keyless channel. */
  readonly key: string | undefined;
}

/** Why a channel name was refused. */
export type ChannelParseError = { reason: "malformed" | "unknown_namespace" | "bad_key"; message: string };

/**
 * Parses a channel name against a namespace catalogue. `userId` resolves the
 * bare owner channels (`trades` means `trades:{userId}`); publishers pass none.
 * @example parseChannel("quotes:aapl", catalogue) // { channel: "quotes:AAPL", … }
 */
export function parseChannel(
  name: unknown,
  catalogue: ReadonlyMap<string, NamespaceDefinition>,
  userId?: string,
): ParsedChannel | ChannelParseError {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_CHANNEL_LENGTH) {
    return { reason: "malformed", message: `A channel is a string of 1 to ${MAX_CHANNEL_LENGTH} characters.` };
  }
  const colon = name.indexOf(":");
  const nsName = colon === -1 ? name : name.slice(0, colon);
  let key: string | undefined = colon === -1 ? undefined : name.slice(colon + 1);
  const namespace = catalogue.get(nsName);
  if (!namespace) return { reason: "unknown_namespace", message: `No namespace "${nsName}".` };

  if (key === undefined) {
    if (namespace.key === "required") return { reason: "bad_key", message: `"${nsName}" needs a key: ${nsName}:{key}.` };
    if (namespace.key === "owner") {
      if (userId === undefined) return { reason: "bad_key", message: `"${nsName}" needs a user id: ${nsName}:{userId}.` };
      key = userId;
    }
  } else if (namespace.key === "none") {
    return { reason: "bad_key", message: `"${nsName}" takes no key.` };
  }

  if (key !== undefined) {
    if (namespace.upperCaseKey) key = key.toUpperCase();
    if (namespace.keyPattern !== undefined && !new RegExp(namespace.keyPattern).test(key)) {
      return { reason: "bad_key", message: `"${key}" is not a valid key for "${nsName}".` };
    }
  }
  return { channel: key === undefined ? nsName : `${nsName}:${key}`, namespace, key };
}

/** True when the result of parseChannel is an error. */
export function isChannelError(result: ParsedChannel | ChannelParseError): result is ChannelParseError {
  return "reason" in result;
}

/** Builds a catalogue map from rows; a later row with the same name replaces an earlier one. */
export function buildCatalogue(rows: readonly NamespaceDefinition[]): ReadonlyMap<string, NamespaceDefinition> {
  const map = new Map<string, NamespaceDefinition>();
  for (const row of rows) map.set(row.name, row);
  return map;
}

/** True when `event` may be used by a publisher on `namespace`. */
export function isAllowedEvent(namespace: NamespaceDefinition, event: string): boolean {
  if (event === namespace.event) return true;
  if (namespace.allowedEvents?.includes(event)) return true;
  return namespace.eventPrefix !== undefined && event.startsWith(namespace.eventPrefix) && event.length > namespace.eventPrefix.length && /^[a-z0-9:_\-]+$/.test(event);
}

/** True when a user of `tier` with `roles` may subscribe the namespace's channels: a public namespace, a tier reaching `minTier`, or one of the roles among the namespace's `roles`. */
export function admits(namespace: NamespaceDefinition, tier: Tier, roles: readonly string[]): boolean {
  if (namespace.access === "public") return true;
  if (atLeast(tier, namespace.minTier)) return true;
  return namespace.roles !== undefined && roles.some((role) => namespace.roles!.includes(role));
}
