import { TickwireError, type ErrorCode } from "@tickwire/protocol";
import { MAX_INPUT_DEPTH_CEILING } from "../config/option-types.js";

/**
 * Bounds every input from outside is held to where it enters (docs/errors.md,
 * "Limits"): publication data, notification data, client event payloads. What
 * passes can be encoded, stored and replayed without fail: its nesting is far
 * from what overflows a recursive encoder, its size is known, its strings are
 * well-formed Unicode without NUL, and it has no keys that reach prototypes.
 */
export interface InputBounds {
  /** Deepest nesting of objects and arrays (a flat object is 1 level). */
  readonly maxDepth: number;
  /** Largest size in bytes: the UTF-8 JSON encoding's, binary attachments by their length. */
  readonly maxBytes: number;
  /** What binary values (Buffers, typed arrays) are: attachments counted by length, or not JSON at all. @default "refuse" */
  readonly binary?: "count" | "refuse";
}

export { MAX_INPUT_DEPTH_CEILING };

/** Why an input was refused: a registry code and a sentence naming the input. */
export interface InputProblem {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Characters strings may not hold: NUL (PostgreSQL text refuses it) and UTF-16 surrogates, checked for pairing below. */
const SUSPECT = /[\u0000\ud800-\udfff]/;
/** Characters the JSON encoding escapes: they count for more than one byte. */
const ESCAPED = /["\\\u0000-\u001f]/g;

function isBinary(value: object): value is ArrayBufferView | ArrayBuffer {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

/** Size of a string in the UTF-8 JSON encoding, quotes included; undefined when it is not well-formed Unicode or holds NUL. */
function stringBytes(s: string): number | undefined {
  if (SUSPECT.test(s) && (s.includes("\u0000") || !(s as unknown as { isWellFormed(): boolean }).isWellFormed())) return undefined;
  let bytes = Buffer.byteLength(s, "utf8") + 2;
  const escapes = s.match(ESCAPED);
  // \" \\ \n … take 2 bytes, other control characters \u00XX take 6.
  if (escapes) for (const c of escapes) bytes += c === '"' || c === "\\" || c === "\n" || c === "\r" || c === "\t" || c === "\b" || c === "\f" ? 1 : 5;
  return bytes;
}

/**
 * Walks `value` once, without recursion, and returns its size in bytes, or the
 * first problem. The walk stops as soon as a bound is passed, so its cost is at
 * most proportional to the bound (and to the bytes received), whatever the input.
 * @example inspectInput({ a: [1, "x"] }, { maxDepth: 32, maxBytes: 65536 }) // 13
 */
export function inspectInput(value: unknown, bounds: InputBounds, what = "The payload"): number | InputProblem {
  const tooLarge = (): InputProblem => ({ code: "PAYLOAD_TOO_LARGE", message: `${what} is larger than ${bounds.maxBytes} bytes.` });
  const bad = (message: string): InputProblem => ({ code: "BAD_REQUEST", message: `${what} ${message}` });
  let bytes = 0;
  // Pairs of value and its depth; containers push their children.
  const stack: unknown[] = [value, 0];
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    let v = stack.pop();
    if (v !== null && typeof v === "object" && !Array.isArray(v) && !isBinary(v) && typeof (v as { toJSON?: unknown }).toJSON === "function") {
      // As JSON.stringify would: Dates and other values that say how they are encoded (embedded publishers only).
      v = (v as { toJSON(): unknown }).toJSON();
    }
    switch (typeof v) {
      case "string": {
        const n = stringBytes(v);
        if (n === undefined) return bad("holds a string with NUL or a lone surrogate; strings must be well-formed Unicode without NUL.");
        bytes += n;
        break;
      }
      case "number":
        bytes += Number.isFinite(v) ? String(v).length : 4;
        break;
      case "boolean":
        bytes += v ? 4 : 5;
        break;
      case "undefined":
      case "function":
      case "symbol":
        // Left out by the JSON encoding inside objects; at the top they are not JSON.
        if (depth === 0) return bad("must be JSON.");
        break;
      case "bigint":
        return bad("must be JSON.");
      case "object": {
        if (v === null) {
          bytes += 4;
          break;
        }
        if (isBinary(v)) {
          if (bounds.binary !== "count") return bad("must be JSON: binary values are not.");
          bytes += v.byteLength;
          break;
        }
        if (depth >= bounds.maxDepth) return bad(`is nested more than ${bounds.maxDepth} levels deep.`);
        if (Array.isArray(v)) {
          bytes += 2 + Math.max(0, v.length - 1);
          if (bytes > bounds.maxBytes) return tooLarge();
          for (let i = v.length - 1; i >= 0; i--) stack.push(v[i], depth + 1);
          break;
        }
        bytes += 2;
        let members = 0;
        for (const key of Object.keys(v)) {
          // The same rule as the HTTP body parser (secure-json-parse): these keys reach prototypes in naive merges.
          if (key === "__proto__") return bad('has a key "__proto__", which is not accepted.');
          const child = (v as Record<string, unknown>)[key];
          // Members the JSON encoding leaves out cost nothing.
          if (child === undefined || typeof child === "function" || typeof child === "symbol") continue;
          if (members++ > 0) bytes += 1;
          if (key === "constructor" && child !== null && typeof child === "object" && Object.hasOwn(child, "prototype")) {
            return bad('has a key "constructor" holding "prototype", which is not accepted.');
          }
          const n = stringBytes(key);
          if (n === undefined) return bad("has a key with NUL or a lone surrogate; strings must be well-formed Unicode without NUL.");
          bytes += n + 1;
          if (bytes > bounds.maxBytes) return tooLarge();
          stack.push(child, depth + 1);
        }
        break;
      }
    }
    if (bytes > bounds.maxBytes) return tooLarge();
  }
  return bytes;
}

/**
 * Checks `value` against the bounds; returns its size in bytes.
 * @throws TickwireError BAD_REQUEST (too deep, not JSON, bad strings or keys) or PAYLOAD_TOO_LARGE
 * @example checkInput(request.data, { maxDepth: 32, maxBytes: 65536 }, "`data`")
 */
export function checkInput(value: unknown, bounds: InputBounds, what?: string): number {
  const result = inspectInput(value, bounds, what);
  if (typeof result !== "number") throw new TickwireError(result.code, result.message);
  return result;
}

/** True when `value` is a string of at most `maxLength` characters that passes the string rule (no NUL, no lone surrogate). */
export function isSafeString(value: unknown, maxLength: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= maxLength && stringBytes(value) !== undefined;
}

/** True when `value` nests objects or arrays more than `maxDepth` levels deep; walks without recursion and stops at the first too-deep level. */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object" || isBinary(v)) continue;
    if (depth >= maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}
