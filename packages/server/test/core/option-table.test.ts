import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_NOTIFICATION_OPTIONS, DEFAULT_OPTIONS, ENV_VARIABLES, optionsFromEnv, resolveOptions, type GatewayOptions } from "@tickwire/server";
import { DEFAULT_OUTBOUND_LIMITS } from "../../src/core/hub.js";
import * as protocol from "@tickwire/protocol";
import * as optionDocs from "../../src/config/option-docs.js";
import { OPTION_TABLE, type AnyOptionRow, type OptionTable } from "../../src/config/option-table.js";
// @ts-expect-error: a plain .mjs helper shared with `npm run docs`
import { blocks, readBlock } from "../../../../scripts/docs-tables.mjs";
import { configProblems } from "../config-problems.js";

// The option table is the one source of the defaults, the variables, the per-option checks
// and the docs' tables: these tests hold each of them to what the rows say.

type Key = keyof GatewayOptions;
const ROWS = Object.entries(OPTION_TABLE) as Array<[Key, AnyOptionRow]>;
const rowsOf = <K extends AnyOptionRow["kind"]>(kind: K): Array<[Key, Extract<AnyOptionRow, { kind: K }>]> => ROWS.filter((entry): entry is [Key, Extract<AnyOptionRow, { kind: K }>] => entry[1].kind === kind);
const named = <T>(rows: Array<[Key, T]>): Array<[string, Key, T]> => rows.map(([key, row]) => [key, key, row]);

/** Production credentials, so that mode=production resolves; left out when the row under test is one of them. */
const CREDENTIALS = { jwtSecret: "s".repeat(20), apiKeys: ["k"] };

const TIER_VALUES = { navigator: 1, participant: 2, builder: 3, operator: 4 } as const;
const LIST_SAMPLES = { string: ["a", "b"], nonEmpty: ["k1", "k2"], namespace: ["quotes", "signals"], proxy: ["10.0.0.0/8", "::1"], clusterNode: ["10.0.0.1:7000", "r2:7001"] } as const;
const URL_SAMPLES = { http: "http://backend:3000/hook", postgres: "postgres://db:5432/tickwire", redis: "redis://r:6379", ws: "ws://feed:9000" } as const;
const URL_VARIANTS = { http: "https://backend/hook", postgres: "postgresql://db/tickwire", redis: "rediss://r:6380", ws: "wss://feed" } as const;
const URL_LABELS = { http: "an http(s):// URL", postgres: "a postgres:// URL", redis: "a redis:// URL", ws: "a ws:// or wss:// URL" } as const;
const MAP_SAMPLES = {
  methodUrl: [{ get_quote: "http://market:4000/rpc" }, "get_quote=http://market:4000/rpc"],
  methodRule: [{ "orders.place": { minTier: "builder", roles: ["desk"] } }, "orders.place=builder|@desk"],
  rrrStream: [{ trade_feed: "feed:fund" }, "trade_feed=feed:fund"],
} as const;

/** A value other than the default that the row accepts, and how the environment spells it. */
function sample(row: AnyOptionRow): [unknown, string] {
  switch (row.kind) {
    case "integer": {
      const n = row.max ?? row.default + 1;
      return [n, String(n)];
    }
    case "boolean":
      return [!row.default, row.default ? "off" : "on"];
    case "string":
      return ["sample-text", "sample-text"];
    case "enum": {
      const value = (row.envOnly ?? row.values).find((v) => v !== row.default)!;
      return [value, value];
    }
    case "url":
      return [URL_SAMPLES[row.scheme], URL_SAMPLES[row.scheme]];
    case "path":
      return ["/sample", "/sample"];
    case "list":
      return [LIST_SAMPLES[row.item], LIST_SAMPLES[row.item].join(", ")];
    case "perTier":
      return [TIER_VALUES, Object.entries(TIER_VALUES).map(([tier, n]) => `${tier}=${n}`).join(",")];
    case "rateLimit": {
      const rates = Object.fromEntries(Object.entries(TIER_VALUES).map(([tier, n]) => [tier, { eventsPerSecond: n, burst: 10 * n }]));
      return [rates, Object.entries(TIER_VALUES).map(([tier, n]) => `${tier}=${n}:${10 * n}`).join(",")];
    }
    case "map": {
      const [value, text] = MAP_SAMPLES[row.entries];
      return [{ ...row.default, ...value }, text];
    }
    case "catalogue":
      return [[], ""];
  }
}

