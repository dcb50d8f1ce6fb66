// Bench options: defaults, then environment (BENCH_CLIENTS=…), then flags (--clients 1000 or --clients=1000).

/** Every scenario, in the order run.mjs runs them. */
export const SCENARIOS = ["watchlist", "window", "hot", "burst", "connections", "storm", "soak", "conflation", "history", "recovery"];

/** What runs without --only: everything but the ten-minute soak. */
export const DEFAULT_SCENARIOS = SCENARIOS.filter((s) => s !== "soak");

/** Defaults sized for a shared 2-core machine. */
export const DEFAULTS = Object.freeze({
  scenarios: DEFAULT_SCENARIOS.join(","),
  /** Measured runs per server (hot channel, burst, history, recovery); the report gives their median. */
  runs: 3,
  seed: 42,
  /** Write window of the extra "Tickwire, N ms window" server in the watchlist and hot-channel scenarios (0: none). */
  writeWindowMs: 20,
  /** Another build of the server (its packages/server/dist folder): an extra "Tickwire (before)" server in the watchlist, hot channel and burst. */
  beforeDist: "",
  /** Load-generator processes per server in the fan-out scenarios. */
  loadgenWorkers: 2,
  /** Load-generator processes of the connections, storm and soak scenarios. */
  connectWorkers: 4,
  /** Connections being set up at once when clients are opened. */
  connectConcurrency: 200,
  /** A delivery counts as delivered when it arrives within this long after the last publish of its run. */
  graceMs: 1000,
  /** Watchlist: clients, symbols, symbols per client, rates per symbol tried in turn, seconds per run. */
  watchlistClients: 1000,
  watchlistSymbols: 100,
  watchlistPerClient: 20,
  watchlistRates: "2,4,8,16,24,32,48,64",
  watchlistSeconds: 5,
  /** Write-window sweep: the windows tried (ms) and the rates per symbol of the watchlist workload. */
  windowSweepMs: "5,10,20,50",
  windowRates: "2,8",
  /** Hot channel: subscribers of one symbol, quotes per second, seconds per run. */
  hotClients: 5000,
  hotRate: 20,
  hotSeconds: 10,
  /** Burst: subscribers of one symbol and quotes published as fast as possible. */
  burstClients: 1000,
  burstQuotes: 200,
  /** Idle connections measured per server, one count after the other. */
  connections: "10000,19000",
  /** Reconnect storm: clients, trades each misses while the server restarts, the servers' listen backlog. */
  stormClients: 10000,
  stormMissed: 3,
  stormBacklog: 4096,
  /** Node flags of every server process in the storm and connections scenarios (e.g. "--max-semi-space-size=64"). */
  serverNodeArgs: "",
  /** Scheduling priority (nice) of the storm's load generator: the server runs first when both want the CPU. */
  stormNice: 10,
  /** Servers of the storm (and of connections): any of tickwire, socketio, ceiling. */
  stormServers: "tickwire,socketio,ceiling",
  /** Soak: connections held, for how long, and the quotes per second published meanwhile. */
  soakConnections: 19000,
  soakSeconds: 600,
  soakRate: 10,
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
  drainTimeoutMs: 20_000,
  out: "bench/results/latest.json",
  /** Write V8 CPU profiles of the servers during the measured runs to profDir. */
  cpuProf: false,
  profDir: "bench/results/profiles",
});

/** The small sizes of `--quick`: a smoke test of every scenario in about two minutes. */
export const QUICK = Object.freeze({
  runs: 1,
  watchlistClients: 200,
  watchlistRates: "2,8",
  watchlistSeconds: 2,
  windowSweepMs: "20",
  windowRates: "2",
  hotClients: 500,
  hotSeconds: 3,
  burstClients: 200,
  burstQuotes: 50,
  connections: "1000",
  stormClients: 500,
  soakConnections: 1000,
  soakSeconds: 30,
  conflationClients: 100,
  conflationSeconds: 3,
  users: 20,
  trades: 500,
  tradesPaced: 250,
  recoveryGap: 200,
  out: "bench/results/quick.json",
});

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
    `Usage: npm run bench -- [--quick] [--only ${SCENARIOS.join(",")}] [--flag value …]`,
    "",
    "  --quick                  small sizes, one run each (smoke test)",
    "  --only LIST              alias of --scenarios",
    ...lines,
  ].join("\n");
}
