import type { ClientOptions } from "./client-options.js";
import { TickwireClient } from "./tickwire-client.js";

/**
 * Creates a Tickwire client and connects it (unless `autoConnect: false`).
 * @example
 * const client = createClient({ url: "https://rt.example.com", getToken: () => fetchToken() });
 * client.on("state", (s) => setBadge(s));
 * client.subscribe("trades", (trade, meta) => addRow(trade, meta.offset));
 */
export function createClient(options: ClientOptions): TickwireClient {
  return new TickwireClient(options);
}
