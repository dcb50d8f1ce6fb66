import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { io, type Socket } from "socket.io-client";
import type { NamespaceDefinition } from "@tickwire/protocol";
import { createGateway, type Gateway, type GatewayDeps, type GatewayOptions, type ChannelSource } from "@tickwire/server";

export const SECRET = "test-secret-0123456789abcdef";
export const API_KEY = "test-api-key";

/** Everything a test started, closed by `cleanup()` in afterEach. */
export class TestBed {
  readonly gateways: Gateway[] = [];
  readonly sockets: Socket[] = [];
  readonly dirs: string[] = [];

  /** A fresh data folder, removed at cleanup. */
  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), "tickwire-test-"));
    this.dirs.push(dir);
    return dir;
  }

  /** Starts a gateway on a free port with a test secret and API key. */
  async gateway(options: Partial<GatewayOptions> = {}, deps: GatewayDeps = {}): Promise<Gateway> {
    const gw = await createGateway(
      {
        port: 0,
        host: "127.0.0.1",
        dataDir: options.dataDir ?? this.tempDir(),
        jwtSecret: SECRET,
        apiKeys: [API_KEY],
        simulator: false,
        logLevel: "silent",
        // Every /readyz request probes (the cache has its own test).
        readinessCacheMs: 0,
        ...options,
      },
      deps,
    );
    await gw.listen();
    this.gateways.push(gw);
    return gw;
  }

  /** A client token for `sub` at `tier`. */
  token(gw: Gateway, sub: string, tier = "builder", ttlSeconds = 3600): Promise<string> {
    return gw.issueToken({ sub, tier, ttlSeconds });
  }

  /** Connects a real socket.io-client; resolves with the socket and its `connected` payload. */
  async connect(gw: Gateway | string, auth: Record<string, unknown>, opts: { transports?: string[] } = {}): Promise<{ socket: Socket; connected: Record<string, unknown> }> {
    const url = typeof gw === "string" ? gw : gw.url;
    const socket = io(url, { auth, transports: opts.transports ?? ["websocket"], reconnection: false, forceNew: true });
    this.sockets.push(socket);
    const connected = await new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.once("connected", resolve);
      socket.once("connect_error", reject);
    });
    return { socket, connected };
  }

  /** Connects as `sub` at `tier` with a fresh token. */
  async connectAs(gw: Gateway, sub: string, tier = "builder"): Promise<Socket> {
    return (await this.connect(gw, { token: await this.token(gw, sub, tier) })).socket;
  }

  /** Expects the connection to be refused; resolves with the `connect_error`. */
  async refused(gw: Gateway, auth: Record<string, unknown>): Promise<Error & { data?: { code: string; message: string } }> {
    const socket = io(gw.url, { auth, transports: ["websocket"], reconnection: false, forceNew: true });
    this.sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once("connect_error", resolve);
      socket.once("connected", () => reject(new Error("connection was accepted")));
    });
  }

  async cleanup(): Promise<void> {
    for (const s of this.sockets.splice(0)) s.close();
    await Promise.all(this.gateways.splice(0).map((g) => g.close()));
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** Collects `event` arguments on a socket: `[payload, meta]` per emission, in order. */
export function record(socket: Socket, ...events: string[]): Array<{ event: string; payload: unknown; meta: Record<string, unknown> }> {
  const seen: Array<{ event: string; payload: unknown; meta: Record<string, unknown> }> = [];
  for (const event of events) socket.on(event, (payload: unknown, meta: Record<string, unknown>) => seen.push({ event, payload, meta }));
  return seen;
}

/** Waits until `predicate` holds, polling; fails after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** POSTs JSON to the gateway's HTTP API with the test API key. */
export async function api(gw: Gateway, method: string, path: string, body?: unknown, key: string | null = API_KEY): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(gw.url + path, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, body: parsed };
}

/** An event namespace with a three-item history, for tests of trimmed history. */
export const TINY_NAMESPACE: NamespaceDefinition = {
  name: "tiny",
  event: "tiny:event",
  access: "any",
  key: "none",
  minTier: "navigator",
  kind: "event",
  history: { size: 3, ttlMs: 60_000 },
  description: "A channel with a three-item history, for tests.",
};

/** Serves the gateway's inbox channels with a source that records what is published to them (a gateway without the notification service); returns the record. */
export function recordingInbox(gw: Gateway): Array<[string, unknown]> {
  const inbox: Array<[string, unknown]> = [];
  const source: ChannelSource = {
    publish: async (target) => {
      inbox.push([target.key!, target.data]);
      return { channel: target.channel, offset: inbox.length, epoch: "inbox" };
    },
    position: async () => ({ offset: inbox.length, epoch: "inbox" }),
    attach: async () => {},
    detach: async () => {},
    owed: async () => ({ offset: inbox.length, epoch: "inbox" }),
  };
  gw.sources.register("inbox", source);
  return inbox;
}

/**
 * A pino logger at `level` that keeps each line it writes, parsed, in `lines` (what an operator's
 * log shows). The gateway takes it as its `logger`.
 */
export function captureLogs(level = "info"): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // A plain pino logger; its level type parameter is narrowed by the options, the gateway takes the default one.
  return { logger: pino({ level }, sink) as unknown as Logger, lines };
}
