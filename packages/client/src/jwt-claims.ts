/** The claims the SDK reads from a token (it never verifies them: the server does). */
export interface TokenClaims {
  /** User id. */
  sub?: string;
  /** Expiry, seconds since the epoch. */
  exp?: number;
  /** Issued at, seconds since the epoch. */
  iat?: number;
  tier?: string;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes base64url to a UTF-8 string without `atob`, `Buffer` or `TextDecoder` (React Native, old runtimes). */
function decodeBase64Url(input: string): string {
  const clean = input.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = BASE64.indexOf(ch);
    if (value === -1) throw new Error("not base64url");
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return decodeURIComponent(bytes.map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""));
}

/**
 * Reads the payload of a JWT without verifying it, or returns null when the
 * string is not a JWT (opaque tokens are allowed; they are simply not refreshed on a timer).
 * @example decodeTokenClaims(token)?.exp // 1767225600
 */
export function decodeTokenClaims(token: string): TokenClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims: unknown = JSON.parse(decodeBase64Url(parts[1]));
    return claims !== null && typeof claims === "object" ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}
