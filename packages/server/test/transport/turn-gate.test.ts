import { describe, expect, it } from "vitest";
import { TurnGate } from "../../src/transport/turn-gate.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("the turn gate", () => {
  it("starts a task at once while nothing waits", () => {
    const gate = new TurnGate(40);
    const ran: number[] = [];
    gate.run(() => ran.push(1));
    gate.run(() => ran.push(2));
    expect(ran).toEqual([1, 2]);
    expect(gate.waiting).toBe(0);
  });

  it("spreads a burst over turns, in arrival order, and never loses a task (one that throws included)", async () => {
    const gate = new TurnGate(40);
    const ran: number[] = [];
    for (let i = 0; i < 200; i++) {
      gate.run(() => {
        ran.push(i);
        if (i === 5) throw new Error("a task's own failure");
      });
    }
    const startedInFirstTurn = ran.length;
    expect(startedInFirstTurn).toBe(32);
    expect(gate.waiting).toBe(200 - 32);
    // A task arriving while others wait goes behind them.
    gate.run(() => ran.push(200));
    let turns = 0;
    while (gate.waiting > 0 && turns < 100) {
      await turn();
      turns++;
    }
    expect(ran).toEqual(Array.from({ length: 201 }, (_, i) => i));
    expect(turns).toBeGreaterThan(1);
  });

  it("starts fewer tasks per turn after a turn ran long, more after short ones", async () => {
    let clock = 0;
    const gate = new TurnGate(40, () => clock);
    const perTurn: number[] = [];
    let count = 0;
    for (let i = 0; i < 2000; i++) gate.run(() => count++);
    perTurn.push(count);
    // Each turn "takes" 2 ms per task started in it.
    for (let t = 0; t < 12 && gate.waiting > 0; t++) {
      clock += 2 * (perTurn.at(-1) ?? 0);
      const before = count;
      await turn();
      perTurn.push(count - before);
    }
    expect(perTurn[0]).toBe(32);
    // 32 tasks took 64 ms (> 40): the next turn starts 40 × 32 / 64 = 20.
    expect(perTurn[1]).toBe(20);
    // 20 tasks took 40 ms (not above the target): four more each turn from then on.
    expect(perTurn[2]).toBe(24);
    expect(Math.max(...perTurn.slice(2))).toBeLessThanOrEqual(40);
  });
});
