import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { NamespaceDefinition } from "@tickwire/protocol";
import type { Gateway } from "@tickwire/server";
import { api, API_KEY, TestBed } from "../helpers.js";

// Hardening review, defect 6, the HTTP part: error bodies of Fastify and of
// Node's HTTP parser were not `{ statusCode, code, message }`, and the history
// route answered Fastify's own 414 for valid channel names over 100 characters.
const bed = new TestBed();
afterEach(() => bed.cleanup());

/** A namespace whose keys have no pattern, so a channel may be as long as the protocol allows. */
const LONG_KEYS: NamespaceDefinition = {
  name: "longkeys",
  event: "longkeys:event",
  access: "any",
  key: "required",
  minTier: "navigator",
  kind: "event",
  history: { size: 10, ttlMs: 60_000 },
  description: "Keys without a pattern, for tests of long channel names.",
};

/** A request with a raw path (fetch would normalise it). */
function rawGet(gw: Gateway, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: gw.port, path, method, headers: { authorization: `Bearer ${API_KEY}`, ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text === "" ? text : JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Writes raw bytes to the server and resolves with the whole response text. */
function rawExchange(gw: Gateway, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.port, "127.0.0.1", () => socket.write(bytes));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (text += d));
    socket.on("end", () => resolve(text));
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
  });
}

function bodyOf(response: string): unknown {
  return JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4));
}

describe("error bodies from every layer", () => {
  it("serves the history of every valid channel name, up to 160 characters, percent-encoded or not", async () => {
    const gw = await bed.gateway({ namespaces: [LONG_KEYS] });
    const owner = `u${"x".repeat(127)}`;
    const longest = `longkeys:${"k".repeat(151)}`;
    expect(longest).toHaveLength(160);
    for (const channel of [`trades:${owner}`, longest]) {
      expect((await api(gw, "POST", "/api/v1/publish", { channel, data: { n: 1 } })).status).toBe(200);
      for (const path of [channel, encodeURIComponent(channel), channel.replace(/k/g, "%6B")]) {
        const res = await rawGet(gw, `/api/v1/channels/${path}/history`);
        expect(res).toMatchObject({ status: 200, body: { offset: 1, publications: [{ offset: 1, data: { n: 1 } }] } });
      }
    }
    expect(await rawGet(gw, `/api/v1/channels/longkeys:${"k".repeat(152)}/history`)).toEqual({
      status: 400,
      headers: expect.anything(),
      body: { statusCode: 400, code: "BAD_REQUEST", message: "A channel is a string of 1 to 160 characters." },
    });
    expect(await rawGet(gw, `/api/v1/channels/${"k".repeat(5000)}/history`)).toEqual({
      status: 400,
      headers: expect.anything(),
      body: { statusCode: 400, code: "BAD_REQUEST", message: "A path parameter is longer than 480 characters." },
    });
  });

  it("answers a URL with bad percent-encoding 400 in the one shape", async () => {
    const gw = await bed.gateway();
    for (const path of ["/api/v1/channels/%E0%A4%A/history", "/api/v1/channels/%/history", "/%zz"]) {
      expect(await rawGet(gw, path)).toMatchObject({
        status: 400,
        body: { statusCode: 400, code: "BAD_REQUEST", message: "The URL is not valid: it has a malformed percent-encoding." },
      });
    }
  });

  it("answers a CORS preflight without Origin 400 in the one shape, and a good preflight as before", async () => {
    const gw = await bed.gateway({ corsOrigins: ["https://app.example"] });
    expect(await rawGet(gw, "/api/v1/publish", { "access-control-request-method": "POST" }, "OPTIONS")).toMatchObject({
      status: 400,
      body: { statusCode: 400, code: "BAD_REQUEST", message: "A CORS preflight request needs an Origin header." },
    });
    const good = await rawGet(gw, "/api/v1/publish", { origin: "https://app.example", "access-control-request-method": "POST" }, "OPTIONS");
    expect(good.status).toBe(204);
    expect(good.headers["access-control-allow-origin"]).toBe("https://app.example");
  });

  it("answers headers over Node's limit 431, and a request the parser cannot read 400, both in the one shape", async () => {
    const gw = await bed.gateway();
    const huge = await rawExchange(gw, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge.toLowerCase()).toContain("content-type: application/json");
    expect(bodyOf(huge)).toEqual({ statusCode: 431, code: "HEADERS_TOO_LARGE", message: "The request line and headers are larger than the server accepts (16384 bytes)." });
    const garbage = await rawExchange(gw, "NOT A REQUEST\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(garbage)).toEqual({ statusCode: 400, code: "BAD_REQUEST", message: "The request could not be parsed as HTTP/1.1." });
    // The server is fine afterwards.
    expect((await api(gw, "GET", "/healthz")).status).toBe(200);
  });
});
