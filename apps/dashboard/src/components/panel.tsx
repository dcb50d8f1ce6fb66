import type { ReactNode } from "react";

/** Props of {@link Panel}. */
export interface PanelProps {
  title: string;
  /** Shown right of the title: a count, a badge, an action. */
  aside?: ReactNode;
  /** Grid placement class from styles.css (`area-watchlist`, …). */
  className?: string;
  children: ReactNode;
  testId?: string;
}

/** A titled card of the dashboard grid. */
export function Panel({ title, aside, className, children, testId }: PanelProps) {
  return (
    <section className={`panel ${className ?? ""}`} aria-label={title} data-testid={testId}>
      <header className="panel-head">
        <h2>{title}</h2>
        {aside !== undefined && <div className="panel-aside">{aside}</div>}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}
