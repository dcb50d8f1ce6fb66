import type { Socket as NetSocket } from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { TestBed, until } from "../helpers.js";

// Hardening review, defect 3: a client that stopped reading while a state update
// was held for it, and then disappeared, stayed in memory for good.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const bed = new TestBed();
afterEach(() => bed.cleanup());

/** The client's TCP socket: pausing it stops reading, so the server's writes back up. */
function tcpOf(socket: Socket): NetSocket {
  return (socket.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket;
}

const PAD = "x".repeat(32 * 1024);

/** A weak reference to the one session of `user`, so the test itself keeps nothing alive. */
function weakSession(gw: Gateway, user: string): WeakRef<object> {
  const [session] = gw.registry.ofUser(user);
  expect(session).toBeDefined();
  return new WeakRef(session!);
}

/** Waits until nothing keeps `ref`'s target alive any more, collecting garbage as it polls. */
function collected(ref: WeakRef<object>, what: string): Promise<void> {
  return until(
    () => {
      gc();
      return ref.deref() === undefined;
    },
    5000,
    `${what} to be collected`,
  );
}

describe("sessions are released when they close", () => {
  it("drops a vanished client's held state updates and forgets its session, whatever its transport was doing", async () => {
    const gw = await bed.gateway({ stateBacklogPackets: 10, maxQueuedPackets: 100_000 });
    const alice = await bed.connectAs(gw, "alice", "operator");
    await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL", "portfolio"] });
    const session = weakSession(gw, "alice");
    const bob = await bed.connectAs(gw, "bob", "operator");
    await bob.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });

    // Alice stops reading; her quotes back up until one is held for her.
    const tcp = tcpOf(alice);
    tcp.pause();
    let price = 0;
    // A held value replaced by a newer one: something is held for her now.
    while (gw.metrics.totals.superseded === 0) {
      if (price > 900) throw new Error("no state update was ever held");
      await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: ++price, pad: PAD } });
    }

    // Then she vanishes without a word.
    tcp.destroy();
    await until(() => gw.registry.connectionCount === 1, 5000, "the server to see her go");
    await collected(session, "her session");
    expect(gw.stats().held).toEqual({ sessions: 0, publications: 0 });
    expect(gw.stats().subscriptions).toMatchObject({ total: 1, channels: 1 });
    // Bob is unaffected.
    expect(await bob.emitWithAck("ping", {})).toMatchObject({ ok: true });
  });

  it("forgets a session that closed while its subscribe was still being set up", async () => {
    const gw = await bed.gateway();
    const carol = await bed.connectAs(gw, "carol", "operator");
    const session = weakSession(gw, "carol");
    // The subscribe leaves; the connection closes before its answer.
    carol.emit("subscribe", { channels: ["quotes:AAPL", "trades", "notifications", "portfolio"] });
    carol.disconnect();
    await until(() => gw.registry.connectionCount === 0, 5000, "the server to see her go");
    await until(() => gw.hub.channelCount() === 0, 5000, "her subscriptions to be dropped");
    await collected(session, "her session");
  });
});
