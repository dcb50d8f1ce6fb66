import { DEFAULT_NAMESPACES, buildCatalogue, isChannelError, parseChannel } from "@tickwire/protocol/core";

const CATALOGUE = buildCatalogue(DEFAULT_NAMESPACES);

/**
 * The canonical name the server will answer for `name`, as far as the client
 * can tell: `quotes:aapl` → `quotes:AAPL`, `trades` → `trades:{userId}`.
 * Names of unknown namespaces come back unchanged; the server's subscribe
 * reply has the final word.
 * @example canonicalChannel("trades", "alice") // "trades:alice"
 */
export function canonicalChannel(name: string, userId: string | undefined): string {
  const parsed = parseChannel(name, CATALOGUE, userId);
  return isChannelError(parsed) ? name : parsed.channel;
}

/**
 * Whether the channel's namespace is a *state* channel (quotes, portfolio,
 * metrics): only the latest value matters and the server sends it on subscribe,
 * so there is no history to recover.
 */
export function isStateChannel(name: string): boolean {
  const colon = name.indexOf(":");
  const ns = CATALOGUE.get(colon === -1 ? name : name.slice(0, colon));
  return ns?.kind === "state";
}
