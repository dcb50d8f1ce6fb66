import { generateKeyPairSync } from "node:crypto";
import { SignJWT, exportJWK } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { SECRET, TestBed, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

async function hs256(claims: Record<string, unknown>, secret = SECRET, exp: number | string = "1h"): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(String(claims.sub ?? "alice")).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));
}

describe("connecting", () => {
  it("sends `connected` with the user, tier, features and limits", async () => {
    const gw = await bed.gateway();
    const { connected } = await bed.connect(gw, { token: await bed.token(gw, "alice", "builder") });
    expect(connected).toEqual({
      userId: "alice",
      tier: "builder",
      message: "Connected to Tickwire",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      server_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      api_version: "1",
      features: ["quotes", "trades", "portfolio", "notifications", "signals", "ai", "metrics", "feed", "board", "rooms"],
      limits: { maxSubscriptions: 200, maxConnectionsPerUser: 5 },
      resumed: false,
    });
  });

  it("gives a token without a tier the navigator tier and its features", async () => {
    const gw = await bed.gateway();
    const { connected } = await bed.connect(gw, { token: await hs256({ sub: "nav" }) });
    expect(connected).toMatchObject({ userId: "nav", tier: "navigator", features: ["quotes", "trades", "portfolio", "notifications", "metrics", "feed", "board", "rooms"], limits: { maxSubscriptions: 10 } });
  });

  it("works over long-polling as well as websocket", async () => {
    const gw = await bed.gateway();
    const { socket, connected } = await bed.connect(gw, { token: await bed.token(gw, "poller") }, { transports: ["polling"] });
    expect(connected.userId).toBe("poller");
    const reply = await socket.emitWithAck("ping", { timestamp: 1 });
    expect(reply).toMatchObject({ ok: true, client_timestamp: 1 });
  });

  it.each([
    ["no credentials", {}, "No credentials"],
    ["an empty token", { token: "" }, "No token"],
    ["a token that is not a JWT", { token: "not-a-jwt" }, "not a JWT"],
    ["a number as token", { token: 42 }, "not a JWT"],
  ])("refuses %s with UNAUTHORIZED", async (_name, auth, text) => {
    const gw = await bed.gateway();
    const err = await bed.refused(gw, auth);
    expect(err.data).toEqual({ code: "UNAUTHORIZED", message: expect.stringContaining(text) });
    expect(err.message).toBe(err.data!.message);
  });

  it("refuses an expired token, a badly signed token and an unsigned token", async () => {
    const gw = await bed.gateway();
    const expired = await hs256({ sub: "alice" }, SECRET, Math.floor(Date.now() / 1000) - 10);
    expect((await bed.refused(gw, { token: expired })).data).toEqual({ code: "UNAUTHORIZED", message: "The token has expired." });
    const forged = await hs256({ sub: "alice", tier: "operator" }, "another-secret-another-secret");
    expect((await bed.refused(gw, { token: forged })).data?.code).toBe("UNAUTHORIZED");
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const body = Buffer.from(JSON.stringify({ sub: "alice", tier: "operator" })).toString("base64url");
    expect((await bed.refused(gw, { token: `${header}.${body}.` })).data?.code).toBe("UNAUTHORIZED");
  });

  it("refuses an unknown tier and a malformed user id", async () => {
    const gw = await bed.gateway();
    expect((await bed.refused(gw, { token: await hs256({ sub: "alice", tier: "king" }) })).data).toEqual({ code: "UNAUTHORIZED", message: 'Unknown tier "king".' });
    expect((await bed.refused(gw, { token: await hs256({ sub: "../etc" }) })).data?.code).toBe("UNAUTHORIZED");
  });

  it("checks audience and issuer when configured", async () => {
    const gw = await bed.gateway({ jwtAudience: "tickwire", jwtIssuer: "https://auth.example" });
    const good = await hs256({ sub: "alice", aud: "tickwire", iss: "https://auth.example" });
    expect((await bed.connect(gw, { token: good })).connected.userId).toBe("alice");
    const wrongAud = await hs256({ sub: "alice", aud: "other", iss: "https://auth.example" });
    expect((await bed.refused(gw, { token: wrongAud })).data?.code).toBe("UNAUTHORIZED");
    const noIss = await hs256({ sub: "alice", aud: "tickwire" });
    expect((await bed.refused(gw, { token: noIss })).data?.code).toBe("UNAUTHORIZED");
  });

  it("verifies RS256 with a public key and refuses an HS256 token signed with that key (no algorithm confusion)", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const gw = await bed.gateway({ jwtSecret: undefined, jwtPublicKey: pem });
    const good = await new SignJWT({ tier: "participant" }).setProtectedHeader({ alg: "RS256" }).setSubject("rsa-user").setExpirationTime("1h").sign(privateKey);
    expect((await bed.connect(gw, { token: good })).connected).toMatchObject({ userId: "rsa-user", tier: "participant" });
    const confused = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("attacker").setExpirationTime("1h").sign(new TextEncoder().encode(pem));
    expect((await bed.refused(gw, { token: confused })).data).toEqual({ code: "UNAUTHORIZED", message: "The token's signature or algorithm is not accepted." });
  });

  it("verifies ES256 tokens against a JWKS file", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    const dir = bed.tempDir();
    const file = `${dir}/jwks.json`;
    (await import("node:fs")).writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    const gw = await bed.gateway({ jwtSecret: undefined, jwksFile: file });
    const token = await new SignJWT({ tier: "operator" }).setProtectedHeader({ alg: "ES256", kid: "k1" }).setSubject("ec-user").setExpirationTime("1h").sign(privateKey);
    expect((await bed.connect(gw, { token })).connected).toMatchObject({ userId: "ec-user", tier: "operator" });
  });

  it("admits at most maxConnectionsPerUser connections per user and frees a slot on disconnect", async () => {
    const gw = await bed.gateway({ maxConnectionsPerUser: 2 });
    const token = await bed.token(gw, "alice");
    const first = await bed.connect(gw, { token });
    await bed.connect(gw, { token });
    const err = await bed.refused(gw, { token });
    expect(err.data).toEqual({ code: "LIMIT_EXCEEDED", message: "User alice already has 2 connections open." });
    // Another user is not affected.
    await bed.connect(gw, { token: await bed.token(gw, "bob") });
    first.socket.close();
    await until(() => gw.registry.ofUser("alice").length === 1, 5000, "the server to see the connection close");
    expect((await bed.connect(gw, { token })).connected.userId).toBe("alice");
  });

  it("counts refused connections by reason in /metrics", async () => {
    const gw = await bed.gateway();
    await bed.refused(gw, {});
    await bed.refused(gw, { token: "x.y.z" });
    const text = await gw.metrics.registry.metrics();
    expect(text).toContain('tickwire_auth_failures_total{reason="missing"} 1');
    expect(text).toContain('tickwire_auth_failures_total{reason="malformed"} 1');
  });
});
