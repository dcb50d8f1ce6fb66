import { useEffect, useState } from "react";
import { useConnectionState } from "./use-connection-state.js";
import { useTickwireClient } from "./tickwire-context.js";

/**
 * The last round trip to the server in ms, measured with `ping` every
 * `intervalMs` while connected; null before the first answer.
 * @example const rtt = useLatency(2000);
 */
export function useLatency(intervalMs = 5000): number | null {
  const client = useTickwireClient();
  const state = useConnectionState();
  const [rtt, setRtt] = useState<number | null>(null);

  useEffect(() => {
    if (!client || state !== "connected") return;
    let cancelled = false;
    const measure = () => {
      client.ping().then(
        (ms) => {
          if (!cancelled) setRtt(ms);
        },
        () => {}, // keep the last value; the state badge tells about the connection
      );
    };
    measure();
    const timer = setInterval(measure, intervalMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [client, state, intervalMs]);

  return rtt;
}
