import { SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { optionsFromEnv, resolveOptions } from "@tickwire/server";
import { SECRET, TestBed } from "../helpers.js";

// Hardening review, defect 6: tokens without `exp` were accepted forever.
const bed = new TestBed();
afterEach(() => bed.cleanup());

function unexpiring(sub: string): Promise<string> {
  return new SignJWT({ tier: "builder" }).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().sign(new TextEncoder().encode(SECRET));
}

const NO_EXP = { code: "UNAUTHORIZED", message: "The token has no `exp`: client tokens must expire." };

describe("token expiry", () => {
  it("refuses a client token without exp, at connect and on auth:refresh, and counts it", async () => {
    const gw = await bed.gateway();
    expect((await bed.refused(gw, { token: await unexpiring("alice") })).data).toEqual(NO_EXP);
    const socket = await bed.connectAs(gw, "alice");
    expect(await socket.emitWithAck("auth:refresh", { token: await unexpiring("alice") })).toEqual({ ok: false, error: NO_EXP });
    const metrics = await fetch(`${gw.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('tickwire_auth_failures_total{reason="no_expiry"} 1');
  });

  it("accepts tokens without exp when jwtRequireExp is off (TICKWIRE_JWT_REQUIRE_EXP=off)", async () => {
    expect(resolveOptions({}).options.jwtRequireExp).toBe(true);
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_JWT_REQUIRE_EXP: "off" })).options.jwtRequireExp).toBe(false);
    expect(() => resolveOptions(optionsFromEnv({ TICKWIRE_JWT_REQUIRE_EXP: "sometimes" }))).toThrow('TICKWIRE_JWT_REQUIRE_EXP must be "on" or "off" (got "sometimes").');
    const gw = await bed.gateway({ jwtRequireExp: false });
    const { connected } = await bed.connect(gw, { token: await unexpiring("alice") });
    expect(connected).toMatchObject({ userId: "alice", tier: "builder" });
  });

  it("signs tokens with an expiry even when no lifetime is asked for", async () => {
    const gw = await bed.gateway();
    const token = await gw.issueToken({ sub: "alice" });
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(3600);
    expect((await bed.connect(gw, { token })).connected).toMatchObject({ userId: "alice" });
  });
});
