import fc from "fast-check";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_EVENT_SCHEMAS, isErrorCode } from "@tickwire/protocol";
import type { Gateway } from "@tickwire/server";
import { record, TestBed } from "../helpers.js";
import { fuzzParameters, hostilePayload, hostileString } from "./arbitraries.js";

// Property-based over every client event, the legacy ones included, with hostile
// payloads. For every input: an answer with a documented code (never INTERNAL),
// nothing changed on refusal, no crash, no unhandled rejection, and a
// well-behaved client on the same server keeps receiving everything in order.
const bed = new TestBed();
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);

const LEGACY_EVENTS = [
  "subscribe_notifications",
  "notification_test",
  "execute:trade",
  "subscribe:portfolio",
  "subscribe:trades",
  "unsubscribe:trades",
  "subscribe:watchlist",
  "subscribe:signals",
  "unsubscribe:signals",
  "subscribe_market_stream",
  "unsubscribe_market_stream",
  "stream_filter_update",
  "request",
  "pong",
];
const EVENTS = [...Object.keys(CLIENT_EVENT_SCHEMAS), ...LEGACY_EVENTS];
const RATE = { eventsPerSecond: 1_000_000, burst: 2_000_000 };

type Reply = { ok?: unknown; error?: { code?: unknown; message?: unknown }; subscribed?: unknown; failed?: Array<{ channel: string }> } & Record<string, unknown>;

let gw: Gateway;
let mallory: Socket;
let alice: Socket;
let aliceSeen: ReturnType<typeof record>;
const malloryErrors: Array<Record<string, unknown>> = [];
const malloryChannels = new Set<string>();
let inputs = 0;
let reconnects = 0;

async function connectMallory(): Promise<void> {
  mallory = await bed.connectAs(gw, "mallory", "operator");
  mallory.on("error", (e: Record<string, unknown>) => malloryErrors.push(e));
  mallory.onAny((_event: string, _payload: unknown, meta: { channel?: unknown } | undefined) => {
    if (meta && typeof meta === "object" && typeof meta.channel === "string") malloryChannels.add(meta.channel);
  });
}

/** Mallory's subscriptions on the server: channel → delivery key (fields and legacy view). */
function malloryState(): Map<string, string> {
  const [session] = gw.registry.ofUser("mallory");
  return new Map([...(session?.subscriptions.values() ?? [])].map((s) => [s.channel, s.deliveryKey]));
}

const text = (state: Map<string, string>): string => JSON.stringify([...state].sort());

/** True when the transport itself may close the connection for these arguments (more attachments than it takes). */
function transportRefuses(args: unknown[]): boolean {
  let buffers = 0;
  const walk = (v: unknown, depth: number): void => {
    if (depth > 50 || v === null || typeof v !== "object") return;
    if (ArrayBuffer.isView(v)) {
      buffers++;
      return;
    }
    for (const child of Object.values(v)) walk(child, depth + 1);
  };
  walk(args, 0);
  return buffers > 10;
}

/** Sends one event and resolves with its acknowledgement, or with how the connection ended. */
function send(event: string, args: unknown[]): Promise<Reply | { disconnected: string }> {
  return new Promise((resolve) => {
    const onDisconnect = (reason: string): void => resolve({ disconnected: reason });
    mallory.once("disconnect", onDisconnect);
    mallory.emit(event, ...args, (reply: Reply) => {
      mallory.off("disconnect", onDisconnect);
      resolve(reply);
    });
  });
}

beforeAll(async () => {
  process.on("unhandledRejection", onRejection);
  gw = await bed.gateway({ rateLimit: { navigator: RATE, participant: RATE, builder: RATE, operator: RATE } });
  alice = await bed.connectAs(gw, "alice", "participant");
  aliceSeen = record(alice, "signal:new", "trade:update");
  expect(await alice.emitWithAck("subscribe", { channels: ["signals:acme", "trades"] })).toMatchObject({ ok: true, failed: [] });
  await connectMallory();
});

