import type { ReactNode } from "react";

/** A full-page message: no token, loading, operator token required. */
export function SessionMessage({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="session-message" data-testid={testId} role="alert">
      <h1>{title}</h1>
      {children && <div className="session-detail">{children}</div>}
    </div>
  );
}
