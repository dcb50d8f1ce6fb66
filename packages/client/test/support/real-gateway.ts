import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { createGateway, type Gateway, type GatewayOptions } from "@tickwire/server";
import { createClient, type ClientOptions, type TickwireClient } from "../../src/index.js";
import { TcpProxy } from "../../../../test/support/tcp-proxy.js";

/** Options every test gateway shares; only port and dataDir vary. */
const GATEWAY_OPTIONS = { host: "127.0.0.1", jwtSecret: "test-secret", apiKeys: ["test-key"], simulator: false, logLevel: "silent" } as const;

/**
 * Starts real gateways (`@tickwire/server`) on port 0 with a temporary data
 * directory, clients and TCP proxies, and closes them all in afterEach.
 */
export function useRealGateway() {
  const gateways = new Set<Gateway>();
  const clients: TickwireClient[] = [];
  const proxies: TcpProxy[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const p of proxies.splice(0)) await p.close();
    for (const g of gateways) await g.close();
    gateways.clear();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  return {
    /** A fresh data directory, removed after the test. */
    dataDir(): string {
      const dir = mkdtempSync(join(tmpdir(), "tickwire-client-"));
      dirs.push(dir);
      return dir;
    },
    /** Starts a gateway; `options` may add any gateway option (a backend proxy URL, …). */
    async start(options: Partial<GatewayOptions> = {}): Promise<Gateway> {
      const gw = await createGateway({ ...GATEWAY_OPTIONS, ...options, port: options.port ?? 0, dataDir: options.dataDir ?? this.dataDir() });
      await gw.listen();
      gateways.add(gw);
      return gw;
    },
    /** Graceful close (sends `server:shutdown`), as before a restart. */
    async stop(gw: Gateway): Promise<void> {
      gateways.delete(gw);
      await gw.close();
    },
    async proxy(gw: Gateway): Promise<TcpProxy> {
      const proxy = await new TcpProxy({ host: "127.0.0.1", port: gw.port }).start();
      proxies.push(proxy);
      return proxy;
    },
    client(url: string, options: Partial<ClientOptions>): TickwireClient {
      const client = createClient({ url, transports: ["websocket"], reconnectionDelay: 50, reconnectionDelayMax: 300, ...options });
      clients.push(client);
      return client;
    },
  };
}
