import type { GatewayOptions } from "./options.js";
import { OPTION_TABLE, type AnyOptionRow } from "./option-table.js";

type Env = Record<string, string | undefined>;

/** How a TICKWIRE_* variable maps onto an option; `list` values are comma-separated. */
export interface EnvVariable {
  readonly option: keyof GatewayOptions;
  readonly list?: true;
}

const ROWS = Object.entries(OPTION_TABLE) as Array<[keyof GatewayOptions, AnyOptionRow]>;

/**
 * Every TICKWIRE_* variable the gateway reads (docs/configuration.md), and its option: the rows with a variable.
 * `NODE_ENV=production` selects `mode` besides these.
 */
export const ENV_VARIABLES: Readonly<Record<string, EnvVariable>> = Object.freeze(
  Object.fromEntries(ROWS.filter(([, row]) => row.env?.startsWith("TICKWIRE_") === true).map(([option, row]) => [row.env, Object.freeze(row.kind === "list" ? { option, list: true as const } : { option })])),
);

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/**
 * Reads the variables of the rows (docs/configuration.md, "Variables"): text as given, lists split at commas.
 * Values are checked in resolveOptions, so a bad number is reported, not ignored.
 */
export function optionsFromEnv(env: Env): Partial<Record<keyof GatewayOptions, unknown>> {
  const out: Partial<Record<keyof GatewayOptions, unknown>> = {};
  for (const [option, row] of ROWS) {
    const value = row.env === undefined ? undefined : nonEmpty(env[row.env]);
    if (value === undefined) continue;
    if (row.kind === "enum" && row.envOnly !== undefined && !(row.envOnly as readonly string[]).includes(value)) continue;
    out[option] = row.kind === "list" ? value.split(",").map((s) => s.trim()).filter((s) => s.length > 0) : value;
  }
  return out;
}

/** Edit distance of two names (insertions, deletions, substitutions, transpositions of neighbours). */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** A TICKWIRE_* variable the gateway does not read, and the known name closest to it. */
export interface UnknownVariable {
  readonly name: string;
  /** The closest known variable, when one is near enough to be a likely typo. */
  readonly suggestion: string | undefined;
}

/** The TICKWIRE_* variables of `env` that no option reads (a typo is otherwise ignored silently). */
export function unknownEnvVariables(env: Env, known: readonly string[] = Object.keys(ENV_VARIABLES)): UnknownVariable[] {
  const out: UnknownVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("TICKWIRE_") || known.includes(name)) continue;
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of known) {
      const d = distance(name.slice(9), candidate.slice(9));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    // Near enough: a few edits, and fewer than half the name's letters.
    const suggestion = best !== undefined && bestDistance <= Math.max(2, Math.floor((name.length - 9) / 3)) && bestDistance < (name.length - 9) / 2 ? best : undefined;
    out.push({ name, suggestion });
  }
  return out;
}
