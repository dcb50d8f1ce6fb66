import type { ReactNode } from "react";

/** Props of {@link AppHeader}. */
export interface AppHeaderProps {
  /** Which page is shown, to highlight its link. */
  page: "dashboard" | "ops";
  dashboardHref: string;
  opsHref: string;
  /** Status items on the right: connection, badges, inbox. */
  children?: ReactNode;
}

/** The top bar: brand, page links and status items. */
export function AppHeader({ page, dashboardHref, opsHref, children }: AppHeaderProps) {
  return (
    <header className="topbar">
      <div className="brand">
        <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
          <path d="M4 22l7-8 5 4 12-12" fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <span>Tickwire</span>
      </div>
      <nav className="nav">
        <a href={dashboardHref} aria-current={page === "dashboard" ? "page" : undefined}>
          Markets
        </a>
        <a href={opsHref} aria-current={page === "ops" ? "page" : undefined}>
          Ops
        </a>
      </nav>
      <div className="topbar-status">{children}</div>
    </header>
  );
}