const withoutOwn = (key: Key): Record<string, unknown> => Object.fromEntries(Object.entries(CREDENTIALS).filter(([k]) => k !== key && !(key.startsWith("jw") && k === "jwtSecret")));

describe("the option table", () => {
  it("has a row for every option and nothing else: the resolved options are the rows, each default the row's", () => {
    const { options } = resolveOptions({ ...CREDENTIALS, mode: "production" });
    expect(Object.keys(options).sort()).toEqual(Object.keys(OPTION_TABLE).sort());
    expect(Object.keys(DEFAULT_OPTIONS)).toEqual(Object.keys(OPTION_TABLE));
    for (const [key, row] of ROWS) if (!(key in CREDENTIALS) && key !== "mode") expect([key, options[key]]).toEqual([key, row.default]);
  });

  it("has a row for every field of the GatewayOptions interface as written in options.ts", () => {
    const source = readFileSync(resolve(import.meta.dirname, "../../src/config/options.ts"), "utf8");
    const body = source.slice(source.indexOf("export interface GatewayOptions {"), source.indexOf("\n}\n", source.indexOf("export interface GatewayOptions {")));
    const fields = [...body.matchAll(/^ {2}readonly (\w+):/gm)].map((m) => m[1]);
    expect(fields.length).toBeGreaterThan(80);
    expect(fields.sort()).toEqual(Object.keys(OPTION_TABLE).sort());
  });

  it("does not compile without a row for an option, or with a default of another type", () => {
    const { port: _port, ...withoutPort } = OPTION_TABLE;
    // @ts-expect-error: the port row is missing
    const missing: OptionTable = withoutPort;
    // @ts-expect-error: a port is a number, not a string
    const mistyped: OptionTable = { ...OPTION_TABLE, port: { ...OPTION_TABLE.port, default: "8080" } };
    // @ts-expect-error: a boolean option cannot have an integer row
    const wrongKind: OptionTable = { ...OPTION_TABLE, simulator: { kind: "integer", default: 1, doc: "x" } };
    expect([missing, mistyped, wrongKind].every((table) => typeof table === "object")).toBe(true);
  });

  it("accepts every default through its own row", () => {
    const given = Object.fromEntries(ROWS.filter(([, row]) => row.default !== undefined).map(([key, row]) => [key, row.default]));
    expect(configProblems({ ...given, ...CREDENTIALS })).toEqual([]);
  });

  it("reads every variable of a row, and the value read is the one the variable spells (a round trip per row)", () => {
    const withVariable = ROWS.filter(([, row]) => row.env !== undefined);
    expect(withVariable.length).toBeGreaterThan(70);
    for (const [key, row] of withVariable) {
      const [value, text] = sample(row);
      const input = optionsFromEnv({ [row.env!]: text });
      expect(Object.keys(input)).toEqual([key]);
      expect([key, resolveOptions({ ...withoutOwn(key), ...input }).options[key]]).toEqual([key, value]);
    }
    expect(Object.entries(ENV_VARIABLES).map(([name, { option }]) => [name, option])).toEqual(withVariable.filter(([, row]) => row.env!.startsWith("TICKWIRE_")).map(([key, row]) => [row.env, key]));
  });

  it("reads NODE_ENV only when it says production: other values are another tool's modes", () => {
    expect(optionsFromEnv({ NODE_ENV: "production" })).toEqual({ mode: "production" });
    expect(optionsFromEnv({ NODE_ENV: "test" })).toEqual({});
  });
});

describe("components usable on their own", () => {
  it("default to the gateway options' defaults, not to numbers of their own", () => {
    const d = DEFAULT_OPTIONS;
    expect(DEFAULT_OUTBOUND_LIMITS).toEqual({ stateBacklogPackets: d.stateBacklogPackets, maxQueuedPackets: d.maxQueuedPackets, stateBacklogBytes: d.stateBacklogBytes, maxQueuedBytes: d.maxQueuedBytes });
    expect(DEFAULT_NOTIFICATION_OPTIONS).toMatchObject({ dedupWindowMs: d.notificationDedupWindowMs, retentionMs: d.notificationRetentionMs, maxPerUser: d.notificationMaxPerUser, maxDataBytes: d.maxPublicationBytes, maxDataDepth: d.maxInputDepth });
  });
});

