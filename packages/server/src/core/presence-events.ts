import { atLeast, type NamespaceDefinition } from "@tickwire/protocol";
import type { Logger } from "../observability/logger.js";
import type { PresenceChange } from "./engine.js";
import type { Hub } from "./hub.js";

/**
 * Writes an engine's presence change (docs/protocol.md, "Presence events") to this
 * node's subscribers of the channel whose tier may see the list of users: the
 * same gate as `presence`, since a join names the user. Subscriptions of
 * namespaces without `events` get nothing, even if an engine announced it.
 */
export function presenceAnnouncer(hub: Hub, logger: Logger): (change: PresenceChange) => void {
  return (change) => {
    const payload = { channel: change.channel, userId: change.userId };
    const event = change.joined ? "presence:join" : "presence:leave";
    for (const sub of hub.subscriptionsOf(change.channel)) {
      const presence = sub.namespace.presence;
      if (presence?.events !== true || !atLeast(sub.session.tier, presence.minTier) || sub.session.closed) continue;
      try {
        sub.session.connection.emit(event, payload);
      } catch (err) {
        logger.warn({ err, channel: change.channel }, "presence event could not be sent");
      }
    }
  };
}

/**
 * The catalogue rows with `presence.events` turned on for the namespaces of `names` (the
 * `presenceEventNamespaces` option); throws, naming them, when some are not namespaces of
 * the catalogue or keep no presence (checked here, where the deployment's rows are known).
 */
export function withPresenceEvents(rows: readonly NamespaceDefinition[], names: readonly string[]): NamespaceDefinition[] {
  if (names.length === 0) return [...rows];
  const byName = new Map(rows.map((row) => [row.name, row]));
  const problems = names.flatMap((name) => {
    const row = byName.get(name);
    return !row ? [`"${name}" is not a namespace`] : !row.presence ? [`"${name}" keeps no presence (its catalogue row has no \`presence\`)`] : [];
  });
  if (problems.length > 0) throw new Error(`presenceEventNamespaces: ${problems.join("; ")}.`);
  const on = new Set(names);
  return rows.map((row) => (on.has(row.name) && row.presence ? { ...row, presence: { ...row.presence, events: true } } : row));
}
