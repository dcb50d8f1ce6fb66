import type { DeliveredMeta, PublicationMeta } from "@tickwire/protocol";
import { describe, expect, it } from "vitest";
import { pongOf } from "../../src/compat/heartbeat-events.js";
import { emitLegacy } from "../../src/compat/legacy-server-events.js";
import type { Connection } from "../../src/core/connection.js";

/** A connection that records what is written to it, by the way it was written. */
function recording(): { connection: Connection; writes: unknown[][] } {
  const writes: unknown[][] = [];
  const connection: Connection = {
    id: "c1",
    address: "127.0.0.1",
    emit: (event, ...args) => void writes.push(["emit", event, ...args]),
    publish: (event, payload, meta, token) => void writes.push(["publish", event, payload, meta, ...(token === undefined ? [] : [token])]),
    emitLegacy: (event, payload) => void writes.push(["legacy", event, payload]),
    disconnect: () => undefined,
    bufferedPackets: () => 0,
    bufferedBytes: () => 0,
    onceDrained: () => undefined,
  };
  return { connection, writes };
}

const meta: PublicationMeta = { channel: "trades:alice", offset: 3, epoch: "e1", ts: 1_700_000_000_000 };

/*
 * Compiled by the test type check, never called: each @ts-expect-error line must
 * fail to compile, so a write that loses its typing fails the build.
 */
export function writesThatDoNotCompile(connection: Connection): void {
  // @ts-expect-error an event the protocol's event map does not have
  connection.emit("notice", { n: 1 });
  // @ts-expect-error a resync without its reason
  connection.emit("resync", { channel: "quotes:AAPL" });
  // @ts-expect-error an error event whose code is not in the registry
  connection.emit("error", { code: "NOPE", message: "no" });
  // @ts-expect-error the protocol's trade:executed is a publication (payload, meta), not the trade copier's one-argument event
  connection.emit("trade:executed", { id: "t1" });
  // @ts-expect-error a legacy event the compat map does not have
  emitLegacy(connection, "subscribed", {});
  // @ts-expect-error RRRalgorithms' confirmation has a status of two values
  emitLegacy(connection, "subscription_confirmed", { streams: ["trade_feed"], status: "maybe" });
  // @ts-expect-error a publication's meta needs its channel
  connection.publish("quote:update", { price: 1 }, { offset: 1, epoch: "e", ts: 1 });
}

describe("writes to a connection", () => {
  it("a protocol event, a publication under its own event (with and without a token, or a delivered meta) and a legacy event each take their own way", () => {
    const { connection, writes } = recording();
    const delivered: DeliveredMeta = { channel: "rooms:lobby", ts: 5, to: "role", role: "admin" };
    connection.emit("resync", { channel: "trades:alice", reason: "history lost" });
    connection.publish("trade:update", { id: "t1" }, meta);
    connection.publish("room:message", { text: "hi" }, delivered);
    connection.publish("quote", { price: 2 }, meta, "run.7");
    emitLegacy(connection, "pong", pongOf(1_699_267_200_000, 1_699_267_200_500));
    emitLegacy(connection, "trade:executed", { id: "t1", status: "filled" });
    expect(writes).toEqual([
      ["emit", "resync", { channel: "trades:alice", reason: "history lost" }],
      ["publish", "trade:update", { id: "t1" }, meta],
      ["publish", "room:message", { text: "hi" }, delivered],
      ["publish", "quote", { price: 2 }, meta, "run.7"],
      ["legacy", "pong", { type: "pong", timestamp: 1_699_267_200_500, client_timestamp: 1_699_267_200_000, server_time: 1_699_267_200_500 }],
      ["legacy", "trade:executed", { id: "t1", status: "filled" }],
    ]);
  });
});
