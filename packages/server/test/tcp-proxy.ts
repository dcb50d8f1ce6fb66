import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real service (PostgreSQL, Redis) that a test can
 * cut: `cut()` drops every connection and refuses new ones (the service is
 * gone), `stall()` accepts connections but forwards nothing (a partition: the
 * service never answers), `restore()` forwards again.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Map<Socket, Socket>();
  private mode: "forward" | "stall" = "forward";
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts listening on a free loopback port (then on the same port after a cut). */
  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** `postgres://…` or `redis://…` with the host and port replaced by the proxy's. */
  url(target: string): string {
    const u = new URL(target);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }

  /** The service is gone: open connections are reset, new ones refused. */
  async cut(): Promise<void> {
    this.dropAll();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The service stops answering (a partition): open connections stay open but nothing passes either way; new ones are accepted and get nothing. */
  async stall(): Promise<void> {
    this.mode = "stall";
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    if (!this.server) await this.start();
  }

  /** Forwards again. */
  async restore(): Promise<void> {
    this.mode = "forward";
    this.dropAll();
    if (!this.server) await this.start();
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private dropAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.pairs.clear();
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on("error", () => undefined);
    client.on("close", () => this.sockets.delete(client));
    if (this.mode === "stall") {
      client.pause();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    this.sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    this.pairs.set(client, upstream);
    client.on("close", () => {
      this.pairs.delete(client);
      upstream.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
