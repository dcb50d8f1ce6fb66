import { useConnectionState, useLatency } from "../lib/tickwire";
import { formatMs } from "../lib/format";
import { useConnectionProblem } from "../lib/connection-problem";

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
  const problem = useConnectionProblem();
  return (
    <div className={`conn conn-${state}`} data-testid="connection-status" data-state={state} role="status">
      <span className="conn-dot" aria-hidden="true" />
      <span className="conn-label">{LABELS[state]}</span>
      {state !== "connected" && problem && (
        <span className="conn-reason" data-testid="connection-reason" data-code={problem.code} title={problem.message}>
          {problem.summary} ({problem.code}): {problem.message}
        </span>
      )}
      {state === "connected" && latency !== null && (
        <span className="conn-latency num" title="Round trip of a ping to the gateway" data-testid="latency">
          {formatMs(latency)}
        </span>
      )}
    </div>
  );
}
