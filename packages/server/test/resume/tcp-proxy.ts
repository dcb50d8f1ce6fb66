import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a gateway, for cuts and moves: clients connect to it,
 * it forwards to `target` (which may change between connections). `cut()` drops
 * every connection at once, as a network failure does; `hold()` refuses new ones
 * until `release()`.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Socket>();
  private holding = false;
  /** Connections accepted and forwarded so far. */
  accepted = 0;

  constructor(public target: { host: string; port: number }) {}

  get url(): string {
    const address = this.server!.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.holding) {
        client.destroy();
        return;
      }
      this.accepted++;
      const upstream = connect(this.target.port, this.target.host);
      this.pairs.add(client);
      this.pairs.add(upstream);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(client);
        this.pairs.delete(upstream);
      };
      client.on("error", close).on("close", close);
      upstream.on("error", close).on("close", close);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((ok) => this.server!.listen(0, "127.0.0.1", ok));
  }

  /** Points new connections at another server (a restarted process, another node). */
  retarget(url: string): void {
    const u = new URL(url);
    this.target = { host: u.hostname, port: Number(u.port) };
  }

  /** Drops every connection, both ways, and refuses new ones until release(). */
  cut(): void {
    this.holding = true;
    for (const socket of this.pairs) socket.destroy();
    this.pairs.clear();
  }

  /** Refuses new connections (existing ones stay). */
  hold(): void {
    this.holding = true;
  }

  /** Accepts connections again. */
  release(): void {
    this.holding = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((ok) => this.server?.close(ok));
  }
}