afterAll(async () => {
  process.off("unhandledRejection", onRejection);
  await bed.cleanup();
});

describe("fuzzing every socket event", () => {
  it("answers every hostile event with a documented code, changes nothing on refusal, and keeps other clients served in order", async () => {
    const event = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...EVENTS) }, { weight: 1, arbitrary: hostileString.filter((e) => !["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"].includes(e)) });
    const args = fc.oneof({ weight: 8, arbitrary: hostilePayload.map((p) => [p]) }, { weight: 1, arbitrary: fc.array(hostilePayload, { maxLength: 3 }) });
    const acknowledged = fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });

    await fc.assert(
      fc.asyncProperty(event, args, acknowledged, async (name, list, withAck) => {
        if (!mallory.connected) {
          reconnects++;
          await connectMallory();
        }
        // The well-behaved client's stream goes on between hostile events.
        if (++inputs % 4 === 0) {
          const n = inputs / 4;
          await gw.publish({ channel: "signals:acme", data: { providerId: "acme", n } });
          await gw.publish({ channel: "trades:alice", data: { tradeId: `t${n}`, n } });
        }
        if (!withAck) {
          mallory.emit(name, ...list);
          // Let it finish: the ping behind it is admitted after it, then every event in flight settles.
          await send("ping", [{}]);
          await gw.transport.settled(Date.now() + 10_000);
          return;
        }
        const before = malloryState();
        const reply = await send(name, list);
        if ("disconnected" in reply) {
          // Only the transport's own limits end a connection, never a handler.
          expect(transportRefuses(list)).toBe(true);
          expect(["transport close", "transport error"]).toContain(reply.disconnected);
          return;
        }
        expect(typeof reply).toBe("object");
        if (reply.ok === true) {
          // A subscribe adds exactly the channels it answers as subscribed.
          if (name === "subscribe" && Array.isArray(reply.subscribed)) {
            const allowed = new Set([...before.keys(), ...(reply.subscribed as Array<{ channel: string }>).map((c) => c.channel)]);
            expect([...malloryState().keys()].filter((c) => !allowed.has(c))).toEqual([]);
          }
          return;
        }
        expect(Object.keys(reply).sort()).toEqual(["error", "ok"]);
        expect(reply.ok).toBe(false);
        expect(isErrorCode(reply.error?.code)).toBe(true);
        expect(reply.error?.code).not.toBe("INTERNAL");
        expect(typeof reply.error?.message).toBe("string");
        expect(text(malloryState())).toBe(text(before));
      }),
      fuzzParameters(250),
    );

    // Unacknowledged refusals came back as `error` events with documented codes.
    const ping = await mallory.emitWithAck("ping", {});
    expect(ping).toMatchObject({ ok: true });
    for (const e of malloryErrors) {
      expect(isErrorCode(e.code)).toBe(true);
      expect(e.code).not.toBe("INTERNAL");
    }
    // The well-behaved client got every publication, in order, and nothing of hers reached anyone else.
    const n = Math.floor(inputs / 4);
    await expect.poll(() => aliceSeen.length, { timeout: 10_000 }).toBe(2 * n);
    const signals = aliceSeen.filter((e) => e.event === "signal:new");
    const trades = aliceSeen.filter((e) => e.event === "trade:update");
    expect(signals.map((e) => [e.meta.offset, (e.payload as { n: number }).n])).toEqual(Array.from({ length: n }, (_, i) => [i + 1, i + 1]));
    expect(trades.map((e) => [e.meta.offset, (e.payload as { n: number }).n])).toEqual(Array.from({ length: n }, (_, i) => [i + 1, i + 1]));
    expect([...malloryChannels].filter((c) => c.endsWith(":alice"))).toEqual([]);
    expect(rejections).toEqual([]);
    expect(await alice.emitWithAck("ping", {})).toMatchObject({ ok: true });
    process.stdout.write(`[fuzz] socket events: ${inputs} inputs, ${reconnects} reconnects after transport refusals\n`);
  }, 3_600_000);
});
