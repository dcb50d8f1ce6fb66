import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, optionsFromEnv, resolveOptions } from "@tickwire/server";
import { API_KEY, TestBed } from "../helpers.js";

// Hardening review, defect 4: the API-key lockout was bypassed with a
// percent-encoded path, and behind a proxy one client locked out every publisher.
const bed = new TestBed();
afterEach(() => bed.cleanup());

async function get(url: string, key: string, forwardedFor?: string): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (forwardedFor !== undefined) headers["x-forwarded-for"] = forwardedFor;
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json() };
}

const LOCKED = { status: 429, body: { statusCode: 429, code: "RATE_LIMITED", message: "Too many refused credentials from this address; wait a minute." } };
const REFUSED = { status: 401, body: { statusCode: 401, code: "UNAUTHORIZED", message: "Unknown API key." } };

describe("the API-key lockout", () => {
  it("counts refused keys on the decoded path: percent-encoding a route does not escape it", async () => {
    const gw = await bed.gateway({ maxAuthFailuresPerMinute: 3 });
    for (const path of ["/%61pi/v1/stats", "/api/v1/%73tats", "/%61%70%69/v1/stats", "/api/v1/stat%73"]) {
      expect(await get(gw.url + path, "guess")).toEqual(REFUSED);
    }
    for (const path of ["/api/v1/stats", "/%61pi/v1/stats", "/api/v1/channels/trades:alice/history"]) {
      expect(await get(gw.url + path, API_KEY)).toEqual(LOCKED);
    }
  });

  it("keys the lockout on the client address given by a trusted proxy, so one client does not lock out the others", async () => {
    const gw = await bed.gateway({ maxAuthFailuresPerMinute: 3, trustedProxies: ["127.0.0.1"] });
    const stats = `${gw.url}/api/v1/stats`;
    for (let i = 0; i < 4; i++) expect(await get(stats, `guess-${i}`, "203.0.113.7")).toEqual(REFUSED);
    expect(await get(stats, API_KEY, "203.0.113.7")).toEqual(LOCKED);
    // Through a second proxy the client is still the rightmost untrusted address.
    expect(await get(stats, API_KEY, "198.51.100.1, 203.0.113.7")).toEqual(LOCKED);
    // Everyone else behind the same proxy, and the proxy itself, carry on.
    expect((await get(stats, API_KEY, "203.0.113.8")).status).toBe(200);
    expect((await get(stats, API_KEY, "203.0.113.7, 203.0.113.8")).status).toBe(200);
    expect((await get(stats, API_KEY)).status).toBe(200);
  });

  it("ignores X-Forwarded-For from an address that is not a trusted proxy", async () => {
    const gw = await bed.gateway({ maxAuthFailuresPerMinute: 3 });
    const stats = `${gw.url}/api/v1/stats`;
    for (let i = 0; i < 4; i++) expect(await get(stats, "guess", `203.0.113.${i}`)).toEqual(REFUSED);
    expect(await get(stats, API_KEY, "198.51.100.99")).toEqual(LOCKED);
  });

  it("reads TICKWIRE_TRUSTED_PROXIES and refuses what is not an address, a CIDR range or a named range", () => {
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_TRUSTED_PROXIES: "10.0.0.0/8, 192.168.1.7,::1,loopback" })).options.trustedProxies).toEqual([
      "10.0.0.0/8",
      "192.168.1.7",
      "::1",
      "loopback",
    ]);
    expect(resolveOptions({}).options.trustedProxies).toEqual([]);
    expect(() => resolveOptions(optionsFromEnv({ TICKWIRE_TRUSTED_PROXIES: "10.0.0.0/33,proxy.example" }))).toThrow(ConfigError);
    try {
      resolveOptions(optionsFromEnv({ TICKWIRE_TRUSTED_PROXIES: "10.0.0.0/33,proxy.example" }));
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        'trustedProxies entry "10.0.0.0/33" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal.',
        'trustedProxies entry "proxy.example" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal.',
      ]);
    }
  });
});
