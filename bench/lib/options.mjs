// Bench options: defaults, then environment (BENCH_CLIENTS=…), then flags (--clients 1000 or --clients=1000).

/** Every scenario, in the order run.mjs runs them. */
export const SCENARIOS = ["fanout", "baseline", "conflation", "history", "recovery"];

/** Defaults sized for a shared 2-core machine: the whole suite takes a few minutes. */
export const DEFAULTS = Object.freeze({
  scenarios: SCENARIOS.join(","),
  /** Clients of the fan-out scenarios (operator tier, one quote channel). */
  clients: 1000,
  /** Quotes per measured fan-out run. */
  quotes: 100,
  /** Quotes per second in the fan-out scenarios: deliveries offered = clients × rate. */
  rate: 20,
  /** Measured runs per scenario; the report gives their median. */
  runs: 3,
  /** Quotes published before the measured runs (JIT, buffers, connections warm). */
  warmup: 20,
  seed: 42,
  /** Quiet time after the warm-up during which the fan-out servers' idle CPU is measured (subtracted in the "net" CPU figure). */
  idleMs: 2000,
  /** Navigator-tier clients of the conflation scenario. */
  conflationClients: 1000,
  /** Operator-tier reference clients on the same channel. */
  conflationReference: 10,
  conflationRate: 50,
  conflationSeconds: 5,
  /** Users (one subscriber each) of the event-channel scenario. */
  users: 100,
  /** Trades per burst run (as fast as possible, `tradeConcurrency` publishes in flight). */
  trades: 3000,
  tradeConcurrency: 100,
  /** Trades per paced run, and their rate per second. */
  tradesPaced: 1500,
  tradeRate: 500,
  /** Publications missed while disconnected in the recovery scenario. */
  recoveryGap: 1000,
  connectConcurrency: 50,
  drainTimeoutMs: 20_000,
  out: "bench/results/latest.json",
  /** Write V8 CPU profiles of the gateway during the measured fan-out and history runs to profDir. */
  cpuProf: false,
  profDir: "bench/results/profiles",
});

/** The small sizes of `--quick` (a smoke test in well under a minute). */
export const QUICK = Object.freeze({ clients: 100, quotes: 50, rate: 20, runs: 1, warmup: 10, conflationClients: 100, conflationSeconds: 3, users: 20, trades: 500, tradesPaced: 250, recoveryGap: 200, out: "bench/results/quick.json" });

const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (name) => `BENCH_${kebab(name).replace(/-/g, "_").toUpperCase()}`;

function coerce(name, value) {
  const def = DEFAULTS[name];
  if (typeof def === "number") {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${kebab(name)} must be a number ≥ 0, got ${JSON.stringify(value)}`);
    return n;
  }
  if (typeof def === "boolean") return value === true || value === "true" || value === "1" || value === "";
  return String(value);
}

/** Parses argv (without node and script) and the environment into the options object. */
export function parseOptions(argv = process.argv.slice(2), env = process.env) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return { help: true };
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    let [key, value] = arg.slice(2).split(/=(.*)/s, 2);
    const name = key.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (name === "quick" || name === "only") {
      if (name === "quick") flags.quick = true;
      else flags.scenarios = value ?? argv[++i];
      continue;
    }
    if (!(name in DEFAULTS)) throw new Error(`unknown flag --${key} (see --help)`);
    if (value === undefined) value = typeof DEFAULTS[name] === "boolean" ? true : argv[++i];
    flags[name] = coerce(name, value);
  }
  const fromEnv = {};
  for (const name of Object.keys(DEFAULTS)) if (env[envName(name)] !== undefined) fromEnv[name] = coerce(name, env[envName(name)]);
  const quick = flags.quick || env.BENCH_QUICK === "1";
  delete flags.quick;
  const options = { ...DEFAULTS, ...(quick ? QUICK : {}), ...fromEnv, ...flags, quick };
  const scenarios = options.scenarios.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; one of ${SCENARIOS.join(", ")}`);
  return { ...options, scenarios };
}

/** --help text, generated from DEFAULTS. */
export function usage() {
  const lines = Object.entries(DEFAULTS).map(([k, v]) => `  --${kebab(k).padEnd(22)} ${envName(k).padEnd(30)} default ${JSON.stringify(v)}`);
  return [
    "Usage: npm run bench -- [--quick] [--only fanout,baseline,conflation,history,recovery] [--flag value …]",
    "",
    "  --quick                  small sizes, one run each (smoke test)",
    "  --only LIST              alias of --scenarios",
    ...lines,
  ].join("\n");
}
