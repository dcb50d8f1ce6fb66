import { useConnectionState, useLatency } from "../lib/tickwire";
import { formatMs } from "../lib/format";

const LABELS = {
  connecting: "Connecting",
  connected: "Connected",
  reconnecting: "Reconnecting",
  disconnected: "Disconnected",
} as const;

/** The socket's state as a coloured pill, with the ping round trip when connected. */
export function ConnectionStatus() {
  const state = useConnectionState();
  const latency = useLatency(5000);
  return (
    <div className={`conn conn-${state}`} data-testid="connection-status" data-state={state} role="status">
      <span className="conn-dot" aria-hidden="true" />
      <span className="conn-label">{LABELS[state]}</span>
      {state === "connected" && latency !== null && (
        <span className="conn-latency num" title="Round trip of a ping to the gateway" data-testid="latency">
          {formatMs(latency)}
        </span>
      )}
    </div>
  );
}
