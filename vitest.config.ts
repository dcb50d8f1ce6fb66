import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so `npm test` needs no build first.
    alias: [
      { find: /^@tickwire\/protocol$/, replacement: src("./packages/protocol/src/index.ts") },
      { find: /^@tickwire\/protocol\/core$/, replacement: src("./packages/protocol/src/core.ts") },
      { find: /^@tickwire\/server$/, replacement: src("./packages/server/src/index.ts") },
    ],
  },
  test: {
    projects: [
      // The suite shares one Redis Cluster (started for the run unless TICKWIRE_TEST_REDIS_CLUSTER names one).
      { extends: true, test: { name: "suite", globalSetup: ["packages/server/test/global-setup.ts"], include: ["packages/*/test/**/*.test.ts", "packages/*/test/**/*.test.tsx", "apps/*/test/**/*.test.ts", "docs/**/*.test.ts", "bench/test/**/*.test.mjs"] } },
      // Packing, installing and compiling take both cores for a while: run after the rest, so
      // that the timing of the multi-node tests is not squeezed by them.
      { extends: true, test: { name: "packaging", include: ["test/**/*.test.ts"], sequence: { groupOrder: 1 } } },
    ],
    reporters: ["default", "./scripts/summary-reporter.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Servers on real ports and a real SQLite file per test: files run in parallel, tests in a file in order.
    pool: "forks",
    coverage: {
      provider: "v8",
      include: ["packages/*/src/**", "apps/dashboard/src/**"],
      reporter: ["text-summary", "json-summary"],
      reportsDirectory: "coverage",
    },
    maxWorkers: 2,
  },
});
