import { useEffect, useState } from "react";
import type { GatewayStats } from "./stats";

/** What the ops page knows about the gateway's stats. */
export type StatsState =
  | { status: "loading" }
  | { status: "ok"; stats: GatewayStats; fetchedAt: number }
  | { status: "forbidden"; httpStatus: number }
  | { status: "error"; message: string; last?: { stats: GatewayStats; fetchedAt: number } };

/** Polls `GET /api/v1/stats` with the operator token every `intervalMs` (2 s). */
export function useStats(token: string, intervalMs = 2000): StatsState {
  const [state, setState] = useState<StatsState>({ status: "loading" });
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const res = await fetch("/api/v1/stats", { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
        if (!alive) return;
        if (res.status === 401 || res.status === 403) {
          setState({ status: "forbidden", httpStatus: res.status });
          return; // polling again will not change the answer for this token
        }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const stats = (await res.json()) as GatewayStats;
        if (alive) setState({ status: "ok", stats, fetchedAt: Date.now() });
      } catch (err) {
        if (!alive) return;
        const message = err instanceof Error ? err.message : String(err);
        setState((prev) =>
          prev.status === "ok"
            ? { status: "error", message, last: { stats: prev.stats, fetchedAt: prev.fetchedAt } }
            : prev.status === "error"
              ? { ...prev, message }
              : { status: "error", message },
        );
      }
      if (alive) timer = setTimeout(() => void poll(), intervalMs);
    };
    void poll();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [token, intervalMs]);
  return state;
}
