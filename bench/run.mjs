#!/usr/bin/env node
// Tickwire benchmark suite: `npm run bench` (all scenarios) or
// `npm run bench -- --quick`, `--only fanout,baseline`, `--clients 500` (see --help).
// Prints tables and writes bench/results/latest.json. Loopback only; every
// scenario is bounded in count and time and stops its server child by itself.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOptions, usage } from "./lib/options.mjs";
import { renderReport } from "./lib/report.mjs";
import { round } from "./lib/stats.mjs";
import { goals } from "./lib/goals.mjs";
import { burst } from "./scenarios/burst.mjs";
import { conflation } from "./scenarios/conflation.mjs";
import { connections } from "./scenarios/connections.mjs";
import { eventHistory } from "./scenarios/event-history.mjs";
import { hotChannel } from "./scenarios/hot-channel.mjs";
import { recovery } from "./scenarios/recovery.mjs";
import { soak } from "./scenarios/soak.mjs";
import { storm } from "./scenarios/storm.mjs";
import { watchlist } from "./scenarios/watchlist.mjs";
import { writeWindow } from "./scenarios/write-window.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

let opts;
try {
  opts = parseOptions();
} catch (err) {
  console.error(`${err.message}\n\n${usage()}`);
  process.exit(2);
}
if (opts.help) {
  console.log(usage());
  process.exit(0);
}
if (!existsSync("packages/server/dist/index.js")) {
  console.error("packages/server/dist is missing: run `npx tsc -b packages/protocol packages/server` (or `npm run build`) first.");
  process.exit(2);
}
if (opts.cpuProf) mkdirSync(opts.profDir, { recursive: true });

const RUNNERS = {
  watchlist,
  window: writeWindow,
  hot: hotChannel,
  burst,
  connections,
  storm,
  soak,
  conflation,
  history: eventHistory,
  recovery,
};

function git(...args) {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

const log = (line) => console.log(line);
const la = () => loadavg().map((x) => round(x, 2));
const results = {
  version: 1,
  startedAt: new Date().toISOString(),
  machine: {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    node: process.version,
    os: `${process.platform} ${release()}`,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    loadAverageStart: la(),
  },
  git: { commit: git("rev-parse", "--short", "HEAD"), dirty: (git("status", "--porcelain", "--", "packages") ?? "") !== "" },
  options: opts,
  scenarios: {},
  errors: [],
};

const started = performance.now();
for (const name of opts.scenarios) {
  log(`▶ ${name}`);
  const t0 = performance.now();
  const load = la();
  try {
    const result = await RUNNERS[name](opts, log);
    results.scenarios[name] = { ...result, seconds: result.seconds ?? round((performance.now() - t0) / 1000, 1), scenarioSeconds: round((performance.now() - t0) / 1000, 1), loadAverage: { start: load, end: la() } };
  } catch (err) {
    results.errors.push({ scenario: name, message: err?.stack ?? String(err) });
    log(`  ${name} failed: ${err?.message ?? err}`);
  }
}
results.machine.loadAverageEnd = la();
results.goals = goals(results);
results.totalSeconds = round((performance.now() - started) / 1000, 1);
// Speed goals are reported, not asserted; the exit code is about correctness.
results.ok = results.errors.length === 0 && Object.values(results.scenarios).every((s) => s.ok);

mkdirSync(dirname(opts.out), { recursive: true });
writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
log("");
log(renderReport(results));
log("");
log(`${results.ok ? "All checks passed" : "SOME CHECKS FAILED"} in ${results.totalSeconds} s; results in ${opts.out}`);
process.exit(results.ok ? 0 : 1);
