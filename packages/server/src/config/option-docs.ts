import { integerBounds } from "./option-checks.js";
import { OPTION_TABLE, type AnyOptionRow } from "./option-table.js";
import type { RpcMethodRule } from "./options.js";

// The tables of docs/configuration.md, made from the option rows: `npm run docs` writes
// them between their markers, and a test fails when the file is not what the rows make.

const ROWS = Object.entries(OPTION_TABLE) as Array<[string, AnyOptionRow]>;

const esc = (s: string): string => s.replace(/\|/g, "\\|");
const code = (s: string): string => `\`${esc(s)}\``;

const KIB = 1024;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A size or a duration in the unit a reader thinks in, from the option's name (`…Bytes`, `…Ms`). */
function readable(key: string, n: number): string | undefined {
  if (key.endsWith("Bytes") && n >= KIB) {
    if (n % (KIB * KIB) === 0) return `${n / (KIB * KIB)} MiB`;
    if (n % KIB === 0) return `${n / KIB} KiB`;
  }
  if (key.endsWith("Ms") && n >= MINUTE_MS) {
    if (n % DAY_MS === 0 && n > DAY_MS) return `${n / DAY_MS} days`;
    if (n % HOUR_MS === 0) return `${n / HOUR_MS} h`;
    if (n % MINUTE_MS === 0) return `${n / MINUTE_MS} min`;
  }
  return undefined;
}

const sameForAll = <T>(record: Readonly<Record<string, T>>): T | undefined => {
  const values = Object.values(record).map((v) => JSON.stringify(v));
  return values.length > 0 && values.every((v) => v === values[0]) ? Object.values(record)[0] : undefined;
};

const gate = (rule: RpcMethodRule): string => [...(rule.minTier !== undefined ? [rule.minTier] : []), ...(rule.roles ?? []).map((r) => `@${r}`)].join("|") || "any";

/** A row's default as the environment would spell it; "unset" for none. */
function spelled(key: string, row: AnyOptionRow): string {
  const value: unknown = row.kind === "perTier" && row.default === undefined ? row.base : row.default;
  if (value === undefined) return "unset";
  switch (row.kind) {
    case "integer": {
      const unit = readable(key, row.default);
      return `${code(String(row.default))}${unit === undefined ? "" : ` (${unit})`}`;
    }
    case "boolean":
      return code(row.default ? "on" : "off");
    case "list":
      return (value as readonly string[]).length === 0 ? "unset" : code((value as readonly string[]).join(","));
    case "perTier": {
      const all = sameForAll(value as Record<string, number>);
      return all !== undefined ? code(String(all)) : Object.entries(value as Record<string, number>).map(([tier, n]) => `${tier} ${n}`).join(", ");
    }
    case "rateLimit": {
      const all = sameForAll(value as Record<string, { eventsPerSecond: number; burst: number }>);
      const pair = (r: { eventsPerSecond: number; burst: number }): string => `${r.eventsPerSecond}:${r.burst}`;
      return all !== undefined ? code(pair(all)) : code(Object.entries(value as Record<string, { eventsPerSecond: number; burst: number }>).map(([tier, r]) => `${tier}=${pair(r)}`).join(","));
    }
    case "map": {
      const entries = Object.entries(value as Record<string, string | RpcMethodRule>);
      return entries.length === 0 ? "unset" : code(entries.map(([name, v]) => `${name}=${typeof v === "string" ? v : gate(v)}`).join(","));
    }
    case "catalogue":
      return (value as readonly unknown[]).length === 0 ? "unset" : `${(value as readonly unknown[]).length} rows`;
    default:
      return code(String(value));
  }
}

/** The docs' default cell of a row. */
export function defaultCell(key: string, row: AnyOptionRow): string {
  if (row.defaultText !== undefined) return row.defaultText;
  return row.defaultNote === undefined ? spelled(key, row) : `${spelled(key, row)} ${row.defaultNote}`;
}

/** The docs' meaning cell of a row: its doc line, and its bounds when it has some. */
export function meaningCell(row: AnyOptionRow): string {
  const bounds = row.kind === "integer" ? integerBounds(row) : row.kind === "perTier" && row.max !== undefined ? `0 to ${row.max}` : undefined;
  return bounds === undefined ? row.doc : `${row.doc}; ${bounds}`;
}

/** The variables and their options, as the "Variables" table of docs/configuration.md. */
export function variablesTable(): string {
  const rows = ROWS.filter(([, row]) => row.env !== undefined).map(([key, row]) => `| \`${row.env}\` | \`${key}\` | ${meaningCell(row)} | ${defaultCell(key, row)} |`);
  return ["| variable | option | meaning | default |", "|---|---|---|---|", ...rows].join("\n");
}

/** The options no variable sets (set through `createGateway`), as a table. */
export function codeOnlyTable(): string {
  const rows = ROWS.filter(([, row]) => row.env === undefined).map(([key, row]) => `| \`${key}\` | ${meaningCell(row)} | ${defaultCell(key, row)} |`);
  return ["| option | meaning | default |", "|---|---|---|", ...rows].join("\n");
}
