import { createContext, useContext } from "react";
import type { TickwireClient } from "../tickwire-client.js";

/** React context holding the client of the nearest TickwireProvider (null while it is being created). */
export const TickwireContext = createContext<TickwireClient | null>(null);

/**
 * The client of the nearest TickwireProvider, or null outside one or while
 * the provider creates it. Use it for calls the hooks do not wrap.
 * @example const client = useTickwireClient(); client?.subscribe("ai:gpt", onDecision);
 */
export function useTickwireClient(): TickwireClient | null {
  return useContext(TickwireContext);
}
