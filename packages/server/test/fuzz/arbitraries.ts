import fc from "fast-check";
import { nested } from "../hardening/hostile.js";

/**
 * Hostile inputs for the fuzz suite: what an attacker, a buggy client or an
 * unlucky publisher sends. Shapes near the real ones (so handlers are reached),
 * mixed with depth, size, wrong types, prototype keys, lone surrogates and
 * binary attachments.
 */

/** How many runs a property gets: a short run inside `npm test`, a long one under `npm run fuzz`. */
export function fuzzRuns(short: number): number {
  const n = Number(process.env.TICKWIRE_FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : short;
}

/** Where a long run stops at the latest (ms), whatever its number of runs. */
export function fuzzTimeLimitMs(): number | undefined {
  const n = Number(process.env.TICKWIRE_FUZZ_TIME_LIMIT_MS);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** fast-check parameters of one property; a seed from TICKWIRE_FUZZ_SEED replays a failure. */
export function fuzzParameters(short: number): fc.Parameters<unknown> {
  const seed = Number(process.env.TICKWIRE_FUZZ_SEED);
  const limit = fuzzTimeLimitMs();
  return {
    numRuns: fuzzRuns(short),
    ...(Number.isInteger(seed) ? { seed } : {}),
    ...(limit === undefined ? {} : { interruptAfterTimeLimit: limit, markInterruptAsFailure: false }),
  };
}

/** An object with an own key that naive code would read as a prototype (built from JSON, as a parser would). */
export function withOwnKey(key: string, value: unknown): Record<string, unknown> {
  return JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value) ?? "null"}}`) as Record<string, unknown>;
}

const LONE = ["\ud800", "\udfff", "a\ud83d", "\ude00b", "\u0000", "x\u0000y"];

/** Strings: ordinary, empty, long, with lone surrogates or NUL, names of prototype members. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 16 }) },
  { weight: 2, arbitrary: fc.constantFrom(...LONE) },
  { weight: 2, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "then") },
  { weight: 2, arbitrary: fc.constantFrom("trades", "trades:alice", "trades:mallory", "quotes:AAPL", "quotes:aapl", "signals", "signals:acme", "ai", "metrics", "admin", "portfolio", "notifications", "notifications:alice", "nope:x", ":", "quotes:", "market_AAPL", "trade_feed") },
  { weight: 1, arbitrary: fc.integer({ min: 150, max: 70_000 }).map((n) => "x".repeat(n)) },
);

/** Leaves: every JSON type and then some. */
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -0, 1e308, 0.1),
);

/** Nested values up to a small depth, with hostile keys now and then. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(hostileString, tie("value"), { maxKeys: 5 }),
    fc.tuple(fc.constantFrom("__proto__", "constructor"), tie("value")).map(([k, v]) => withOwnKey(k, k === "constructor" ? { prototype: v } : v)),
  ),
})).value;

/** Values nested deep: around the bound and far past it (the 4,105 levels that overflowed the server have their own tests: socket.io-client cannot encode that deep from inside a property). */
export const deepValue: fc.Arbitrary<unknown> = fc
  .oneof(fc.integer({ min: 28, max: 40 }), fc.integer({ min: 200, max: 2000 }))
  .chain((depth) => fc.constantFrom<unknown>(labelled(nested(depth), `nested(${depth})`), [labelled(nested(depth - 1), `nested(${depth - 1})`)]));

/** Gives a value a short name in fast-check's reports (which would overflow the stack printing it). */
function labelled<T extends object>(value: T, label: string): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => label, enumerable: false });
  return value;
}

/** Binary values: a socket event carries them as attachments. */
export const binaryValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 0, max: 2048 }).map((n) => Buffer.alloc(n, 7)),
  fc.integer({ min: 60_000, max: 300_000 }).map((n) => Buffer.alloc(n, 1)),
  fc.integer({ min: 1, max: 12 }).map((n) => Array.from({ length: n }, () => Buffer.alloc(100_000))),
  fc.uint8Array({ maxLength: 64 }),
);

/** A channel item of `subscribe`: a name or an object, good and bad. */
const subscribeItem: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.record(
    {
      channel: hostileString,
      since: fc.oneof(fc.record({ offset: fc.integer({ min: -1, max: 10 }), epoch: hostileString }), hostileValue),
      fields: fc.oneof(fc.array(hostileString, { maxLength: 4 }), hostileValue),
      rewind: fc.integer(),
    },
    { requiredKeys: ["channel"] },
  ),
  hostileValue,
);

/** Payloads shaped like the events' own, with hostile parts. */
export const nearValidPayload: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ channels: fc.oneof(fc.array(subscribeItem, { maxLength: 6 }), hostileValue) }),
  fc.record({ streams: fc.array(hostileString, { maxLength: 4 }) }),
  fc.record({ room: hostileString, request_id: fc.oneof(hostileString, fc.integer()) }, { requiredKeys: ["room"] }),
  fc.record({ request_id: fc.oneof(hostileString, fc.integer()), action: hostileString, trace_id: hostileValue }, { requiredKeys: [] }),
  fc.record({ symbol: hostileString, fields: fc.oneof(fc.array(hostileString, { maxLength: 4 }), fc.constant(null), hostileValue) }, { requiredKeys: ["symbol"] }),
  fc.record({ ids: fc.oneof(fc.array(hostileString, { maxLength: 5 }), hostileValue) }),
  fc.record({ unreadOnly: fc.oneof(fc.boolean(), hostileValue), limit: fc.oneof(fc.integer(), hostileValue), before: hostileString }, { requiredKeys: [] }),
  fc.record({ token: fc.oneof(hostileString, fc.constant("a.b.c"), hostileValue) }),
  fc.record({ userId: fc.oneof(hostileString, fc.integer()), channelId: hostileString }, { requiredKeys: [] }),
  fc.record({ type: fc.constant("ping"), timestamp: fc.oneof(hostileValue, deepValue, binaryValue) }),
  fc.array(hostileString, { maxLength: 5 }),
);

/** Any payload a client may send. */
export const hostilePayload: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: nearValidPayload },
  { weight: 3, arbitrary: hostileValue },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: binaryValue },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 0, "", [], {}) },
);
