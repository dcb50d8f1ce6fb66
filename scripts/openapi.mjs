// Builds docs/openapi.json, the OpenAPI 3.1 document of the HTTP API, from the route
// schemas of a real gateway (@fastify/swagger over the protocol's TypeBox schemas), with
// the default options: the API under /api/v1. `npm run docs` rewrites it;
// packages/server/test/core/openapi.test.ts fails when the committed document differs
// from what the gateway serves at /api/v1/openapi.json.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The document a gateway of the built server package serves with the default prefix. */
export async function openApiDocument(server) {
  const dataDir = mkdtempSync(join(tmpdir(), "tickwire-openapi-"));
  const gateway = await server.createGateway({ port: 0, host: "127.0.0.1", dataDir, jwtSecret: "openapi-document-secret", apiKeys: ["openapi"], simulator: false, logLevel: "silent" });
  try {
    await gateway.listen();
    return gateway.http.swagger();
  } finally {
    await gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// `node scripts/openapi.mjs`: rewrite docs/openapi.json from the built server package.
if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await import("../packages/server/dist/index.js");
  writeFileSync("docs/openapi.json", `${JSON.stringify(await openApiDocument(server), null, 2)}\n`);
  process.stdout.write("updated docs/openapi.json\n");
}
