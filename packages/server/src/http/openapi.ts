import { createRequire } from "node:module";
import type { FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import { underPath } from "../config/resolve-options.js";
import { API_BASE } from "./mount.js";
import type { RouteAuth } from "./route-schemas.js";

const VERSION = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;

/** The ops endpoints, documented with the API. */
const OPS_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);
/** Where the document itself is served (under the API prefix); not in it. */
export const OPENAPI_PATH = `${API_BASE}/openapi.json`;

/** Who may call a route, as installApiAuth decides it. */
export function routeAuth(url: string, config: { auth?: RouteAuth } | undefined): RouteAuth {
  return config?.auth ?? (url.startsWith("/api/") ? "apiKey" : "public");
}

/** A route's path as clients call it: the API under `apiPrefix`; attached to an app's server, the ops endpoints too. */
export function publicPath(url: string, apiPrefix: string, attached: boolean): string {
  if (underPath(url, API_BASE)) return apiPrefix + url.slice(API_BASE.length);
  if (attached && OPS_PATHS.has(url)) return apiPrefix + url;
  return url;
}

/**
 * The OpenAPI 3.1 document of the HTTP API, built by @fastify/swagger from the
 * route schemas (the protocol's TypeBox schemas): every route under the API
 * base and the ops endpoints, with the security each needs; the dashboard's
 * files and the CORS preflight are left out. Served at `{apiPrefix}/openapi.json`.
 */
export async function registerOpenApi(app: FastifyInstance, apiPrefix: string, attached: boolean): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Tickwire HTTP API",
        version: VERSION,
        description:
          "The publisher and ops API of a Tickwire gateway. Every error is `{ statusCode, code, message }` with a code of the error registry (docs/errors.md). The Socket.IO events are described by the AsyncAPI document (docs/asyncapi.json).",
        license: { name: "MIT", identifier: "MIT" },
      },
      tags: [
        { name: "publish", description: "Publications to channels" },
        { name: "channels", description: "Channel history" },
        { name: "notifications", description: "The durable inbox" },
        { name: "users", description: "Connections of a user" },
        { name: "ops", description: "Health, readiness, metrics, stats" },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "A publisher API key (TICKWIRE_API_KEYS): `Authorization: Bearer <key>`." },
          operatorToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A client token of tier operator (what the ops page sends)." },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const documented = (underPath(url, API_BASE) && url !== OPENAPI_PATH) || OPS_PATHS.has(url);
      if (!documented) return { schema: { ...schema, hide: true }, url };
      const { responses, ...rest } = (schema ?? {}) as Record<string, unknown>;
      const auth = routeAuth(url, route.config as { auth?: RouteAuth } | undefined);
      const security = auth === "public" ? [] : auth === "apiKey" ? [{ apiKey: [] }] : [{ apiKey: [] }, { operatorToken: [] }];
      return { schema: { ...rest, ...(responses ? { response: responses } : {}), security } as never, url: publicPath(url, apiPrefix, attached) };
    },
  });
  app.get(OPENAPI_PATH, { config: { auth: "public" }, schema: { hide: true } }, async () => app.swagger());
}
