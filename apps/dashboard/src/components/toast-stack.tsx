import { useEffect, useRef, useState } from "react";
import type { Notification } from "@tickwire/protocol";

/** How long a toast stays, in ms. */
const TOAST_MS = 6000;

/** Props of {@link ToastStack}. */
export interface ToastStackProps {
  /**
   * The newest live notification; each new id pops a toast. `useNotifications` never
   * sets it for the unread inbox re-sent on subscribe: that belongs in the inbox.
   */
  latest: Notification | null;
  onRead(id: string): void;
}

/** Pops a toast for each live notification, bottom right; each fades after a few seconds. */
export function ToastStack({ latest, onRead }: ToastStackProps) {
  const [toasts, setToasts] = useState<Notification[]>([]);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const dismiss = (id: string) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((all) => all.filter((t) => t.id !== id));
  };

  useEffect(() => {
    if (!latest || latest.read || timers.current.has(latest.id)) return;
    setToasts((all) => [latest, ...all.filter((t) => t.id !== latest.id)].slice(0, 4));
    timers.current.set(latest.id, setTimeout(() => dismiss(latest.id), TOAST_MS));
  }, [latest]);

  useEffect(() => {
    const map = timers.current;
    return () => map.forEach((t) => clearTimeout(t));
  }, []);

  return (
    <div className="toasts" aria-live="polite" data-testid="toasts">
      {toasts.map((n) => (
        <div key={n.id} className={`toast toast-${n.type}`} role="status" data-testid="toast">
          <div className="toast-body">
            {n.title && <div className="toast-title">{n.title}</div>}
            <div className="toast-message">{n.message}</div>
          </div>
          <div className="toast-actions">
            <button type="button" className="link-button" onClick={() => { onRead(n.id); dismiss(n.id); }}>
              Mark read
            </button>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
              ×
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
