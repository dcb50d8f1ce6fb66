import { useCallback, useSyncExternalStore } from "react";
import type { ConnectionState } from "../types.js";
import { useTickwireClient } from "./tickwire-context.js";

/**
 * The connection state of the provider's client: `connecting`, `connected`,
 * `reconnecting` or `disconnected` (also while there is no client yet).
 * @example const state = useConnectionState(); // show a badge when not "connected"
 */
export function useConnectionState(): ConnectionState {
  const client = useTickwireClient();
  const subscribe = useCallback((onChange: () => void) => (client ? client.on("state", onChange) : () => {}), [client]);
  return useSyncExternalStore(
    subscribe,
    () => client?.state ?? "disconnected",
    () => "disconnected",
  );
}
