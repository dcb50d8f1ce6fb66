import { Agent, request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERRORS, isErrorCode } from "@tickwire/protocol";
import type { Gateway } from "@tickwire/server";
import { API_KEY, record, TestBed } from "../helpers.js";
import { nestedJson } from "../hardening/hostile.js";
import { fuzzParameters, hostileString, hostileValue, nearValidPayload, withOwnKey } from "./arbitraries.js";

// Property-based over every HTTP route with hostile paths, queries, headers and
// bodies. For every request: no 500, every error in the one shape with a
// registry code whose status is the response's, nothing published on refusal,
// no unhandled rejection, and a subscriber of the same server keeps receiving
// a publisher's stream in order.
const bed = new TestBed();
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

let gw: Gateway;
let seen: ReturnType<typeof record>;
let good = 0;
let requests = 0;

interface Request {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer | undefined;
}

interface Response {
  readonly status: number;
  readonly type: string;
  readonly text: string;
}

function send(req: Request): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, ...(req.body === undefined ? {} : { "content-length": String(Buffer.byteLength(req.body)) }) };
    const r = httpRequest({ agent, host: "127.0.0.1", port: gw.port, method: req.method, path: req.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    r.on("error", reject);
    r.end(req.body);
  });
}

/** A path segment: channel-like, percent-encoded, malformed encodings, traversal, very long. */
const segment: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x"))),
  fc.constantFrom("%", "%E0%A4%A", "%zz", "%00", "..%2f..%2fetc%2fpasswd", "%2e%2e", "a%2Fb", "trades%3Aalice", "%61pi", "x".repeat(600), `longkeys:${"k".repeat(151)}`),
);

/** A query: the routes' own parameters with hostile values, and junk. */
const query: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.constantFrom("since", "limit", "userId", "unreadOnly", "before", "__proto__", "x"), fc.oneof(segment, fc.integer().map(String))), { maxLength: 4 })
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));

const route: fc.Arbitrary<{ method: string; path: string }> = fc.oneof(
  fc.constantFrom(
    { method: "POST", path: "/api/v1/publish" },
    { method: "POST", path: "/api/v1/publish/batch" },
    { method: "POST", path: "/api/v1/notifications" },
    { method: "GET", path: "/api/v1/notifications" },
    { method: "GET", path: "/api/v1/stats" },
    { method: "GET", path: "/healthz" },
    { method: "GET", path: "/readyz" },
    { method: "GET", path: "/metrics" },
    { method: "GET", path: "/api/v1/dev/token" },
    { method: "GET", path: "/" },
  ),
  segment.map((s) => ({ method: "GET", path: `/api/v1/channels/${s}/history` })),
  segment.map((s) => ({ method: "POST", path: `/api/v1/users/${s}/disconnect` })),
  fc.tuple(fc.constantFrom("subscribe", "unsubscribe"), segment).map(([action, s]) => ({ method: "POST", path: `/api/v1/users/${s}/${action}` })),
  fc.tuple(fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"), fc.array(segment, { minLength: 1, maxLength: 4 })).map(([method, parts]) => ({ method, path: `/${parts.join("/")}` })),
  fc.tuple(fc.constantFrom("GET", "POST", "OPTIONS"), segment).map(([method, s]) => ({ method, path: `/api/v1/${s}` })),
);

/** A JSON body near a route's own, or hostile. */
const body: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ channel: hostileString, data: hostileValue, event: fc.option(hostileString, { nil: undefined }), idempotencyKey: fc.option(hostileString, { nil: undefined }) }, { requiredKeys: ["channel"] }).map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.array(fc.record({ channel: hostileString, data: hostileValue }), { maxLength: 5 }).map((items) => JSON.stringify({ items })) },
  { weight: 1, arbitrary: fc.array(fc.oneof(hostileString, fc.constantFrom("signals", "trades", "quotes:AAPL", "feed:fund")), { maxLength: 5 }).map((channels) => JSON.stringify({ channels })) },
  { weight: 2, arbitrary: fc.record({ userId: hostileString, userIds: fc.array(hostileString, { maxLength: 3 }), type: hostileString, message: hostileString, title: hostileString, data: hostileValue, actionUrl: hostileString, dedupKey: hostileString }, { requiredKeys: [] }).map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.oneof(hostileValue, nearValidPayload).map((v) => JSON.stringify(v) ?? "null") },
  { weight: 1, arbitrary: fc.integer({ min: 30, max: 6000 }).map((d) => `{"channel":"signals:acme","data":${nestedJson(d)}}`) },
  { weight: 1, arbitrary: fc.constantFrom("{not json", "", "[", "\u0000", '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', JSON.stringify(withOwnKey("__proto__", 1))) },
  // Bodies of raw bytes around the limits; the largest are rare, they cost the most to send.
  { weight: 1, arbitrary: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 70_000 }) }, { weight: 1, arbitrary: fc.constantFrom(8 * 1024 * 1024, 8 * 1024 * 1024 + 1) }).map((n) => Buffer.alloc(n, 0x61)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const headers: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      authorization: fc.constantFrom(`Bearer ${API_KEY}`, `Bearer ${API_KEY}`, `Bearer ${API_KEY}`, "Bearer wrong", "Basic abc", "Bearer", "a.b.c"),
      "content-type": fc.constantFrom("application/json", "application/json", "text/plain", "application/json; charset=utf-16", "multipart/form-data"),
      origin: fc.constantFrom("https://app.example", "null", "https://evil.example"),
      "access-control-request-method": fc.constantFrom("POST", "GET", "BREW"),
      "x-trace-id": fc.oneof(hostileString.map((s) => s.replace(/[^\x21-\x7e]/g, "")), fc.constant("abc")),
      "x-forwarded-for": fc.constantFrom("203.0.113.7", "1.1.1.1, 2.2.2.2", "garbage"),
      "x-big": fc.integer({ min: 1, max: 20_000 }).map((n) => "b".repeat(n)),
    },
    { requiredKeys: ["authorization"] },
  )
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

