import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import { underPath } from "../config/resolve-options.js";

/** The base under which the HTTP API's routes are registered; `apiPrefix` is mapped onto it. */
export const API_BASE = "/api/v1";
/** Where a request for the unprefixed API goes when the API has another prefix: nowhere (404). */
const UNMOUNTED = "/~unmounted";
/** The ops endpoints; attached to an app's server they are served under the API prefix. */
const OPS_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The path of a request URL (no query string). */
export function pathOf(url: string): string {
  const i = url.search(/[?#]/);
  return i === -1 ? url : url.slice(0, i);
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Fastify's `rewriteUrl` for an API prefix other than `/api/v1`, or for a
 * gateway attached to an app's server: `{apiPrefix}/publish` is routed as
 * `/api/v1/publish`, and `/api/v1/…` itself is then not served. Attached, the
 * ops endpoints are `{apiPrefix}/healthz`, `/readyz`, `/metrics`. Undefined when
 * nothing needs rewriting.
 */
export function prefixRewriter(apiPrefix: string, attached: boolean): ((req: { url?: string }) => string) | undefined {
  if (apiPrefix === API_BASE && !attached) return undefined;
  return (req) => {
    const url = req.url ?? "/";
    const path = pathOf(url);
    const tail = url.slice(path.length);
    if (underPath(path, apiPrefix)) {
      const rest = path.slice(apiPrefix.length);
      if (attached && OPS_PATHS.has(rest)) return rest + tail;
      return API_BASE + rest + tail;
    }
    if (apiPrefix !== API_BASE && (underPath(decodedPath(path), API_BASE) || (attached && OPS_PATHS.has(decodedPath(path))))) return UNMOUNTED + url;
    return url;
  };
}

/**
 * Puts the gateway's HTTP API in front of an app's own request listeners on
 * the app's server: requests under `apiPrefix` go to `handler` (and `track`,
 * for the graceful shutdown), every other request to the app's listeners as
 * before. Returns what undoes it: the server's `request` and `upgrade`
 * listeners become those it had before (Socket.IO's, added after this, go too).
 */
export function mountOnServer(server: HttpServer, apiPrefix: string, handler: RequestListener, track: (req: IncomingMessage, res: ServerResponse) => void): () => void {
  const original = { request: server.listeners("request"), upgrade: server.listeners("upgrade") };
  server.removeAllListeners("request");
  const dispatch: RequestListener = (req, res) => {
    if (underPath(decodedPath(pathOf(req.url ?? "/")), apiPrefix)) {
      track(req, res);
      handler(req, res);
      return;
    }
    for (const listener of original.request) (listener as RequestListener).call(server, req, res);
  };
  server.on("request", dispatch);
  return () => {
    for (const event of ["request", "upgrade"] as const) {
      server.removeAllListeners(event);
      for (const listener of original[event]) server.on(event, listener as (...args: unknown[]) => void);
    }
  };
}
