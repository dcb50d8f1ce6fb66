import { useEffect, useState } from "react";
import type { PayloadOf } from "@tickwire/protocol/core";
import { useTickwireClient } from "./tickwire-context.js";

/**
 * The last `limit` payloads of an event channel, newest first, filled on load
 * from the channel's history (`rewind`). A payload whose
 * id (`idOf`) is already listed replaces that entry and moves to the top
 * (a trade going from pending to executed is one row).
 * @example const decisions = useEventList("ai", 20, (d) => d.id);
 */
export function useEventList<C extends string>(channel: C, limit: number, idOf: (payload: PayloadOf<C>) => string | undefined): PayloadOf<C>[] {
  const client = useTickwireClient();
  const [state, setState] = useState<{ key: string; items: PayloadOf<C>[] }>({ key: "", items: [] });
  const key = `${channel}|${limit}`;

  useEffect(() => {
    if (!client) return;
    // Filled on load from the channel's recent history (rewind), then kept live.
    const sub = client.subscribe(
      channel,
      (payload) =>
        setState((prev) => {
          const id = idOf(payload);
          const rest = (prev.key === key ? prev.items : []).filter((item) => id === undefined || idOf(item) !== id);
          return { key, items: [payload, ...rest].slice(0, limit) };
        }),
      { rewind: limit },
    );
    return () => sub.unsubscribe();
    // idOf is a per-hook constant; leaving it out keeps inline functions from resubscribing.
  }, [client, channel, limit, key]);

  return state.key === key ? state.items : [];
}
