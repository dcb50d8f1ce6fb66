import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisEngine, type Gateway } from "@tickwire/server";
import { TestBed, until } from "../helpers.js";
import { Backend, refusingUrl, type BackendCall } from "../proxy/backend.js";
import { REDIS_BACKENDS } from "../redis-backends.js";
import { Cluster } from "../multi-node/cluster.js";

// The occupancy hook (docs/backend-hooks.md): the platform's backend is told when a channel
// gets its first subscriber anywhere and when its last one leaves, once per transition.
const backend = new Backend();
let base: string;
beforeAll(async () => {
  base = await backend.start();
});
afterAll(() => backend.close());

/** The occupancy calls received so far, without their varying fields (checked separately). */
function changes(): Array<{ channel: unknown; namespace: unknown; occupied: unknown }> {
  return backend.on("/occupancy").map((c) => ({ channel: c.body.channel, namespace: c.body.namespace, occupied: c.body.occupied }));
}

/** Every call has the documented shape: a millisecond timestamp and the trace id also sent as the header. */
function expectWellFormed(calls: readonly BackendCall[]): void {
  for (const call of calls) {
    expect(Object.keys(call.body).sort()).toEqual(["channel", "namespace", "occupied", "traceId", "ts"]);
    expect(typeof call.body.ts).toBe("number");
    expect(Number.isInteger(call.body.ts)).toBe(true);
    expect(call.headers["x-trace-id"]).toBe(call.body.traceId);
    expect(call.headers["content-type"]).toBe("application/json");
  }
}

async function subscribe(bed: TestBed, gw: Gateway, user: string, ...channels: string[]) {
  const socket = await bed.connectAs(gw, user, "builder");
  const reply = await socket.emitWithAck("subscribe", { channels });
  expect(reply.failed).toEqual([]);
  return socket;
}

describe("occupancy hook on one node", () => {
  const bed = new TestBed();
  afterEach(async () => {
    await bed.cleanup();
    backend.reset();
  });

  it("posts occupied on the first subscriber and vacated after the last one, for tracked namespaces only", async () => {
    const gw = await bed.gateway({ proxyOccupancyUrl: `${base}/occupancy`, occupancyDebounceMs: 200 });
    const alice = await subscribe(bed, gw, "alice", "quotes:AAPL", "signals");
    const bob = await subscribe(bed, gw, "bob", "quotes:AAPL");
    await until(() => changes().length === 1, 5000, "occupied");
    expect(changes()).toEqual([{ channel: "quotes:AAPL", namespace: "quotes", occupied: true }]);

    // One of two subscribers leaves: still occupied. The last one's connection closes: vacated.
    expect(await alice.emitWithAck("unsubscribe", { channels: ["quotes:AAPL"] })).toEqual({ ok: true, unsubscribed: ["quotes:AAPL"] });
    bob.close();
    await until(() => changes().length === 2, 5000, "vacated");
    // A later channel's transition shows nothing else was queued before it (signals is not tracked).
    await subscribe(bed, gw, "carol", "quotes:MSFT");
    await until(() => changes().length === 3, 5000, "MSFT occupied");
    expect(changes()).toEqual([
      { channel: "quotes:AAPL", namespace: "quotes", occupied: true },
      { channel: "quotes:AAPL", namespace: "quotes", occupied: false },
      { channel: "quotes:MSFT", namespace: "quotes", occupied: true },
    ]);
    const calls = backend.on("/occupancy");
    expectWellFormed(calls);
    expect(calls[1]!.body.ts as number).toBeGreaterThanOrEqual(calls[0]!.body.ts as number);
    // The backend has the third call; the gateway counts it once the answer is back.
    const okCalls = async () => (await gw.metrics.occupancyHookCalls.get()).values.find((v) => v.labels.result === "ok")?.value ?? 0;
    for (let i = 0; i < 200 && (await okCalls()) < 3; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await gw.metrics.occupancyHookCalls.get()).toMatchObject({ values: [{ labels: { result: "ok" }, value: 3 }] });
  });

  it("does not flap: an unsubscribe and subscribe inside the debounce announce nothing", async () => {
    const gw = await bed.gateway({ proxyOccupancyUrl: `${base}/occupancy`, occupancyDebounceMs: 1500, occupancyNamespaces: ["quotes", "signals"] });
    const alice = await subscribe(bed, gw, "alice", "quotes:AAPL");
    await until(() => changes().length === 1, 5000, "occupied");
    expect(await alice.emitWithAck("unsubscribe", { channels: ["quotes:AAPL"] })).toMatchObject({ ok: true });
    expect(await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).toMatchObject({ ok: true, failed: [] });
    // Settles run in the order their debounce began: once signals is announced, AAPL's settle has run.
    await subscribe(bed, gw, "bob", "signals");
    await until(() => changes().length === 2, 5000, "signals occupied");
    expect(changes()).toEqual([
      { channel: "quotes:AAPL", namespace: "quotes", occupied: true },
      { channel: "signals", namespace: "signals", occupied: true },
    ]);
  });

  it("never holds a subscribe: a failing backend is logged and counted, and the next transition is posted again", async () => {
    backend.reply = () => ({ json: { error: { code: "DOWN", message: "maintenance" } }, status: 500 });
    const gw = await bed.gateway({ proxyOccupancyUrl: `${base}/occupancy`, occupancyDebounceMs: 100 });
    const alice = await subscribe(bed, gw, "alice", "quotes:AAPL");
    await until(() => changes().length === 1, 5000, "the failing call");
    await expectCount(gw, "failed", 1);
    backend.reply = () => ({ json: { result: {} } });
    alice.close();
    await until(() => changes().length === 2, 5000, "vacated");
    await expectCount(gw, "ok", 1);
    expect(changes()).toEqual([
      { channel: "quotes:AAPL", namespace: "quotes", occupied: true },
      { channel: "quotes:AAPL", namespace: "quotes", occupied: false },
    ]);

    // An unreachable backend: subscribes are answered all the same.
    const down = await bed.gateway({ proxyOccupancyUrl: await refusingUrl(), occupancyDebounceMs: 50 });
    const bob = await subscribe(bed, down, "bob", "quotes:TSLA");
    expect(await bob.emitWithAck("unsubscribe", { channels: ["quotes:TSLA"] })).toEqual({ ok: true, unsubscribed: ["quotes:TSLA"] });
    expect(await bob.emitWithAck("subscribe", { channels: ["quotes:NVDA"] })).toMatchObject({ ok: true, failed: [] });
    await expectCount(down, "failed", 1);
  });
});

