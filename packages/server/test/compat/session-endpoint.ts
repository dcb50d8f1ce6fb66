import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The platform's session backend as Tickwire's HTTP session resolver calls it:
 * `GET /session?sessionID=…` answers `{ user: { id, tier?, roles? } }` for a known id, 404 otherwise.
 */
export class SessionEndpoint {
  private server: Server | undefined;
  readonly sessions = new Map<string, { id: string; tier?: string; roles?: string[] }>();

  /** Starts on a free port; resolves with the URL to pass as `sessionUrl`. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const user = this.sessions.get(new URL(req.url!, "http://x").searchParams.get("sessionID") ?? "");
      if (!user) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ user }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/session`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
