import type { ReactNode } from "react";

/** A quiet placeholder shown while a panel has no data yet. */
export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
