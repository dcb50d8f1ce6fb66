import { afterEach } from "vitest";
import { createClient, type ClientOptions, type TickwireClient } from "../../src/index.js";
import { FakeGateway, fakeToken, type FakeStore } from "./fake-gateway.js";

/**
 * Tracks gateways and clients made by a test file and closes them all in
 * afterEach, so no test leaks sockets or timers into the next.
 */
export function useHarness() {
  const clients: TickwireClient[] = [];
  const gateways: FakeGateway[] = [];
  const cleanups: (() => void | Promise<void>)[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const g of gateways.splice(0)) await g.close();
    for (const fn of cleanups.splice(0)) await fn();
  });

  return {
    async gateway(options: { port?: number; store?: FakeStore } = {}): Promise<FakeGateway> {
      const gw = await new FakeGateway(options).listen();
      gateways.push(gw);
      return gw;
    },
    /** Closes a gateway now (a restart) and stops tracking it. */
    async stop(gw: FakeGateway): Promise<void> {
      gateways.splice(gateways.indexOf(gw), 1);
      await gw.close();
    },
    client(gw: { url: string }, options: Partial<ClientOptions> = {}): TickwireClient {
      const client = createClient({
        url: gw.url,
        token: options.getToken || options.sessionID ? undefined : fakeToken({ sub: "alice" }),
        transports: ["websocket"],
        reconnectionDelay: 20,
        reconnectionDelayMax: 100,
        ...options,
      });
      clients.push(client);
      return client;
    },
    onCleanup(fn: () => void | Promise<void>): void {
      cleanups.push(fn);
    },
  };
}
