import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { TestBed } from "../helpers.js";

/** One call the backend received: the parsed JSON body and its headers. */
export interface BackendCall {
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly headers: IncomingMessage["headers"];
}

/** How the backend answers one call: a JSON value (200), or full control of the response. */
export type BackendReply = { json: unknown; status?: number } | { raw: string; status?: number; contentType?: string } | { hold: true } | { destroy: true };

/**
 * The platform's backend as Tickwire's proxies call it: a real HTTP server on a
 * free port that records every POST and answers what `reply` says for it. `hold`
 * never answers (a slow backend; released at close), `destroy` cuts the connection.
 */
export class Backend {
  readonly calls: BackendCall[] = [];
  reply: (call: BackendCall) => BackendReply = () => ({ json: { result: {} } });
  private server: Server | undefined;
  private readonly held: ServerResponse[] = [];
  private base: string | undefined;

  /** The base URL (`http://127.0.0.1:port`) of the running backend. */
  get url(): string {
    if (this.base === undefined) throw new Error("the backend is not started");
    return this.base;
  }

  /** Forgets the calls and answers `{ result: {} }` again (between tests). */
  reset(): void {
    this.calls.length = 0;
    this.reply = () => ({ json: { result: {} } });
  }

  /** Starts on a free port; resolves with the base URL (`http://127.0.0.1:port`). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const call: BackendCall = { path: req.url ?? "/", body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>, headers: req.headers };
        this.calls.push(call);
        const answer = this.reply(call);
        if ("hold" in answer) return void this.held.push(res);
        if ("destroy" in answer) return void req.socket.destroy();
        if ("json" in answer) return void res.writeHead(answer.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(answer.json));
        res.writeHead(answer.status ?? 200, { "content-type": answer.contentType ?? "application/json" }).end(answer.raw);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.base;
  }

  /** Calls received on `path`. */
  on(path: string): BackendCall[] {
    return this.calls.filter((c) => c.path === path);
  }

  async close(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await closed;
  }
}

/** A URL nothing listens on: a port that was free a moment ago. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/rpc`;
}

/**
 * One backend for a test file: started before its tests, reset (and `bed`'s gateways
 * cleaned up) after each, closed after all. Its URL is `backend.url` (it may be restarted on another port).
 */
export function useBackend(bed: TestBed): Backend {
  const backend = new Backend();
  beforeAll(async () => {
    await backend.start();
  });
  afterAll(() => backend.close());
  afterEach(async () => {
    await bed.cleanup();
    backend.reset();
  });
  return backend;
}
