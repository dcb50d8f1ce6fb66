import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Publication } from "../../src/core/publication.js";
import { SubscriptionRecovery } from "../../src/core/recovery.js";
import { fuzzParameters } from "./arbitraries.js";

// Property-based over a subscriber's recovery, at the level of the type that
// owns it: a channel's publications, the live feed that reaches the hub some
// time after each is published, a history lost now and then (a new epoch),
// and one subscriber that registers (buffers from then on), reads history,
// replays and merges at random moments in between. Whatever the interleaving,
// the subscriber gets every publication after where it starts, in order, once.

/** One thing that happens to the channel: a publication, the feed handing the oldest undelivered one to the hub, a lost history. */
type Step = "publish" | "dispatch" | "lose";

interface Scenario {
  readonly steps: readonly Step[];
  /** Step indices of the subscriber's registration, its history read, its replay and merge (in that order). */
  readonly at: readonly [register: number, read: number, merge: number];
  /** How far behind the channel's head the subscriber's `since` is at registration; undefined: a fresh subscribe. */
  readonly behind: number | undefined;
}

const scenario: fc.Arbitrary<Scenario> = fc
  .array(fc.oneof({ weight: 5, arbitrary: fc.constant<Step>("publish") }, { weight: 5, arbitrary: fc.constant<Step>("dispatch") }, { weight: 1, arbitrary: fc.constant<Step>("lose") }), { maxLength: 40 })
  .chain((steps) =>
    fc.record({
      steps: fc.constant(steps),
      at: fc.tuple(fc.nat(steps.length), fc.nat(steps.length), fc.nat(steps.length)).map((t) => t.sort((a, b) => a - b) as unknown as readonly [number, number, number]),
      behind: fc.option(fc.nat(6), { nil: undefined }),
    }),
  );

interface Delivered {
  readonly epoch: string;
  readonly offset: number;
  /** The recovery reported another epoch than the subscriber had: it is told to resync. */
  readonly resync: boolean;
}

/** Plays a scenario the way the hub and the subscription manager drive the recovery. */
function play({ steps, at, behind }: Scenario) {
  const published: Publication[] = [];
  const epochs = ["e0"];
  let head = 0;
  let dispatched = 0;
  const recovery = new SubscriptionRecovery();
  const delivered: Delivered[] = [];
  let phase: "before" | "recovering" | "live" = "before";
  let since: { epoch: string; offset: number } | undefined;
  let read: { epoch: string; head: number; publications: Publication[] } | undefined;
  const epoch = (): string => epochs[epochs.length - 1]!;
  const deliver = (p: Publication): void => {
    if (recovery.has(p)) return;
    delivered.push({ epoch: p.epoch, offset: p.offset, resync: recovery.advance(p) });
  };
  /** Older publications the subscriber may be sent: after every one of the history read in its buffer, or after it went live. */
  const late = new Set<string>();
  const buffered: Publication[] = [];
  const dispatch = (): void => {
    const p = published[dispatched++]!;
    if (phase === "recovering") {
      recovery.buffer(p);
      buffered.push(p);
    } else if (phase === "live") {
      late.add(`${p.epoch}:${p.offset}`);
      deliver(p);
    }
  };
  let recovered = false;
  let replays = 0;
  for (let i = 0; i <= steps.length; i++) {
    if (i === at[0]) {
      phase = "recovering";
      if (behind !== undefined) since = { epoch: epoch(), offset: Math.max(0, head - behind) };
    }
    if (i === at[1]) {
      // What the engine's history answers: the publications after `since` of the history it has now.
      read = { epoch: epoch(), head, publications: published.filter((p) => p.epoch === epoch() && since !== undefined && p.offset > since.offset) };
    }
    if (i === at[2]) {
      recovered = since !== undefined && since.epoch === read!.epoch && since.offset <= read!.head;
      if (recovered) {
        recovery.start(since!);
        replays = read!.publications.length;
        for (const p of read!.publications) deliver(p);
      }
      const newest = buffered.map((p) => p.epoch).lastIndexOf(read!.epoch);
      buffered.forEach((p, j) => j > newest && late.add(`${p.epoch}:${p.offset}`));
      for (const p of recovery.merge(read!.head, read!.epoch)) deliver(p);
      phase = "live";
    }
    const step = steps[i];
    if (step === "publish") {
      head++;
      published.push({ channel: "trades:alice", offset: head, epoch: epoch(), ts: published.length, event: "trade:update", data: null, traceId: String(published.length) });
    } else if (step === "dispatch" && dispatched < published.length) dispatch();
    else if (step === "lose") {
      epochs.push(`e${epochs.length}`);
      head = 0;
    }
  }
  while (dispatched < published.length) dispatch();
  const start = recovered ? since! : { epoch: read!.epoch, offset: read!.head };
  return { published, epochs, delivered, start, late, firstHadPosition: !(recovered && replays > 0) };
}

describe("recovery merge", () => {
  it("delivers every publication after the subscriber's start once, in order, with no gap, whatever the interleaving of replay and live arrivals", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { published, epochs, delivered, start, late, firstHadPosition } = play(s);
        const rank = (e: string): number => epochs.indexOf(e);
        const owed = published.filter((p) => rank(p.epoch) > rank(start.epoch) || (p.epoch === start.epoch && p.offset > start.offset)).map((p) => [p.epoch, p.offset]);
        const sent = delivered.map((d) => [d.epoch, d.offset]);
        // The subscriber is told to resync exactly when a publication is of another epoch than the one it had.
        delivered.forEach((d, i) => {
          const had = i > 0 ? delivered[i - 1]!.epoch : firstHadPosition ? start.epoch : undefined;
          expect(d.resync).toBe(had !== undefined && had !== d.epoch);
        });
        if (!delivered.some((d) => rank(d.epoch) < rank(start.epoch))) {
          // Exactly what it is owed: in order, no gap, no duplicate.
          expect(sent).toEqual(owed);
          return;
        }
        // Only a lost history's publication that reaches the hub after every one of the history read is
        // delivered, with a resync: epochs have no order to tell it from a newer history's, and a newer
        // one must not be lost. Even then nothing owed is lost or reordered.
        for (const d of delivered) if (rank(d.epoch) < rank(start.epoch)) expect(late).toContain(`${d.epoch}:${d.offset}`);
        let next = 0;
        for (const p of sent) if (next < owed.length && p[0] === owed[next]![0] && p[1] === owed[next]![1]) next++;
        expect(next).toBe(owed.length);
      }),
      fuzzParameters(2000),
    );
  });
});
