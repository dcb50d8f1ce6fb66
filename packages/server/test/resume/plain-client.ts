import { expect } from "vitest";
import type { Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api } from "../helpers.js";

/** What a plain client's one-argument handlers see, in order, per event. */
export function collect(socket: Socket, ...events: string[]): Array<{ event: string; payload: any }> {
  const seen: Array<{ event: string; payload: any }> = [];
  for (const event of events) socket.on(event, (payload: unknown) => seen.push({ event, payload }));
  return seen;
}

/** Publishes trade `n` to `user`'s trades through the HTTP API. */
export async function trade(gw: Gateway, user: string, n: number): Promise<void> {
  const res = await api(gw, "POST", "/api/v1/publish", { channel: `trades:${user}`, data: { id: `t${n}`, n } });
  expect(res.status).toBe(200);
}

/**
 * The scenario of the resumption tests, resumed exactly: trades 1 to 6 once and in order (3 to 5
 * replayed), quotes 1 and 2, no `resync`, and the node's metrics saying so.
 */
export function expectResumedExactly(seen: ReadonlyArray<{ event: string; payload: unknown }>, metrics: string): void {
  expect(seen.filter((s) => s.event === "trade:update").map((s) => s.payload)).toEqual([1, 2, 3, 4, 5, 6].map((n) => ({ id: `t${n}`, n })));
  expect(seen.filter((s) => s.event === "quote:update").map((s) => s.payload)).toEqual([
    { symbol: "AAPL", price: 1 },
    { symbol: "AAPL", price: 2 },
  ]);
  expect(seen.filter((s) => s.event === "resync")).toEqual([]);
  expect(metrics).toMatch(/tickwire_sessions_resumed_total\{kind="exact"\} 1/);
  expect(metrics).toMatch(/tickwire_resume_replayed_total\{namespace="trades"\} 3/);
}
