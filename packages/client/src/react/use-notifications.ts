import { useCallback, useEffect, useRef, useState } from "react";
import type { Notification } from "@tickwire/protocol/core";
import { useConnectionState } from "./use-connection-state.js";
import { useTickwireClient } from "./tickwire-context.js";

/** What {@link useNotifications} returns. */
export interface NotificationsView {
  /** Newest first, one entry per id. */
  items: Notification[];
  /** Unread count (from the server on load, kept up to date live). */
  unread: number;
  /** The last notification that arrived live (for a toast), or null; never one re-sent from the unread inbox on subscribe. */
  latest: Notification | null;
  /** Marks notifications read. */
  ack(ids: readonly string[]): Promise<void>;
  /** Marks every listed unread notification read. */
  ackAll(): Promise<void>;
}

interface InboxState {
  items: Notification[];
  unread: number;
  latest: Notification | null;
}

const newestFirst = (a: Notification, b: Notification) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0);

/**
 * The user's inbox: loaded with `notifications:list` on every connect (so
 * what arrived while offline shows up), with `notification:new` prepended
 * live and duplicates dropped by id.
 * @example const { items, unread, ackAll, latest } = useNotifications();
 */
export function useNotifications(limit = 50): NotificationsView {
  const client = useTickwireClient();
  const state = useConnectionState();
  const [inbox, setInbox] = useState<InboxState>({ items: [], unread: 0, latest: null });
  const inboxRef = useRef(inbox);
  inboxRef.current = inbox;

  useEffect(() => {
    if (!client) return;
    const sub = client.subscribe("notifications", (n, meta) =>
      setInbox((prev) => {
        // Only what arrives live is `latest` (a toast); the unread inbox re-sent on subscribe is not news.
        if (prev.items.some((item) => item.id === n.id)) return meta.live ? { ...prev, latest: n } : prev;
        return { items: [n, ...prev.items].slice(0, limit), unread: prev.unread + (n.read ? 0 : 1), latest: meta.live ? n : prev.latest };
      }),
    );
    return () => sub.unsubscribe();
  }, [client, limit]);

  useEffect(() => {
    if (!client || state !== "connected") return;
    let cancelled = false;
    client.notifications.list({ limit }).then(
      ({ items, unread }) => {
        if (cancelled) return;
        setInbox((prev) => {
          // Items newer than the whole list arrived live while it was on its way: the
          // server's unread count does not include them yet. The list wins for the rest.
          const listed = new Set(items.map((n) => n.id));
          const newest = items[0]?.timestamp ?? "";
          const liveOnly = prev.items.filter((n) => !listed.has(n.id) && n.timestamp > newest);
          const merged = [...liveOnly, ...items].sort(newestFirst).slice(0, limit);
          return { items: merged, unread: unread + liveOnly.filter((n) => !n.read).length, latest: prev.latest };
        });
      },
      () => {}, // refetched on the next connect
    );
    return () => {
      cancelled = true;
    };
  }, [client, state, limit]);

  const ack = useCallback(
    async (ids: readonly string[]) => {
      if (!client || ids.length === 0) return;
      await client.notifications.ack(ids);
      const acked = new Set(ids);
      setInbox((prev) => {
        const wasUnread = prev.items.filter((n) => acked.has(n.id) && !n.read).length;
        return {
          ...prev,
          items: prev.items.map((n) => (acked.has(n.id) && !n.read ? { ...n, read: true } : n)),
          unread: Math.max(0, prev.unread - wasUnread),
        };
      });
    },
    [client],
  );

  const ackAll = useCallback(
    () => ack(inboxRef.current.items.filter((n) => !n.read).map((n) => n.id)),
    [ack],
  );

  return { items: inbox.items, unread: inbox.unread, latest: inbox.latest, ack, ackAll };
}