describe("the checks made from the rows", () => {
  it.each(named(rowsOf("integer")))("holds %s to its row's bounds", (_, key, row) => {
    const min = row.min ?? 0;
    const range = min > 0 ? (row.max !== undefined ? `from ${min} to ${row.max}` : `at least ${min}`) : `at most ${row.max}`;
    const bounds = row.zeroOff ? `0 (off) or ${range}` : range;
    expect(configProblems({ [key]: "twelve" })).toEqual([`${key} must be a whole number ≥ 0 (got "twelve").`]);
    expect(configProblems({ [key]: -1 })).toEqual([`${key} must be a whole number ≥ 0 (got -1).`]);
    expect(configProblems({ [key]: 1.5 })).toEqual([`${key} must be a whole number ≥ 0 (got 1.5).`]);
    if (min > 0) expect(configProblems({ [key]: min - 1 })).toEqual([`${key} must be ${bounds}.`]);
    if (row.max !== undefined) expect(configProblems({ [key]: row.max + 1 })).toEqual([`${key} must be ${bounds}.`]);
    // The feed's reconnect delays are also held to each other (least ≤ longest).
    const edges = [...(row.zeroOff ? [0] : []), min, row.max ?? min + 1_000_000].filter((n) => (key !== "feedReconnectMinMs" || n <= DEFAULT_OPTIONS.feedReconnectMaxMs) && (key !== "feedReconnectMaxMs" || n >= DEFAULT_OPTIONS.feedReconnectMinMs));
    for (const n of edges) expect([n, configProblems({ [key]: String(n) })]).toEqual([n, []]);
  });

  it.each(named(rowsOf("boolean")))("reads %s as on/off, true/false or 1/0 and refuses anything else", (_, key, row) => {
    for (const [text, value] of [["on", true], ["OFF", false], ["true", true], ["false", false], ["1", true], ["0", false]] as const) {
      expect([text, resolveOptions({ [key]: text }).options[key]]).toEqual([text, value]);
    }
    expect(configProblems({ [key]: "maybe" })).toEqual([`${row.env} must be "on" or "off" (got "maybe").`]);
    expect(configProblems({ [key]: 1 })).toEqual([`${key} must be true or false.`]);
  });

  it.each(named(rowsOf("enum")))("takes %s from its row's values only", (_, key, row) => {
    for (const value of row.values) expect([value, resolveOptions({ ...CREDENTIALS, [key]: value }).options[key]]).toEqual([value, value]);
    expect(configProblems({ [key]: "nope" })).toEqual([`${key} must be one of ${row.values.join(", ")} (got "nope").`]);
  });

  it.each(named(rowsOf("url")))("takes %s as a URL of its row's scheme", (_, key, row) => {
    expect(configProblems({ ...withoutOwn(key), [key]: "gopher://x" })).toEqual([`${key} must be ${URL_LABELS[row.scheme]}.`]);
    expect(configProblems({ ...withoutOwn(key), [key]: URL_VARIANTS[row.scheme] })).toEqual([]);
  });

  it.each(named(rowsOf("string")))("takes %s as text, non-empty when its row says so", (_, key, row) => {
    expect(configProblems({ ...withoutOwn(key), [key]: 5 })).toEqual([`${key} must be a ${row.nonEmpty ? "non-empty " : ""}string.`]);
    expect(configProblems({ ...withoutOwn(key), [key]: "" })).toEqual(row.nonEmpty ? [`${key} must be a non-empty string.`] : []);
  });

  // Rows whose strings have a syntax of their own: a value outside it and one inside, each.
  const SYNTAX_SAMPLES: Partial<Record<Key, { bad: string; good: string }>> = {
    redisSentinelName: { bad: "my master!", good: "tick-wire.1" },
    ingestStream: { bad: "orders,,fills", good: "orders:{a}, fills:{a}" },
  };
  it("has a sample for every string row with a syntax, and only for those", () => {
    expect(rowsOf("string").filter(([, row]) => row.syntax !== undefined).map(([key]) => key).sort()).toEqual(Object.keys(SYNTAX_SAMPLES).sort());
  });
  it.each(named(rowsOf("string").filter(([, row]) => row.syntax !== undefined)))("refuses %s outside its syntax, with what the syntax is", (_, key, row) => {
    const { bad, good } = SYNTAX_SAMPLES[key]!;
    expect(configProblems({ ...withoutOwn(key), [key]: bad })).toEqual([`${key} must be ${row.syntax!.what}.`]);
    expect(configProblems({ ...withoutOwn(key), [key]: good })).toEqual([]);
  });

  it.each(named(rowsOf("path")))("takes %s as a path of plain segments and drops a trailing slash", (_, key) => {
    expect(resolveOptions({ [key]: "/realtime/" }).options[key]).toBe("/realtime");
    for (const bad of ["realtime", "/a/../b", `/${"a".repeat(100)}`]) {
      expect(configProblems({ [key]: bad })).toEqual([`${key} must be a path like "/realtime" (segments of letters, digits, "-", "_", "."; at most 100 characters), got ${JSON.stringify(bad)}.`]);
    }
  });

  const BAD_ENTRIES = { string: undefined, nonEmpty: "", namespace: "no spaces", proxy: "proxy.example", clusterNode: "no-port" } as const;
  it.each(named(rowsOf("list")))("takes %s as a list of what its row names, entry by entry", (_, key, row) => {
    const general = `${key} must be a list of ${row.what}.`;
    expect(configProblems({ [key]: "a,b" })).toEqual([general]);
    expect(configProblems({ [key]: [5] })).toEqual([general]);
    if (row.minItems !== undefined) expect(configProblems({ [key]: [] })).toEqual([general]);
    if (row.maxItems !== undefined) expect(configProblems({ [key]: Array.from({ length: row.maxItems + 1 }, (_, i) => `n${i}:7000`) })).toEqual([general]);
    const bad = BAD_ENTRIES[row.item];
    if (bad !== undefined) {
      const own = row.item === "proxy" ? "an IP address, a CIDR range or one of loopback, linklocal, uniquelocal" : row.item === "clusterNode" ? "host:port" : undefined;
      expect(configProblems({ [key]: [LIST_SAMPLES[row.item][0], bad] })).toEqual([own === undefined ? general : `${key} entry "${bad}" is not ${own}.`]);
    }
  });

  it.each(named(rowsOf("perTier")))("takes %s as one number for every tier or per tier, within its row's bound, tiers left out keeping the default", (_, key, row) => {
    const unit = row.unit;
    const max = row.max ?? Infinity;
    const bound = max === Infinity ? `${unit} ≥ 0` : `0 ≤ ${unit} ≤ ${max}`;
    const kept = row.default ?? row.base!;
    expect(resolveOptions({ [key]: 7 }).options[key]).toEqual({ navigator: 7, participant: 7, builder: 7, operator: 7 });
    expect(resolveOptions({ [key]: "operator=9" }).options[key]).toEqual({ ...kept, operator: 9 });
    expect(configProblems({ [key]: { gold: 1 } })).toEqual([`${key} entry ["gold",1] is not "tier=${unit}" with ${bound}.`]);
    expect(configProblems({ [key]: {} })).toEqual([`${key} must map tiers to whole numbers of ${unit}.`]);
    expect(configProblems({ [key]: "fast" })).toEqual([`${row.env ?? key} "fast" is not a whole number of ${unit} (${bound}) or "tier=${unit},…".`]);
    if (row.max !== undefined) expect(configProblems({ [key]: `builder=${row.max + 1}` })).toEqual([`${key} entry ["builder","${row.max + 1}"] is not "tier=${unit}" with ${bound}.`]);
  });

  it.each(named(rowsOf("rateLimit")))("takes %s as rate:burst for every tier or per tier; a strict row needs rate ≥ 1 and burst ≥ rate", (_, key, row) => {
    const rate = { eventsPerSecond: 5, burst: 10 };
    expect(resolveOptions({ [key]: "5:10" }).options[key]).toEqual({ navigator: rate, participant: rate, builder: rate, operator: rate });
    expect(resolveOptions({ [key]: "builder=5:10" }).options[key]).toEqual({ ...row.default, builder: rate });
    expect(configProblems({ [key]: "fast" })).toEqual([`${row.env} "fast" is not "rate:burst" or "tier=rate:burst,…".`]);
    expect(configProblems({ [key]: "gold=1:2" })).toEqual([`${row.env} part "gold=1:2" is not "tier=rate:burst".`]);
    expect(configProblems({ [key]: 5 })).toEqual([`${key} must map tiers to { eventsPerSecond, burst }.`]);
    const low = { builder: { eventsPerSecond: 10, burst: 5 } };
    expect(configProblems({ [key]: low })).toEqual(row.strict ? [`${key} entry ["builder",{"eventsPerSecond":10,"burst":5}] is not "tier: { eventsPerSecond ≥ 1, burst ≥ eventsPerSecond }".`] : []);
    // An object names the tiers it changes, as the variable does: the others keep the default.
    expect(resolveOptions({ [key]: { builder: rate } }).options[key]).toEqual({ ...row.default, builder: rate });
  });

  it.each(named(rowsOf("map")))("takes %s as name=value entries over the default's", (_, key, row) => {
    const [value, text] = MAP_SAMPLES[row.entries];
    expect(resolveOptions({ [key]: text }).options[key]).toEqual({ ...row.default, ...value });
    expect(resolveOptions({ [key]: value }).options[key]).toEqual({ ...row.default, ...value });
    expect(configProblems({ [key]: "noequals" })).toEqual([`${row.env} part "noequals" is not "name=value".`]);
    expect(configProblems({ [key]: 5 })).toEqual([`${row.env} must be "name=value,…" or an object.`]);
  });

  it.each(named(rowsOf("catalogue")))("takes %s as a list of namespace definitions", (_, key) => {
    expect(configProblems({ [key]: "quotes" })).toEqual([`${key} must be a list of namespace definitions.`]);
  });

  it("has a test above for every kind a row has", () => {
    const tested = ["integer", "boolean", "enum", "url", "string", "path", "list", "perTier", "rateLimit", "map", "catalogue"];
    expect([...new Set(ROWS.map(([, row]) => row.kind))].sort()).toEqual(tested.sort());
  });
});

