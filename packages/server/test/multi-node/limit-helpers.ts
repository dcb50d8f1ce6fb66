import { io, type Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import type { TestBed } from "../helpers.js";

/** How one connection attempt ended. */
export type Attempt = { admitted: true; socket: Socket; node: number } | { admitted: false; error: { code: string; message: string }; node: number };

/** Connects once to `gateways[node]`; resolves with the socket or the `connect_error` data, never rejects. */
export function attempt(bed: TestBed, gateways: readonly Gateway[], node: number, token: string): Promise<Attempt> {
  const socket = io(gateways[node]!.url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
  bed.sockets.push(socket);
  return new Promise((resolve) => {
    socket.once("connected", () => resolve({ admitted: true, socket, node }));
    socket.once("connect_error", (err: Error & { data?: { code: string; message: string } }) => resolve({ admitted: false, error: err.data ?? { code: "NONE", message: err.message }, node }));
  });
}

/** `count` concurrent attempts of one token, spread round-robin over the gateways. */
export function spread(bed: TestBed, gateways: readonly Gateway[], token: string, count: number): Promise<Attempt[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => attempt(bed, gateways, i % gateways.length, token)));
}

/** Retries an attempt every `intervalMs` until one is admitted; fails after `timeoutMs`. */
export async function admittedWithin(bed: TestBed, gateways: readonly Gateway[], node: number, token: string, timeoutMs: number, intervalMs = 100): Promise<Attempt & { admitted: true }> {
  const start = Date.now();
  for (;;) {
    const result = await attempt(bed, gateways, node, token);
    if (result.admitted) return result;
    if (Date.now() - start > timeoutMs) throw new Error(`no slot was freed within ${timeoutMs} ms (${result.error.code})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until `check` resolves true, polling; fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
