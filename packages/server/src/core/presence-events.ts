import { atLeast, type NamespaceDefinition } from "@tickwire/protocol";
import type { Logger } from "../observability/logger.js";
import type { PresenceChange } from "./engine.js";
import type { Hub } from "./hub.js";
import { ConfigError } from "../config/resolve-options.js";

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
 * What is wrong with the `presenceEventNamespaces` option against the deployment's catalogue
 * `rows`: names that are not namespaces, or namespaces that keep no presence (checked where
 * the rows are known: at start and by `check-config`).
 */
export function presenceEventProblems(rows: readonly NamespaceDefinition[], names: readonly string[]): string[] {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const problems = names.flatMap((name) => {
    const row = byName.get(name);
    return !row ? [`"${name}" is not a namespace`] : !row.presence ? [`"${name}" keeps no presence (its catalogue row has no \`presence\`)`] : [];
  });
  return problems.length === 0 ? [] : [`presenceEventNamespaces: ${problems.join("; ")}.`];
}

/**
 * The catalogue rows with `presence.events` turned on for the namespaces of `names` (the
 * `presenceEventNamespaces` option).
 * @throws ConfigError naming the names that are not namespaces or keep no presence
 */
export function withPresenceEvents(rows: readonly NamespaceDefinition[], names: readonly string[]): NamespaceDefinition[] {
  if (names.length === 0) return [...rows];
  const problems = presenceEventProblems(rows, names);
  if (problems.length > 0) throw new ConfigError(problems);
  const on = new Set(names);
  return rows.map((row) => (on.has(row.name) && row.presence ? { ...row, presence: { ...row.presence, events: true } } : row));
}
