import { isIP } from "node:net";
import { buildCatalogue, DEFAULT_NAMESPACES, isChannelError, isTier, parseChannel, RPC_METHOD_PATTERN, TIERS, type NamespaceDefinition } from "@tickwire/protocol";
import { parseClusterNode } from "./option-types.js";
import type { RpcMethodRule } from "./options.js";
import type { AnyOptionRow, IntegerRow, ListItem, UrlScheme } from "./option-table.js";

type RowOf<K extends AnyOptionRow["kind"]> = Extract<AnyOptionRow, { kind: K }>;

// The check of one row's kind: a given value (a string from the environment, or a value
// from code) is parsed and checked against the row's bounds; what is wrong is pushed to
// `problems` in a sentence that names the option or its variable.

/** What a row's check may read besides the value: the other given options (rrrStreams reads namespaces). */
export interface CheckContext {
  readonly raw: Readonly<Record<string, unknown>>;
  readonly problems: string[];
}

/** Parses and checks `value` of option `key` by its row; returns what the option becomes. */
export function checkRow(key: string, row: AnyOptionRow, value: unknown, ctx: CheckContext): unknown {
  switch (row.kind) {
    case "integer":
      return integer(key, row, value, ctx.problems);
    case "boolean":
      return switchOf(key, row.env, value, ctx.problems);
    case "string":
      if (typeof value !== "string" || (row.nonEmpty === true && value === "")) ctx.problems.push(`${key} must be a ${row.nonEmpty === true ? "non-empty " : ""}string.`);
      else if (row.syntax !== undefined && !row.syntax.ok(value)) ctx.problems.push(`${key} must be ${row.syntax.what}.`);
      return value;
    case "enum":
      if (!(row.values as readonly unknown[]).includes(value)) ctx.problems.push(`${key} must be one of ${row.values.join(", ")} (got ${JSON.stringify(value)}).`);
      return value;
    case "url":
      if (typeof value !== "string" || !URLS[row.scheme].pattern.test(value)) ctx.problems.push(`${key} must be ${URLS[row.scheme].label}.`);
      return value;
    case "path":
      if (typeof value !== "string" || !URL_PATH.test(value)) {
        ctx.problems.push(`${key} must be a path like "/realtime" (segments of letters, digits, "-", "_", "."; at most 100 characters), got ${JSON.stringify(value)}.`);
        return value;
      }
      return value.replace(/\/+$/, "");
    case "list":
      return list(key, row, value, ctx.problems);
    case "perTier":
      return Object.freeze(perTier(key, row, value, ctx.problems));
    case "rateLimit":
      return rateLimit(key, row, value, ctx.problems);
    case "map":
      return Object.freeze(MAP_ENTRIES[row.entries](pairs(value, row.env ?? key, ctx.problems), { ...row.default }, ctx));
    case "catalogue":
      if (!Array.isArray(value)) ctx.problems.push(`${key} must be a list of namespace definitions.`);
      return value;
  }
}

/** The bounds of an integer row in words ("at least 1", "from 10 to 60000"), or undefined when any whole number ≥ 0 goes. */
export function integerBounds(row: IntegerRow): string | undefined {
  const min = row.min ?? 0;
  const range = row.max !== undefined ? (min > 0 ? `from ${min} to ${row.max}` : `at most ${row.max}`) : min > 0 ? `at least ${min}` : undefined;
  return row.zeroOff === true && range !== undefined ? `0 (off) or ${range}` : range;
}

function integer(key: string, row: IntegerRow, value: unknown, problems: string[]): unknown {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    problems.push(`${key} must be a whole number ≥ 0 (got ${JSON.stringify(value)}).`);
    return value;
  }
  if ((n < (row.min ?? 0) || n > (row.max ?? Infinity)) && !(n === 0 && row.zeroOff === true)) problems.push(`${key} must be ${integerBounds(row)}.`);
  return n;
}

/** Turns `on`/`off` (also true/false, 1/0) of an environment variable into a boolean; a boolean stays. */
function switchOf(key: string, variable: string | undefined, value: unknown, problems: string[]): unknown {
  if (typeof value === "boolean") return value;
  const v = typeof value === "string" ? value.toLowerCase() : undefined;
  if (v === "on" || v === "true" || v === "1") return true;
  if (v === "off" || v === "false" || v === "0") return false;
  if (typeof value === "string") problems.push(`${variable ?? key} must be "on" or "off" (got "${value}").`);
  else problems.push(`${key} must be true or false.`);
  return value;
}

