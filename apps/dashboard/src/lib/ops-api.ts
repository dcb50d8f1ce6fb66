/** Calls of the ops API with the operator token; errors come back in the gateway's one shape. */
export interface OpsReply<T> {
  status: number;
  body: T | { code: string; message: string };
}

export async function opsFetch<T>(token: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<OpsReply<T>> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method: init.method ?? "GET", headers, cache: "no-store", body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = { code: "INTERNAL", message: `HTTP ${res.status}` };
  }
  return { status: res.status, body: body as T };
}

/** The error of a reply, or undefined for a success. */
export function replyError(reply: OpsReply<unknown>): string | undefined {
  if (reply.status < 400) return undefined;
  const b = reply.body as { code?: string; message?: string };
  return `${b.code ?? `HTTP ${reply.status}`}: ${b.message ?? ""}`.trim();
}

export interface SeriesPoint {
  ts: number;
  connections: number;
  publicationsPerSecond: number;
  deliveriesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  conflatedLatencyP99Ms: number;
  slowConsumers: number;
}

export interface ChannelFigures {
  channel: string;
  subscribers: number;
  perSecond: number;
}

export interface OpsConnection {
  id: string;
  tier: string;
  transport: string;
  address: string;
  connectedAt: string;
  subscriptions: string[];
  queuedPackets: number;
  queuedBytes: number;
}

export interface HistoryEntry {
  offset: number;
  ts: number;
  event: string;
  data: unknown;
}
