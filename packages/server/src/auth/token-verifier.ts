import { createPublicKey, webcrypto, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createLocalJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { DEFAULT_TIER, ID_PATTERN, isTier, TickwireError, type Tier } from "@tickwire/protocol";
import { DEFAULT_OPTIONS } from "../config/defaults.js";
import type { AuthFailureReason, Identity } from "./identity.js";

/** How client tokens are verified. */
export interface TokenVerifierOptions {
  /** HS256 secret. */
  readonly secret?: string | undefined;
  /** PEM public key: RS256 for RSA keys, ES256 for EC keys. */
  readonly publicKey?: string | undefined;
  /** Path of a JWKS JSON file (RS256/ES256). */
  readonly jwksFile?: string | undefined;
  readonly audience?: string | undefined;
  readonly issuer?: string | undefined;
  /** Refuse tokens without `exp`. @default DEFAULT_OPTIONS.jwtRequireExp */
  readonly requireExp?: boolean | undefined;
  /** Tier of tokens without a `tier` claim. @default DEFAULT_TIER */
  readonly defaultTier?: Tier | undefined;
}

/** Lifetime of a token signed without one asked for: every token Tickwire signs expires. */
const DEFAULT_TTL_SECONDS = 3600;

/** An authentication failure with its reason (for metrics). */
export class AuthError extends TickwireError {
  constructor(readonly reason: AuthFailureReason, message: string, code: "UNAUTHORIZED" | "UNAVAILABLE" = "UNAUTHORIZED") {
    super(code, message);
  }
}

const USER_ID = new RegExp(ID_PATTERN);
/** Most channels a token's `channels` claim may name. */
const MAX_CLAIMED_CHANNELS = 100;
/** Most roles one identity may carry. */
const MAX_ROLES = 32;

/** Verifies client JWTs with pinned algorithms and turns their claims into an Identity. */
export class TokenVerifier {
  private readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly secret: Uint8Array | undefined;
  /** The HS256 secret as a WebCrypto key, imported once (jose would import a raw secret on every verification). */
  private hmacKey: Promise<webcrypto.CryptoKey> | undefined;

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.secret !== undefined) {
      this.secret = new TextEncoder().encode(options.secret);
      this.key = this.secret;
      this.algorithms = ["HS256"];
    } else if (options.publicKey !== undefined) {
      const key = createPublicKey(options.publicKey.replace(/\\n/g, "\n"));
      this.key = key;
      this.algorithms = key.asymmetricKeyType === "ec" ? ["ES256"] : ["RS256"];
    } else if (options.jwksFile !== undefined) {
      const jwks = JSON.parse(readFileSync(options.jwksFile, "utf8")) as Parameters<typeof createLocalJWKSet>[0];
      this.key = createLocalJWKSet(jwks);
      this.algorithms = ["RS256", "ES256"];
    } else {
      throw new Error("TokenVerifier needs a secret, a public key or a JWKS file.");
    }
  }

  /** Verifies `token` and returns who it names. @throws AuthError */
  async verify(token: unknown): Promise<Identity> {
    if (token === undefined || token === null || token === "") throw new AuthError("missing", "No token: connect with auth: { token }.");
    if (typeof token !== "string" || token.length > 8192 || token.split(".").length !== 3) {
      throw new AuthError("malformed", "The token is not a JWT.");
    }
    let payload: JWTPayload;
    try {
      const verifyOptions = { algorithms: this.algorithms, audience: this.options.audience, issuer: this.options.issuer };
      const key = this.key instanceof Uint8Array ? await (this.hmacKey ??= webcrypto.subtle.importKey("raw", this.key, { name: "HMAC", hash: "SHA-256" }, false, ["verify"])) : this.key;
      const result = typeof key === "function" ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions);
      payload = result.payload;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AuthError("expired", "The token has expired.");
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw new AuthError("bad_claims", `The token was refused: ${err.message}.`);
      if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JWKSNoMatchingKey) {
        throw new AuthError("bad_signature", "The token's signature or algorithm is not accepted.");
      }
      throw new AuthError("malformed", "The token could not be read.");
    }
    if ((this.options.requireExp ?? DEFAULT_OPTIONS.jwtRequireExp) && typeof payload.exp !== "number") throw new AuthError("no_expiry", "The token has no `exp`: client tokens must expire.");
    return identityFromClaims(payload, this.options.defaultTier);
  }

  /** Signs a client token (HS256 only): for the CLI, the dev-mode demo token and tests; it expires after `ttlSeconds` (default 3600). */
  async sign(claims: { sub: string; tier?: string; roles?: string[]; channels?: string[]; ttlSeconds?: number }): Promise<string> {
    if (this.secret === undefined) throw new Error("Tokens can be signed only with TICKWIRE_JWT_SECRET (HS256).");
    const now = Math.floor(Date.now() / 1000);
    const ttl = claims.ttlSeconds !== undefined && claims.ttlSeconds > 0 ? claims.ttlSeconds : DEFAULT_TTL_SECONDS;
    const jwt = new SignJWT({ ...(claims.tier ? { tier: claims.tier } : {}), ...(claims.roles ? { roles: claims.roles } : {}), ...(claims.channels ? { channels: claims.channels } : {}) })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl);
    if (this.options.audience) jwt.setAudience(this.options.audience);
    if (this.options.issuer) jwt.setIssuer(this.options.issuer);
    return jwt.sign(this.secret);
  }
}

/** Turns verified claims (or a resolved session) into an Identity; without a `tier` it has `defaultTier`. @throws AuthError on bad claims */
export function identityFromClaims(claims: { sub?: unknown; tier?: unknown; roles?: unknown; channels?: unknown; exp?: unknown }, defaultTier: Tier = DEFAULT_TIER): Identity {
  if (typeof claims.sub !== "string" || !USER_ID.test(claims.sub)) throw new AuthError("bad_claims", "The token has no valid `sub` (user id).");
  if (claims.tier !== undefined && !isTier(claims.tier)) throw new AuthError("bad_claims", `Unknown tier "${String(claims.tier)}".`);
  if (claims.roles !== undefined && (!Array.isArray(claims.roles) || claims.roles.length > MAX_ROLES || claims.roles.some((r) => typeof r !== "string" || r.length === 0 || r.length > 64))) {
    throw new AuthError("bad_claims", `\`roles\` must be an array of at most ${MAX_ROLES} names of 1 to 64 characters.`);
  }
  if (claims.channels !== undefined && (!Array.isArray(claims.channels) || claims.channels.length > MAX_CLAIMED_CHANNELS || claims.channels.some((c) => typeof c !== "string" || c.length === 0 || c.length > 160))) {
    throw new AuthError("bad_claims", `\`channels\` must be an array of at most ${MAX_CLAIMED_CHANNELS} channel names.`);
  }
  return {
    userId: claims.sub,
    tier: claims.tier ?? defaultTier,
    roles: (claims.roles as string[] | undefined) ?? [],
    ...(claims.channels !== undefined ? { channels: claims.channels as string[] } : {}),
    expiresAt: typeof claims.exp === "number" ? claims.exp * 1000 : undefined,
  };
}