beforeAll(async () => {
  process.on("unhandledRejection", onRejection);
  gw = await bed.gateway({ maxAuthFailuresPerMinute: 1_000_000, corsOrigins: ["https://app.example"] });
  const alice = await bed.connectAs(gw, "alice", "participant");
  seen = record(alice, "signal:new");
  expect(await alice.emitWithAck("subscribe", { channels: ["signals:acme"] })).toMatchObject({ ok: true, failed: [] });
});

afterAll(async () => {
  process.off("unhandledRejection", onRejection);
  agent.destroy();
  await bed.cleanup();
});

describe("fuzzing every HTTP route", () => {
  it("answers every hostile request without a 500, every error in the one shape, and changes nothing on refusal", async () => {
    await fc.assert(
      fc.asyncProperty(route, query, headers, body, async ({ method, path }, q, h, b) => {
        requests++;
        if (requests % 5 === 0) {
          const res = await send({ method: "POST", path: "/api/v1/publish", headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ channel: "signals:acme", data: { providerId: "acme", n: ++good } }) });
          expect(res.status).toBe(200);
        }
        const before = sum(gw.metrics.totals.publications);
        const withBody = method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
        const res = await send({ method, path: path + q, headers: h, body: withBody ? b : undefined });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400 && method !== "HEAD") {
          expect(res.type).toMatch(/^application\/json/);
          const error = JSON.parse(res.text) as Record<string, unknown>;
          expect(Object.keys(error).sort()).toEqual(["code", "message", "statusCode"]);
          expect(isErrorCode(error.code)).toBe(true);
          expect(error.statusCode).toBe(res.status);
          expect(ERRORS[error.code as keyof typeof ERRORS].status).toBe(res.status);
          expect(typeof error.message).toBe("string");
          // A refused request publishes nothing.
          expect(sum(gw.metrics.totals.publications)).toBe(before);
        }
      }),
      fuzzParameters(150),
    );

    // The subscriber got every publication of the well-behaved publisher, in order (hostile ones may sit between).
    await expect.poll(() => seen.filter((e) => (e.payload as { providerId?: unknown }).providerId === "acme" && typeof (e.payload as { n?: unknown }).n === "number").length, { timeout: 10_000 }).toBeGreaterThanOrEqual(good);
    const ours = seen.filter((e) => Object.keys(e.payload as object).join() === "providerId,n").map((e) => (e.payload as { n: number }).n);
    expect(ours).toEqual(Array.from({ length: good }, (_, i) => i + 1));
    const offsets = seen.map((e) => e.meta.offset as number);
    expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i + 1));
    expect(rejections).toEqual([]);
    expect((await send({ method: "GET", path: "/healthz", headers: {} })).status).toBe(200);
    process.stdout.write(`[fuzz] HTTP routes: ${requests} requests\n`);
  }, 3_600_000);
});
