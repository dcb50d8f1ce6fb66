import { useEffect, useState } from "react";
import { TickwireProvider } from "./lib/tickwire";
import { resolveSession, type Session, type SessionError } from "./lib/session";
import { watchlistSymbols } from "./lib/watchlist-symbols";
import { DashboardPage } from "./pages/dashboard-page";
import { OpsPage } from "./pages/ops-page";
import { SessionMessage } from "./components/session-message";

/** True for `/ops` and `/ops/`. */
function isOpsPath(pathname: string): boolean {
  return pathname.replace(/\/+$/, "") === "/ops";
}

/** Finds a token, then shows the ops page at `/ops` and the dashboard everywhere else. */
export function App() {
  const [session, setSession] = useState<Session | SessionError | undefined>();
  useEffect(() => {
    let alive = true;
    void resolveSession(window.location.search, window.location.origin).then((s) => alive && setSession(s));
    return () => {
      alive = false;
    };
  }, []);

  if (!session) return <SessionMessage title="Connecting to Tickwire…" />;
  if ("error" in session) {
    return (
      <SessionMessage title="No token" testId="session-error">
        <p>{session.error}</p>
      </SessionMessage>
    );
  }
  if (isOpsPath(window.location.pathname)) return <OpsPage session={session} />;
  return (
    <TickwireProvider url={window.location.origin} token={session.token}>
      <DashboardPage session={session} symbols={watchlistSymbols(window.location.search)} />
    </TickwireProvider>
  );
}
