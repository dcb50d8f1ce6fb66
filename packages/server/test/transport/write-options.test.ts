import { describe, expect, it } from "vitest";
import { DEFAULT_OPTIONS, optionsFromEnv, resolveOptions } from "@tickwire/server";
import { configProblems } from "../config-problems.js";

const base = { jwtSecret: "x".repeat(32), apiKeys: ["k"] };
const fromEnv = (env: Record<string, string>) => resolveOptions({ ...optionsFromEnv(env), ...base }).options;
const problemsOf = (env: Record<string, string>): readonly string[] => configProblems({ ...optionsFromEnv(env), ...base });

describe("options of the write path and of admission", () => {
  it("have their documented defaults", () => {
    expect(DEFAULT_OPTIONS.writeWindowMs).toEqual({ navigator: 0, participant: 0, builder: 0, operator: 0 });
    expect([DEFAULT_OPTIONS.stateBacklogBytes, DEFAULT_OPTIONS.maxQueuedBytes, DEFAULT_OPTIONS.listenBacklog, DEFAULT_OPTIONS.admissionTurnMs]).toEqual([262_144, 8_388_608, 511, 40]);
  });

  it("read the write window for every tier or per tier; tiers left out have none", () => {
    expect(fromEnv({ TICKWIRE_WRITE_WINDOW_MS: "20" }).writeWindowMs).toEqual({ navigator: 20, participant: 20, builder: 20, operator: 20 });
    expect(fromEnv({ TICKWIRE_WRITE_WINDOW_MS: "operator=10, builder=5" }).writeWindowMs).toEqual({ navigator: 0, participant: 0, builder: 5, operator: 10 });
    expect(resolveOptions({ ...base, writeWindowMs: { navigator: 0, participant: 0, builder: 0, operator: 15 } }).options.writeWindowMs.operator).toBe(15);
  });

  it("read the byte limits, the backlog and the admission turn from the environment", () => {
    const o = fromEnv({ TICKWIRE_STATE_BACKLOG_BYTES: "1024", TICKWIRE_MAX_QUEUED_BYTES: "65536", TICKWIRE_LISTEN_BACKLOG: "4096", TICKWIRE_ADMISSION_TURN_MS: "25" });
    expect([o.stateBacklogBytes, o.maxQueuedBytes, o.listenBacklog, o.admissionTurnMs]).toEqual([1024, 65_536, 4096, 25]);
  });

  it("lists every bad value at once", () => {
    expect(problemsOf({ TICKWIRE_WRITE_WINDOW_MS: "2000", TICKWIRE_MAX_QUEUED_BYTES: "lots", TICKWIRE_LISTEN_BACKLOG: "0", TICKWIRE_ADMISSION_TURN_MS: "0" })).toEqual([
      "listenBacklog must be at least 1.",
      "admissionTurnMs must be at least 1.",
      'maxQueuedBytes must be a whole number ≥ 0 (got "lots").',
      'TICKWIRE_WRITE_WINDOW_MS "2000" is not a whole number of ms (0 ≤ ms ≤ 1000) or "tier=ms,…".',
    ]);
    expect(problemsOf({ TICKWIRE_WRITE_WINDOW_MS: "operator=fast" })).toEqual(['writeWindowMs entry ["operator","fast"] is not "tier=ms" with 0 ≤ ms ≤ 1000.']);
  });
});
