// The arithmetic behind "how many nodes one Redis master carries": per-publication
// CPU after the idle rate, the line through the points, and the budget.
import { describe, expect, it } from "vitest";
import { fitPerNode, nodesWithinBudget, perPublicationUs } from "../lib/shard-cost.mjs";

describe("a Redis master's cost per publication", () => {
  it("takes the idle rate off the phase's CPU before dividing by the publications", () => {
    // 10 s at 2 ms/s idle leaves 100 ms of 120 for 1000 publications.
    expect(perPublicationUs({ cpuMs: 120, seconds: 10, idleCpuMsPerSecond: 2, publications: 1000 })).toBe(100);
  });

  it("counts nothing below the idle rate and has no figure without publications", () => {
    expect(perPublicationUs({ cpuMs: 15, seconds: 10, idleCpuMsPerSecond: 2, publications: 1000 })).toBe(0);
    expect(perPublicationUs({ cpuMs: 120, seconds: 10, idleCpuMsPerSecond: 2, publications: 0 })).toBeUndefined();
  });

  it("recovers the base cost and the cost per subscribed node from points on a line, and fits noisy ones by least squares", () => {
    const line = (nodes) => ({ nodes, usPerPublication: 80 + 12 * nodes });
    expect(fitPerNode([line(1), line(2), line(3)])).toEqual({ baseUs: 80, perNodeUs: 12 });
    const noisy = fitPerNode([
      { nodes: 1, usPerPublication: 93 },
      { nodes: 2, usPerPublication: 103 },
      { nodes: 3, usPerPublication: 117 },
    ]);
    expect(noisy.perNodeUs).toBeCloseTo(12, 10);
    expect(noisy.baseUs).toBeCloseTo(80.33333333, 6);
  });

  it("has no line without two different node counts with figures", () => {
    expect(fitPerNode([{ nodes: 1, usPerPublication: 90 }])).toBeUndefined();
    expect(fitPerNode([{ nodes: 2, usPerPublication: 90 }, { nodes: 2, usPerPublication: 95 }])).toBeUndefined();
    expect(fitPerNode([{ nodes: 1, usPerPublication: 90 }, { nodes: 2, usPerPublication: undefined }])).toBeUndefined();
  });

  it("gives the nodes that fit in half a core at a rate, none when one node does not fit, unbounded when a node costs nothing", () => {
    // 1000 publications/s in half a core: 500 µs each; 500 = 20 + 10 × 48.
    expect(nodesWithinBudget({ baseUs: 20, perNodeUs: 10 }, 1000, 0.5)).toBe(48);
    expect(nodesWithinBudget({ baseUs: 400, perNodeUs: 200 }, 1000, 0.5)).toBe(0);
    expect(nodesWithinBudget({ baseUs: 100, perNodeUs: -3 }, 1000, 0.5)).toBe(Number.POSITIVE_INFINITY);
  });
});
