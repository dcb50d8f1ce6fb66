import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterEach, describe, expect, it } from "vitest";
import { attach, type Gateway, type GatewayComponent } from "@tickwire/server";
import { API_KEY, SECRET, TestBed } from "../helpers.js";

type Operation = { security?: Array<Record<string, string[]>>; responses: Record<string, { content?: Record<string, { schema: object }> }>; parameters?: Array<{ in: string; name: string }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const bed = new TestBed();
afterEach(() => bed.cleanup());

const committed = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../../../docs/openapi.json"), "utf8")) as Document;

async function served(gw: Gateway, path = "/api/v1/openapi.json"): Promise<Document> {
  const res = await fetch(gw.url + path); // public: no key
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

/** `METHOD /fastify/:path` of every operation of a document whose paths start with `prefix` (mapped back onto /api/v1). */
function operations(doc: Document, prefix = "/api/v1"): string[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(prefix, "/api/v1").replace(/\{(\w+)\}/g, ":$1")}`),
  );
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
/** Checks a real reply against the document's 200 schema of that operation. */
function expectDocumented(doc: Document, method: string, path: string, status: number, body: unknown): void {
  const schema = doc.paths[path]?.[method]?.responses[String(status)]?.content?.["application/json"]?.schema;
  expect(schema, `${method} ${path} ${status} is documented`).toBeDefined();
  const validate = ajv.compile(schema!);
  expect(validate(body) ? [] : validate.errors, `${method} ${path} ${status}`).toEqual([]);
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document, served at /api/v1/openapi.json without a key, the same as docs/openapi.json", async () => {
    const gw = await bed.gateway();
    const doc = await served(gw);
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator();
    expect(await validator.validate(doc as never)).toEqual({ valid: true });
    expect(validator.version).toBe("3.1");
    // `npm run docs` writes docs/openapi.json; a route or schema changed without it fails here.
    expect(doc).toEqual(committed);
  });

  it("lists every route of the API and the ops endpoints, and nothing the gateway does not serve", async () => {
    const gw = await bed.gateway();
    const documented = operations(await served(gw)).sort();
    const api = [...gw.httpRoutes].filter((r) => /^\w+ \/api\//.test(r) || /^GET \/(healthz|readyz|metrics)$/.test(r));
    expect(documented).toEqual(api.filter((r) => r !== "GET /api/v1/openapi.json").sort());
    expect(documented).toEqual(
      expect.arrayContaining(["POST /api/v1/publish", "POST /api/v1/publish/batch", "GET /api/v1/channels/:channel/history", "POST /api/v1/users/:userId/disconnect", "POST /api/v1/notifications", "GET /api/v1/notifications", "GET /api/v1/stats"]),
    );
  });

  it("says which operations need a key, as the gateway enforces it: 401 in the one shape without one", async () => {
    const gw = await bed.gateway();
    const doc = await served(gw);
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const url = gw.url + path.replace("{channel}", "quotes%3AAAPL").replace("{userId}", "alice");
        const res = await fetch(url, { method: method.toUpperCase() });
        const body = (await res.text()).slice(0, 300);
        if ((op.security ?? []).length > 0) expect({ path, method, status: res.status, body: JSON.parse(body) }).toEqual({ path, method, status: 401, body: { statusCode: 401, code: "UNAUTHORIZED", message: "Send Authorization: Bearer <api key>." } });
        else expect({ path, method, status: res.status }).not.toEqual({ path, method, status: 401 });
      }
    }
  });

  it("describes the replies the gateway really sends", async () => {
    const gw = await bed.gateway();
    const doc = await served(gw);
    const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(gw.url + path, { method, headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text() };
    };
    const cases: Array<[string, string, string, unknown?]> = [
      ["post", "/api/v1/publish", "/api/v1/publish", { channel: "trades:alice", data: { tradeId: "t1" } }],
      ["post", "/api/v1/publish/batch", "/api/v1/publish/batch", { items: [{ channel: "signals", data: { s: 1 } }, { channel: "nope:x", data: {} }] }],
      ["get", "/api/v1/channels/{channel}/history", "/api/v1/channels/trades%3Aalice/history?since=0&limit=10", undefined],
      ["post", "/api/v1/users/{userId}/disconnect", "/api/v1/users/alice/disconnect", undefined],
      ["post", "/api/v1/notifications", "/api/v1/notifications", { userId: "alice", type: "order.filled", message: "Filled" }],
      ["get", "/api/v1/notifications", "/api/v1/notifications?userId=alice&limit=5", undefined],
      ["get", "/api/v1/stats", "/api/v1/stats", undefined],
      ["get", "/healthz", "/healthz", undefined],
      ["get", "/readyz", "/readyz", undefined],
    ];
    for (const [method, path, url, body] of cases) {
      const reply = await call(method.toUpperCase(), url, body);
      expect({ url, status: reply.status }).toEqual({ url, status: 200 });
      expectDocumented(doc, method, path, 200, reply.body);
    }
    const history = await call("GET", "/api/v1/channels/trades%3Aalice/history?limit=0");
    expect(history.body).toEqual({ statusCode: 400, code: "BAD_REQUEST", message: "limit must be a whole number from 1 to 1000." });
    expectDocumented(doc, "get", "/api/v1/channels/{channel}/history", 400, history.body);
  });

  it("lists the paths clients call: under another apiPrefix, and with the ops endpoints under it when attached", async () => {
    const own = await bed.gateway({ apiPrefix: "/rt/v2" });
    const ownDoc = await served(own, "/rt/v2/openapi.json");
    expect(Object.keys(ownDoc.paths).sort()).toEqual(Object.keys(committed.paths).map((p) => p.replace("/api/v1", "/rt/v2")).sort());
    expect((await fetch(`${own.url}/api/v1/openapi.json`)).status).toBe(404);

    const server = createServer((_req, res) => res.end("app"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const gw = await attach(server, { dataDir: bed.tempDir(), jwtSecret: SECRET, apiKeys: [API_KEY], logLevel: "silent", apiPrefix: "/realtime" });
    try {
      const doc = await served(gw, "/realtime/openapi.json");
      expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(committed.paths).map((p) => (p.startsWith("/api/v1") ? p.replace("/api/v1", "/realtime") : `/realtime${p}`)).sort());
      expect(operations(doc, "/realtime").map((o) => o.replace(/^GET \/api\/v1\/(healthz|readyz|metrics)$/, "GET /$1")).sort()).toEqual(operations(committed).sort());
    } finally {
      await gw.close();
      await new Promise((r) => server.close(r));
    }
  });
});

describe("API-key auth of the HTTP API", () => {
  it("protects a route a component adds under /api/ unless its config says public", async () => {
    const extra: GatewayComponent = {
      name: "extra",
      register: (gw) => {
        gw.http.get("/api/v1/extra/private", async () => ({ private: true }));
        gw.http.get("/api/v1/extra/public", { config: { auth: "public" } }, async () => ({ public: true }));
      },
      start: async () => {},
      stop: async () => {},
    };
    const gw = await bed.gateway({}, { components: [extra] });
    const get = async (path: string, key?: string) => {
      const res = await fetch(gw.url + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
      return { status: res.status, body: await res.json() };
    };
    expect(await get("/api/v1/extra/private")).toEqual({ status: 401, body: { statusCode: 401, code: "UNAUTHORIZED", message: "Send Authorization: Bearer <api key>." } });
    expect(await get("/api/v1/extra/private", "wrong")).toEqual({ status: 401, body: { statusCode: 401, code: "UNAUTHORIZED", message: "Unknown API key." } });
    expect(await get("/api/v1/extra/private", API_KEY)).toEqual({ status: 200, body: { private: true } });
    expect(await get("/api/v1/extra/public")).toEqual({ status: 200, body: { public: true } });
    // And it is in the document, with its security.
    const doc = await served(gw);
    expect(doc.paths["/api/v1/extra/private"]?.get?.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths["/api/v1/extra/public"]?.get?.security).toEqual([]);
  });

  it("answers 401 before reading the body: a bad body without a key is 401, with a key 400", async () => {
    const gw = await bed.gateway();
    const post = async (key?: string) => {
      const res = await fetch(`${gw.url}/api/v1/publish`, { method: "POST", headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: "{not json" });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    };
    expect(await post()).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect(await post(API_KEY)).toEqual({ status: 400, code: "BAD_REQUEST" });
  });
});