describe("docs/configuration.md", () => {
  const text = readFileSync(resolve(import.meta.dirname, "../../../../docs/configuration.md"), "utf8");
  const expected = (blocks(protocol, optionDocs) as Record<string, Record<string, string>>)["docs/configuration.md"]!;

  it.each(Object.keys(expected))("holds the %s table the rows make (run `npm run docs` after changing a row)", (name) => {
    expect(readBlock(text, name)).toBe(expected[name]);
  });

  it("shows each row once, with its variable, its doc line and its default", () => {
    for (const [key, row] of ROWS) {
      const line = row.env === undefined ? `| \`${key}\` | ${optionDocs.meaningCell(row)} | ${optionDocs.defaultCell(key, row)} |` : `| \`${row.env}\` | \`${key}\` | ${optionDocs.meaningCell(row)} | ${optionDocs.defaultCell(key, row)} |`;
      expect(text.split("\n").filter((l) => l === line)).toEqual([line]);
    }
  });

  it("spells defaults the way the variables are written, with sizes and durations a reader thinks in", () => {
    const cell = (key: Key): string => optionDocs.defaultCell(key, OPTION_TABLE[key]);
    expect([cell("port"), cell("stateBacklogBytes"), cell("notificationRetentionMs"), cell("jwtRequireExp"), cell("rateLimit"), cell("proxyRpcMethods"), cell("conflationMs"), cell("writeWindowMs"), cell("feedUrl")]).toEqual([
      "`8080`",
      "`262144` (256 KiB)",
      "`2592000000` (30 days)",
      "`on`",
      "`50:100`",
      "`execute:trade=@admin`",
      "navigator 1000, participant 250, builder 100, operator 0",
      "`0` (off)",
      "unset",
    ]);
  });
});
