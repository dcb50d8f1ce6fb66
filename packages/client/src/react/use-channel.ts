import { useEffect, useRef, useState } from "react";
import type { PayloadOf } from "@tickwire/protocol/core";
import type { DeliveryMeta, ResyncInfo } from "../types.js";
import { useTickwireClient } from "./tickwire-context.js";

/** Options of {@link useChannel}. */
export interface UseChannelOptions {
  /** Quotes only: payload fields to receive (fields apply per channel, see `client.subscribe`). */
  fields?: readonly string[];
  /** Keep the last `limit` payloads, newest first, in `items`. @default 0 (no items) */
  limit?: number;
  /** Subscribe only while true. @default true */
  enabled?: boolean;
  /** Called when the channel's history could not be recovered. */
  onResync?: (info: ResyncInfo) => void;
}

/** What {@link useChannel} returns. */
export interface ChannelValue<T> {
  /** The latest payload, or null before the first. */
  data: T | null;
  /** Meta of the latest payload. */
  meta: DeliveryMeta | null;
  /** The last `limit` payloads, newest first (only when `limit` > 0). */
  items?: T[];
}

/**
 * Subscribes to a channel while mounted; the payload type follows the channel name.
 * @example const { data: quote } = useChannel("quotes:AAPL", { fields: ["price"] });
 */
export function useChannel<C extends string>(channel: C, options: UseChannelOptions = {}): ChannelValue<PayloadOf<C>> {
  const client = useTickwireClient();
  const { fields, limit = 0, enabled = true } = options;
  const fieldsKey = fields ? [...fields].sort().join(",") : "";
  const onResync = useRef(options.onResync);
  onResync.current = options.onResync;
  const [state, setState] = useState<{ key: string; value: ChannelValue<PayloadOf<C>> }>({ key: "", value: { data: null, meta: null } });
  const key = `${channel}|${fieldsKey}|${limit}`;

  useEffect(() => {
    if (!client || !enabled) return;
    const sub = client.subscribe(
      channel,
      (payload, meta) =>
        setState((prev) => {
          const items = limit > 0 ? [payload, ...(prev.key === key ? (prev.value.items ?? []) : [])].slice(0, limit) : undefined;
          return { key, value: items ? { data: payload, meta, items } : { data: payload, meta } };
        }),
      {
        ...(fieldsKey ? { fields: fieldsKey.split(",") } : {}),
        onResync: (info) => onResync.current?.(info),
      },
    );
    return () => sub.unsubscribe();
  }, [client, channel, fieldsKey, limit, enabled, key]);

  if (state.key !== key) return limit > 0 ? { data: null, meta: null, items: [] } : { data: null, meta: null };
  return state.value;
}
