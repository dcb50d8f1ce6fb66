import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/**
 * A TCP proxy a test puts in front of a real server (a gateway, Redis, PostgreSQL) to
 * break the network under it, for the server's and the client's tests alike:
 *
 * - `cut()` resets every connection, both ways, and refuses new ones until `restore()`
 *   (the server is gone, or the network is down);
 * - `drop()` resets every open connection but accepts new ones (a blip: clients reconnect at once);
 * - `hold()` refuses new connections, open ones keep working;
 * - `stall()` passes nothing either way on open connections and accepts new ones that get
 *   nothing (a partition: the server never answers);
 * - `restore()` forwards again (stalled connections are reset first).
 *
 * The proxy listens on one loopback port for its whole life; `retarget()` points new
 * connections elsewhere (a restarted process, another node).
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Map<Socket, Socket>();
  private mode: "forward" | "refuse" | "stall" = "forward";
  /** Connections accepted and forwarded so far. */
  accepted = 0;

  constructor(public target: { host: string; port: number }) {}

  /** Starts listening on a free loopback port. */
  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server = server;
    return this;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:{port}`: the proxied gateway's URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A service URL (`redis://…`, `postgres://…`) with its host and port replaced by the proxy's. */
  urlFor(target: string): string {
    const u = new URL(target);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }

  /** Points new connections at another server. */
  retarget(url: string): void {
    const u = new URL(url);
    this.target = { host: u.hostname, port: Number(u.port) };
  }

  cut(): void {
    this.mode = "refuse";
    this.dropAll();
  }

  drop(): void {
    this.dropAll();
  }

  hold(): void {
    this.mode = "refuse";
  }

  stall(): void {
    this.mode = "stall";
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    if (this.mode === "stall") this.dropAll();
    this.mode = "forward";
  }

  async close(): Promise<void> {
    this.mode = "refuse";
    this.dropAll();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private dropAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.pairs.clear();
  }

  private accept(client: Socket): void {
    client.on("error", () => undefined);
    if (this.mode === "refuse") {
      client.destroy();
      return;
    }
    this.sockets.add(client);
    client.on("close", () => this.sockets.delete(client));
    if (this.mode === "stall") {
      client.pause();
      return;
    }
    this.accepted++;
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    this.pairs.set(client, upstream);
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    client.on("close", () => {
      this.pairs.delete(client);
      upstream.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
