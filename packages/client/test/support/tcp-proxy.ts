import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy in front of the gateway, to cut the network under a client:
 * `cut()` destroys every open connection, `block()` also refuses new ones
 * until `unblock()`.
 */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  #blocked = false;

  constructor(readonly targetPort: number, readonly targetHost = "127.0.0.1") {
    this.#server = createServer((inbound) => {
      if (this.#blocked) {
        inbound.destroy();
        return;
      }
      const outbound = connect(this.targetPort, this.targetHost);
      for (const s of [inbound, outbound]) {
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
        s.on("error", () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      inbound.on("close", () => outbound.destroy());
      outbound.on("close", () => inbound.destroy());
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Destroys every open connection, as a network drop would. */
  cut(): void {
    for (const s of this.#sockets) s.destroy();
  }

  /** Cuts and refuses new connections until {@link unblock}. */
  block(): void {
    this.#blocked = true;
    this.cut();
  }

  unblock(): void {
    this.#blocked = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
