import { DEFAULT_NAMESPACES, type NamespaceDefinition } from "@tickwire/protocol";
import { describe, expect, it } from "vitest";
import type { Publication } from "@tickwire/server";
import { ImmediatePolicy } from "../../src/core/delivery-policy.js";
import { ConflationPolicy } from "../../src/streams/conflation-policy.js";
import { deliveryIntervalMs, streamPolicyFactory } from "../../src/streams/stream-policy-factory.js";
import { ManualTimers } from "./manual-timers.js";

const ns = (name: string): NamespaceDefinition => DEFAULT_NAMESPACES.find((n) => n.name === name)!;
const pub = (offset: number): Publication => ({ channel: "quotes:AAPL", offset, epoch: "e", ts: 0, event: "quote:update", data: { symbol: "AAPL", price: offset }, traceId: "t" });

function policy(intervalMs: number): { flushed: number[]; skipped: number[]; clock: ManualTimers; policy: ConflationPolicy } {
  const flushed: number[] = [];
  const skipped: number[] = [];
  const clock = new ManualTimers();
  const context = { channel: "quotes:AAPL", namespace: ns("quotes"), tier: "participant" as const, flush: (p: Publication) => flushed.push(p.offset), skipped: (n: number) => skipped.push(n) };
  return { flushed, skipped, clock, policy: new ConflationPolicy(context, intervalMs, clock) };
}

describe("conflation policy", () => {
  it("writes the first update of an idle interval at once and the newest one when the interval ends", () => {
    const { flushed, skipped, clock, policy: p } = policy(250);
    p.offer(pub(1));
    p.offer(pub(2));
    p.offer(pub(3));
    expect(flushed).toEqual([1]);
    clock.advance(249);
    expect(flushed).toEqual([1]);
    clock.advance(1);
    expect(flushed).toEqual([1, 3]);
    expect(skipped).toEqual([1]);
  });

  it("writes at most once per interval under a steady stream, and goes idle once it stops", () => {
    const { flushed, clock, policy: p } = policy(100);
    for (let i = 1; i <= 20; i++) {
      p.offer(pub(i));
      clock.advance(25);
    }
    expect(flushed).toEqual([1, 4, 8, 12, 16, 20]);
    clock.advance(100);
    expect(clock.size).toBe(0);
    p.offer(pub(21));
    expect(flushed).toEqual([1, 4, 8, 12, 16, 20, 21]);
  });

  it("flushes nothing after close", () => {
    const { flushed, clock, policy: p } = policy(100);
    p.offer(pub(1));
    p.offer(pub(2));
    p.close();
    clock.advance(1000);
    p.offer(pub(3));
    expect(flushed).toEqual([1]);
    expect(clock.size).toBe(0);
  });
});

describe("policy factory", () => {
  it.each([
    ["quotes", "navigator", 1000],
    ["quotes", "participant", 250],
    ["quotes", "builder", 100],
    ["quotes", "operator", 0],
    ["portfolio", "navigator", 1000],
    ["portfolio", "operator", 1000],
    ["metrics", "navigator", 0],
    ["trades", "navigator", 0],
    ["signals", "operator", 0],
    ["notifications", "navigator", 0],
  ] as const)("delivers %s to %s sessions at most every %i ms", (namespace, tier, ms) => {
    expect(deliveryIntervalMs(ns(namespace), tier)).toBe(ms);
  });

  it("never conflates an event namespace, even one that declares intervals", () => {
    const odd = { ...ns("trades"), conflationMs: { navigator: 1000, participant: 1000, builder: 1000, operator: 1000 }, batchMs: 1000 };
    expect(deliveryIntervalMs(odd, "navigator")).toBe(0);
  });

  it("makes an immediate policy where the interval is 0 and a conflation policy elsewhere", () => {
    const make = streamPolicyFactory({ conflationMs: { navigator: 500, participant: 0, builder: 0, operator: 0 }, timers: new ManualTimers() });
    const context = (tier: "navigator" | "builder") => ({ channel: "quotes:A", namespace: ns("quotes"), tier, flush: () => {}, skipped: () => {} });
    const nav = make(context("navigator"));
    expect(nav).toBeInstanceOf(ConflationPolicy);
    expect((nav as ConflationPolicy).intervalMs).toBe(500);
    expect(make(context("builder"))).toBeInstanceOf(ImmediatePolicy);
  });
});
