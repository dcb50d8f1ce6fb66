import { describe, expect, it } from "vitest";
import type { ConnectionState } from "../src/index.js";
import { fakeToken } from "./support/fake-gateway.js";
import { useHarness } from "./support/harness.js";
import { waitFor } from "./support/wait-for.js";

describe("token renewal", () => {
  const h = useHarness();

  it("calls getToken again before expiry and hands the new token to the server with auth:refresh", async () => {
    const gw = await h.gateway();
    const issued = [fakeToken({ sub: "alice", ttlSeconds: 2 }), fakeToken({ sub: "alice", ttlSeconds: 3600 })];
    let calls = 0;
    const client = h.client(gw, { getToken: async () => issued[Math.min(calls++, 1)]! });
    const refreshed: { token: string }[] = [];
    client.on("token", (t) => refreshed.push(t));
    await waitFor("second token", () => refreshed.length === 2);
    await waitFor("auth:refresh", () => gw.requests.find((r) => r.event === "auth:refresh"));

    expect({ calls, refreshed, requests: gw.requests.filter((r) => r.event === "auth:refresh") }).toEqual({
      calls: 2,
      refreshed: [{ token: issued[0] }, { token: issued[1] }],
      requests: [{ event: "auth:refresh", payload: { token: issued[1] } }],
    });
    expect(client.state).toBe("connected");
  });

  it("fetches a new token and reconnects after an UNAUTHORIZED refusal", async () => {
    const gw = await h.gateway();
    const stale = fakeToken({ sub: "alice" });
    const fresh = fakeToken({ sub: "alice" });
    gw.refusedTokens.add(stale);
    const handed = [stale, fresh];
    const client = h.client(gw, { getToken: () => handed.shift() ?? fresh });
    const states: ConnectionState[] = [];
    const errors: unknown[] = [];
    client.on("state", (s) => states.push(s));
    client.on("error", (e) => errors.push({ code: e.code, message: e.message }));
    await waitFor("connected", () => client.state === "connected");

    expect({ states, errors, handed }).toEqual({
      states: ["connected"], // it was "connecting" from the start
      errors: [{ code: "UNAUTHORIZED", message: "Your token is missing, malformed, expired or badly signed." }],
      handed: [],
    });
  });

  it("stays disconnected when a fixed token is refused, since it cannot be renewed", async () => {
    const gw = await h.gateway();
    const token = fakeToken({ sub: "alice" });
    gw.refusedTokens.add(token);
    const client = h.client(gw, { token });
    const errors: string[] = [];
    client.on("error", (e) => errors.push(e.code));
    await waitFor("disconnected", () => client.state === "disconnected");
    expect(errors).toEqual(["UNAUTHORIZED"]);
  });

  it("recovers when getToken first hands out an already expired token", async () => {
    const gw = await h.gateway();
    const expired = fakeToken({ sub: "alice", iat: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 3600 });
    const fresh = fakeToken({ sub: "alice" });
    const handed = [expired, fresh];
    const client = h.client(gw, { getToken: () => handed.shift()! });
    await waitFor("connected", () => client.state === "connected");
    expect(handed).toEqual([]);
  });
});
