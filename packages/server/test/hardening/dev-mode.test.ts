import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createGateway, resolveOptions, type Gateway } from "@tickwire/server";
import { TestBed } from "../helpers.js";

const bed = new TestBed();
const extra: Gateway[] = [];
afterEach(async () => {
  await Promise.all(extra.splice(0).map((g) => g.close()));
  await bed.cleanup();
});

/** GET /api/v1/dev/token with the given headers. */
async function devToken(gw: Gateway, headers: Record<string, string> = {}): Promise<{ status: number; body: any; cors: string | null }> {
  const res = await fetch(`${gw.url}/api/v1/dev/token`, { headers });
  return { status: res.status, body: await res.json(), cors: res.headers.get("access-control-allow-origin") };
}

const devGateway = (options: Record<string, unknown> = {}): Promise<Gateway> => bed.gateway({ jwtSecret: undefined, apiKeys: [], ...options });

describe("dev mode", () => {
  it("binds the loopback interface unless a host is given; production keeps 0.0.0.0", async () => {
    expect(resolveOptions({}).options.host).toBe("127.0.0.1");
    expect(resolveOptions({ host: "0.0.0.0" }).options.host).toBe("0.0.0.0");
    expect(resolveOptions({ mode: "production", jwtSecret: "0123456789abcdef0123", apiKeys: ["k"] }).options.host).toBe("0.0.0.0");
    const gw = await createGateway({ port: 0, simulator: false, logLevel: "silent", dataDir: bed.tempDir() });
    extra.push(gw);
    await gw.listen();
    expect(gw.devMode).toBe(true);
    expect((gw.http.server.address() as AddressInfo).address).toBe("127.0.0.1");
  });

  it("hands the demo token to same-origin requests from this machine, with no CORS header", async () => {
    const gw = await devGateway();
    const host = new URL(gw.url).host;
    const variants: Array<Record<string, string>> = [{}, { origin: `http://${host}`, "sec-fetch-site": "same-origin" }, { "sec-fetch-site": "none" }];
    for (const headers of variants) {
      const res = await devToken(gw, headers);
      expect(res).toEqual({ status: 200, body: { token: expect.any(String), userId: "demo", tier: "operator" }, cors: null });
    }
  });

  it("refuses another origin with FORBIDDEN and reflects no origin, while other routes keep dev mode's open CORS", async () => {
    const gw = await devGateway();
    const refused = { status: 403, body: { statusCode: 403, code: "FORBIDDEN", message: "The demo token is handed out only to same-origin requests." }, cors: null };
    expect(await devToken(gw, { origin: "https://evil.example" })).toEqual(refused);
    expect(await devToken(gw, { origin: "https://evil.example", "sec-fetch-site": "cross-site" })).toEqual(refused);
    // A page on another port of this machine is another origin too.
    expect(await devToken(gw, { origin: "http://127.0.0.1:1" })).toEqual(refused);
    expect(await devToken(gw, { "sec-fetch-site": "same-site" })).toEqual(refused);
    expect(await devToken(gw, { origin: "null" })).toEqual(refused);
    const health = await fetch(`${gw.url}/healthz`, { headers: { origin: "https://evil.example" } });
    expect(health.headers.get("access-control-allow-origin")).toBe("https://evil.example");
  });

  it("refuses a client that is not on the loopback interface (X-Forwarded-For from a trusted proxy)", async () => {
    const gw = await devGateway({ trustedProxies: ["loopback"] });
    expect(await devToken(gw, { "x-forwarded-for": "203.0.113.5" })).toEqual({
      status: 403,
      body: { statusCode: 403, code: "FORBIDDEN", message: "The demo token is handed out only on this machine (loopback); sign one with `npx tickwire token`." },
      cors: null,
    });
    expect((await devToken(gw, { "x-forwarded-for": "127.0.0.1" })).status).toBe(200);
  });
});
