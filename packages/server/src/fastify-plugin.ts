import type { FastifyInstance, LogLevel } from "fastify";
import type { GatewayOptions } from "./config/options.js";
import { attach, type Gateway, type GatewayDeps } from "./gateway.js";

/**
 * Options of the Fastify plugin: the gateway's options, plus parts to replace (as createGateway's second
 * argument). `logLevel` is also Fastify's register option, with the same levels.
 */
export type TickwireFastifyOptions = Omit<Partial<GatewayOptions>, "logLevel"> & { readonly logLevel?: LogLevel; readonly deps?: GatewayDeps };

declare module "fastify" {
  interface FastifyInstance {
    /** The Tickwire gateway the plugin attached (publish, issueToken, stats, …). */
    tickwire: Gateway;
  }
}

/**
 * A Fastify plugin that attaches a gateway to the Fastify app's own server:
 * Socket.IO at `socketPath`, the HTTP API and ops endpoints under `apiPrefix`,
 * the app's routes and port unchanged. The gateway is `fastify.tickwire`;
 * `fastify.close()` shuts it down gracefully first (preClose), then the app closes its server.
 * @example
 * const app = Fastify();
 * await app.register(tickwirePlugin, { jwtSecret, apiKeys: [apiKey], apiPrefix: "/realtime/api" });
 * await app.listen({ port: 3000 });
 */
async function tickwirePluginImpl(fastify: FastifyInstance, opts: TickwireFastifyOptions): Promise<void> {
  const { deps, ...options } = opts;
  const gateway = await attach(fastify.server, options, deps);
  fastify.decorate("tickwire", gateway);
  fastify.addHook("preClose", async () => {
    await gateway.close();
  });
}

/** Not encapsulated (as fastify-plugin does): `fastify.tickwire` is visible to the whole app. */
export const tickwirePlugin = Object.assign(tickwirePluginImpl, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "tickwire",
});