const URLS: Readonly<Record<UrlScheme, { pattern: RegExp; label: string }>> = {
  http: { pattern: /^https?:\/\/\S+$/, label: "an http(s):// URL" },
  postgres: { pattern: /^postgres(ql)?:\/\//, label: "a postgres:// URL" },
  redis: { pattern: /^rediss?:\/\//, label: "a redis:// URL" },
  ws: { pattern: /^wss?:\/\//, label: "a ws:// or wss:// URL" },
};

/** A URL path of plain segments, none of only dots (a trailing slash is dropped). */
const URL_PATH = /^(?=.{2,100}$)(\/(?!\.+(\/|$))[A-Za-z0-9_.-]+)+\/?$/;

const NAMESPACE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Named ranges of proxy-addr, which Fastify's trustProxy reads. */
const NAMED_RANGES = ["loopback", "linklocal", "uniquelocal"];

/** An IP address, a CIDR range (`10.0.0.0/8`, `fd00::/8`) or a named range. */
function isProxyEntry(entry: string): boolean {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address, bits, ...rest] = entry.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

/** Per entry kind: whether an entry fits, and the phrase of its own message (none: the list's message is said). */
const LIST_ITEMS: Readonly<Record<ListItem, { ok: (entry: string) => boolean; is?: string }>> = {
  string: { ok: () => true },
  nonEmpty: { ok: (entry) => entry.length > 0 },
  namespace: { ok: (entry) => NAMESPACE_NAME.test(entry) },
  proxy: { ok: isProxyEntry, is: "an IP address, a CIDR range or one of loopback, linklocal, uniquelocal" },
  clusterNode: { ok: (entry) => parseClusterNode(entry) !== undefined, is: "host:port" },
};

function list(key: string, row: RowOf<"list">, value: unknown, problems: string[]): unknown {
  const item = LIST_ITEMS[row.item];
  const shaped = Array.isArray(value) && value.length >= (row.minItems ?? 0) && value.length <= (row.maxItems ?? Infinity) && value.every((entry) => typeof entry === "string");
  if (!shaped || (item.is === undefined && !(value as string[]).every(item.ok))) {
    problems.push(`${key} must be a list of ${row.what}.`);
    return value;
  }
  for (const entry of value as string[]) if (!item.ok(entry)) problems.push(`${key} entry "${entry}" is not ${item.is}.`);
  return value;
}

/** Per-tier whole numbers: one for every tier, `tier=n,…`, or an object; tiers left out keep the default (else the row's base). */
function perTier(key: string, row: RowOf<"perTier">, value: unknown, problems: string[]): Record<string, number> {
  const { unit, max = Infinity } = row;
  const variable = row.env ?? key;
  const result: Record<string, number> = {};
  const whole = (v: unknown): number | undefined => {
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
    return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
  };
  const bound = max === Infinity ? `${unit} ≥ 0` : `0 ≤ ${unit} ≤ ${max}`;
  if ((typeof value === "string" && !value.includes("=")) || typeof value === "number") {
    const n = whole(value);
    if (n === undefined) problems.push(`${variable} "${String(value)}" is not a whole number of ${unit} (${bound}) or "tier=${unit},…".`);
    for (const tier of TIERS) result[tier] = n ?? 0;
    return result;
  }
  const entries = typeof value === "string" ? value.split(",").map((part) => part.split("=").map((x) => x.trim())) : typeof value === "object" && value !== null ? Object.entries(value) : [];
  if (entries.length === 0) problems.push(`${key} must map tiers to whole numbers of ${unit}.`);
  for (const [tier, v] of entries) {
    const n = whole(v);
    if (typeof tier !== "string" || !isTier(tier) || n === undefined) problems.push(`${key} entry ${JSON.stringify([tier, v])} is not "tier=${unit}" with ${bound}.`);
    else result[tier] = n;
  }
  return { ...(row.default ?? row.base), ...result };
}

/**
 * Event rates: `navigator=10:20,operator=100:200` (rate:burst per tier) or `50:100` for all tiers
 * over the default's tiers, or an object; `strict` rows need a rate ≥ 1 and a burst ≥ its rate.
 */
function rateLimit(key: string, row: RowOf<"rateLimit">, value: unknown, problems: string[]): unknown {
  const variable = row.env ?? key;
  let rates = value;
  if (typeof value === "string") {
    const result: Record<string, unknown> = { ...row.default };
    const pair = (text: string): { eventsPerSecond: number; burst: number } | undefined => {
      const m = /^(\d+):(\d+)$/.exec(text.trim());
      return m ? { eventsPerSecond: Number(m[1]), burst: Number(m[2]) } : undefined;
    };
    if (!value.includes("=")) {
      const all = pair(value);
      if (!all) {
        problems.push(`${variable} "${value}" is not "rate:burst" or "tier=rate:burst,…".`);
        return value;
      }
      for (const tier of TIERS) result[tier] = all;
      return Object.freeze(result);
    }
    for (const part of value.split(",")) {
      const [tier, text] = part.split("=");
      const rate = text === undefined ? undefined : pair(text);
      if (!tier || !isTier(tier.trim()) || !rate) problems.push(`${variable} part "${part}" is not "tier=rate:burst".`);
      else result[tier.trim()] = rate;
    }
    rates = result;
  }
  if (typeof rates !== "object" || rates === null) {
    problems.push(`${key} must map tiers to { eventsPerSecond, burst }.`);
    return value;
  }
  const least = row.strict === true ? 1 : 0;
  for (const [tier, rate] of Object.entries(rates)) {
    const r = rate as Partial<{ eventsPerSecond: unknown; burst: unknown }> | undefined;
    const ok = isTier(tier) && Number.isInteger(r?.eventsPerSecond) && Number.isInteger(r?.burst) && (r!.eventsPerSecond as number) >= least && (r!.burst as number) >= (row.strict === true ? (r!.eventsPerSecond as number) : 0);
    if (!ok) problems.push(`${key} entry ${JSON.stringify([tier, rate])} is not "tier: { ${row.strict === true ? "eventsPerSecond ≥ 1, burst ≥ eventsPerSecond" : "eventsPerSecond ≥ 0, burst ≥ 0"} }".`);
  }
  return Object.freeze({ ...row.default, ...rates });
}

/** Splits `name=value,name=value` (an object stays); a part without `=` is reported. */
function pairs(value: unknown, variable: string, problems: string[]): Array<[string, unknown]> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return Object.entries(value);
  if (typeof value !== "string") {
    problems.push(`${variable} must be "name=value,…" or an object.`);
    return [];
  }
  const out: Array<[string, unknown]> = [];
  for (const part of value.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const i = part.lastIndexOf("=");
    if (i <= 0) problems.push(`${variable} part "${part}" is not "name=value".`);
    else out.push([part.slice(0, i).trim(), part.slice(i + 1).trim()]);
  }
  return out;
}

const RPC_METHOD = new RegExp(RPC_METHOD_PATTERN);
const ROLE = /^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$/;
const STREAM_NAME = /^[a-z][a-z0-9_]{0,63}$/;

type EntryCheck = (entries: Array<[string, unknown]>, out: Record<string, unknown>, ctx: CheckContext) => Record<string, unknown>;

/** The entries of each map kind, checked one by one over the default's (`out`). */
const MAP_ENTRIES: Readonly<Record<RowOf<"map">["entries"], EntryCheck>> = {
  /** Per-method proxy URLs: `method=http://…,…`. */
  methodUrl(entries, out, { problems }) {
    for (const [method, url] of entries) {
      if (!RPC_METHOD.test(method)) problems.push(`proxyRpcMethodUrls: "${method}" is not a method name.`);
      else if (typeof url !== "string" || !URLS.http.pattern.test(url)) problems.push(`proxyRpcMethodUrls: the URL of "${method}" must be an http(s):// URL.`);
      else out[method] = url;
    }
    return out;
  },
  /**
   * Per-method gates: `method=operator`, `method=@admin`, `method=builder|@desk|@admin` (a tier and `@role`s,
   * any one admits), `*` for methods not listed, `method=any` for no gate; or an object of { minTier, roles }.
   */
  methodRule(entries, out, { problems }) {
    for (const [method, rule] of entries) {
      if (method !== "*" && !RPC_METHOD.test(method)) {
        problems.push(`proxyRpcMethods: "${method}" is not a method name.`);
        continue;
      }
      let minTier: unknown;
      let roles: unknown;
      if (typeof rule === "string") {
        const parts = rule.split("|").map((p) => p.trim()).filter((p) => p !== "" && p !== "any");
        roles = parts.filter((p) => p.startsWith("@")).map((p) => p.slice(1));
        const tiers = parts.filter((p) => !p.startsWith("@"));
        if (tiers.length > 1) problems.push(`proxyRpcMethods: "${method}" names more than one tier.`);
        minTier = tiers[0];
      } else if (typeof rule === "object" && rule !== null) {
        ({ minTier, roles } = rule as Record<string, unknown>);
      } else {
        problems.push(`proxyRpcMethods: the rule of "${method}" must be "tier|@role…" or { minTier, roles }.`);
        continue;
      }
      if (minTier !== undefined && !isTier(minTier)) problems.push(`proxyRpcMethods: "${String(minTier)}" (method "${method}") is not a tier (${TIERS.join(", ")}).`);
      if (roles !== undefined && (!Array.isArray(roles) || roles.some((r) => typeof r !== "string" || !ROLE.test(r)))) problems.push(`proxyRpcMethods: the roles of "${method}" must be role names.`);
      const named = Array.isArray(roles) && roles.length > 0 ? Object.freeze([...(roles as string[])]) : undefined;
      const gate: RpcMethodRule = { ...(minTier !== undefined ? { minTier: minTier as RpcMethodRule["minTier"] } : {}), ...(named ? { roles: named } : {}) };
      out[method] = Object.freeze(gate);
    }
    return out;
  },
  /** RRRalgorithms streams: `stream=channel,…`; each channel must be one of the catalogue (with the deployment's namespaces). */
  rrrStream(entries, out, { raw, problems }) {
    const rows = Array.isArray(raw.namespaces) ? (raw.namespaces as NamespaceDefinition[]) : [];
    const catalogue = buildCatalogue([...DEFAULT_NAMESPACES, ...rows]);
    for (const [stream, channel] of entries) {
      if (!STREAM_NAME.test(stream)) problems.push(`rrrStreams: "${stream}" is not a stream name (lower-case letters, digits, _).`);
      else if (typeof channel !== "string" || isChannelError(parseChannel(channel, catalogue, "user"))) problems.push(`rrrStreams: the channel of "${stream}" (${JSON.stringify(channel)}) is not a channel of the catalogue.`);
      else out[stream] = channel;
    }
    return out;
  },
};
