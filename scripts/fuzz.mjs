// The long fuzz run (`npm run fuzz`): the suites of packages/server/test/fuzz, each
// property with TICKWIRE_FUZZ_RUNS inputs (default 60000: 180000 in all), each stopped
// at TICKWIRE_FUZZ_TIME_LIMIT_MS at the latest (default 20 minutes). `npm test` runs the
// same properties briefly. A failure prints its seed: TICKWIRE_FUZZ_SEED replays it.
import { spawnSync } from "node:child_process";

const env = {
  ...process.env,
  TICKWIRE_FUZZ_RUNS: process.env.TICKWIRE_FUZZ_RUNS ?? "60000",
  TICKWIRE_FUZZ_TIME_LIMIT_MS: process.env.TICKWIRE_FUZZ_TIME_LIMIT_MS ?? String(20 * 60_000),
};
process.stdout.write(`fuzz: ${env.TICKWIRE_FUZZ_RUNS} inputs per property, at most ${Number(env.TICKWIRE_FUZZ_TIME_LIMIT_MS) / 1000} s each\n`);
const started = Date.now();
const run = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "packages/server/test/fuzz", ...process.argv.slice(2)], { env, stdio: "inherit" });
process.stdout.write(`fuzz: done in ${Math.round((Date.now() - started) / 1000)} s\n`);
process.exit(run.status ?? 1);
