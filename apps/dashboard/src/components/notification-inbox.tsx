import { useEffect, useRef, useState } from "react";
import type { NotificationsView } from "../lib/tickwire";
import { formatTime } from "../lib/format";

/** The bell with the unread count, opening the inbox with mark-read actions. */
export function NotificationInbox({ inbox }: { inbox: NotificationsView }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  return (
    <div className="inbox" ref={root}>
      <button
        type="button"
        className="bell"
        aria-label={`Notifications, ${inbox.unread} unread`}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="inbox-button"
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path d="M6 16V11a6 6 0 1 1 12 0v5l2 2H4l2-2Zm4 4h4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
        </svg>
        {inbox.unread > 0 && (
          <span className="bell-count num" data-testid="unread-count">
            {inbox.unread > 99 ? "99+" : inbox.unread}
          </span>
        )}
      </button>
      {open && (
        <div className="inbox-panel" role="dialog" aria-label="Notifications" data-testid="inbox-panel">
          <div className="inbox-head">
            <strong>Notifications</strong>
            <button type="button" className="link-button" disabled={inbox.unread === 0} onClick={() => void inbox.ackAll()}>
              Mark all read
            </button>
          </div>
          {inbox.items.length === 0 ? (
            <p className="empty">Your inbox is empty.</p>
          ) : (
            <ul className="inbox-list">
              {inbox.items.map((n) => (
                <li key={n.id} className={`inbox-item ${n.read ? "read" : "unread"}`}>
                  <span className={`type-dot type-${n.type}`} aria-hidden="true" />
                  <div className="inbox-text">
                    <div className="inbox-title">{n.title ?? n.type}</div>
                    <div className="inbox-message">{n.message}</div>
                    <div className="muted tabular small">{formatTime(n.timestamp)}</div>
                  </div>
                  {!n.read && (
                    <button type="button" className="link-button" onClick={() => void inbox.ack([n.id])}>
                      Mark read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