/** Waits until the hook counted `value` calls with `result`. */
async function expectCount(gw: Gateway, result: string, value: number): Promise<void> {
  let seen: unknown;
  const start = Date.now();
  for (;;) {
    const metric = await gw.metrics.occupancyHookCalls.get();
    seen = metric.values.find((v) => v.labels.result === result)?.value;
    if (seen === value) return;
    if (Date.now() - start > 5000) throw new Error(`occupancy hook ${result} calls: ${String(seen)}, expected ${value}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const redis of REDIS_BACKENDS)
  describe.runIf(redis.available)(`occupancy hook across nodes on ${redis.label}`, () => {
    const bed = new TestBed();
    let cluster: Cluster;
    afterEach(async () => {
      await bed.cleanup();
      await cluster.cleanup();
      backend.calls.length = 0;
    });

    it("announces each transition once across two nodes: first subscriber anywhere, last one gone anywhere", async () => {
      cluster = new Cluster(bed, redis);
      const [a, b] = await cluster.nodes(2, { proxyOccupancyUrl: `${base}/occupancy`, occupancyDebounceMs: 300 });
      // Both nodes get their first local subscriber at the same moment: one occupied.
      const [onA, onB] = await Promise.all([subscribe(bed, a!, "alice", "quotes:AAPL"), subscribe(bed, b!, "bob", "quotes:AAPL")]);
      await until(() => changes().length >= 1, 5000, "occupied");
      // The first node's subscriber leaves: the second still holds the channel.
      onA.close();
      // A later transition on both nodes shows what was settled before it.
      await Promise.all([subscribe(bed, a!, "carol", "quotes:MSFT"), subscribe(bed, b!, "dave", "quotes:MSFT")]);
      await until(() => changes().length >= 2, 5000, "MSFT occupied");
      expect(changes()).toEqual([
        { channel: "quotes:AAPL", namespace: "quotes", occupied: true },
        { channel: "quotes:MSFT", namespace: "quotes", occupied: true },
      ]);
      // The last subscriber anywhere leaves: one vacated.
      onB.close();
      await until(() => changes().length >= 3, 5000, "vacated");
      await subscribe(bed, a!, "erin", "quotes:NVDA");
      await subscribe(bed, b!, "erin", "quotes:NVDA");
      await until(() => changes().length >= 4, 5000, "NVDA occupied");
      expect(changes()).toEqual([
        { channel: "quotes:AAPL", namespace: "quotes", occupied: true },
        { channel: "quotes:MSFT", namespace: "quotes", occupied: true },
        { channel: "quotes:AAPL", namespace: "quotes", occupied: false },
        { channel: "quotes:NVDA", namespace: "quotes", occupied: true },
      ]);
      expectWellFormed(backend.on("/occupancy"));
    });

    it("a dead node's hold expires: the next settle of the channel announces the vacancy", async () => {
      cluster = new Cluster(bed, redis);
      const [a] = await cluster.nodes(1, { proxyOccupancyUrl: `${base}/occupancy`, occupancyDebounceMs: 100 });
      // A node that announced SPY occupied and died: it stops renewing its entry (3 s).
      const dying = new RedisEngine({ ...redis.engine, prefix: cluster.prefix, presenceTtlMs: 3000 });
      await dying.start(() => undefined);
      await dying.occupancy().mark("quotes:SPY", true);
      expect(await dying.occupancy().settle("quotes:SPY")).toBe(true);
      await dying.close();
      // Meanwhile a live node sees the channel as occupied already: nothing to announce.
      const alice = await subscribe(bed, a!, "alice", "quotes:SPY");
      expect(await a!.occupancy.occupied("quotes:SPY")).toBe(true);
      alice.close();
      // Once the dead node's entry expired, the next change of the channel settles it as vacated.
      const admin = cluster.admin();
      try {
        for (const start = Date.now(); ; ) {
          const [seconds, micros] = (await admin.time()) as unknown as [string | number, string | number];
          const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
          const live = await admin.zrangebyscore(`${cluster.prefix}occ:{p${partitionOf("quotes:SPY")}}:quotes:SPY`, `(${now}`, "+inf");
          if (live.length === 0) break;
          if (Date.now() - start > 10_000) throw new Error("the dead node's entry did not expire");
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        admin.disconnect();
      }
      const bob = await subscribe(bed, a!, "bob", "quotes:SPY");
      bob.close();
      await until(() => changes().length === 1, 5000, "vacated");
      expect(changes()).toEqual([{ channel: "quotes:SPY", namespace: "quotes", occupied: false }]);
      expect(await a!.occupancy.occupied("quotes:SPY")).toBe(false);
    });
  });

/** The partition hash tag of a channel (engines/redis/redis-keys.ts): FNV-1a of its bytes modulo 16. */
function partitionOf(channel: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(channel, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 16;
}
