import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";
import { holdNext } from "../hold.js";
import { describePostgres } from "../stores/pg-test-db.js";
import { sharedDeploymentUnavailable, useSharedDeployment } from "./shared-deployment.js";

// A member removed while their own subscribe of the room is on its way (its membership check passed, the engine
// subscription or the position read not finished) must not end up subscribed: the reply refuses, and nothing of the
// room reaches that connection later.

type Point = "membership check" | "position read";

/** Holds `gw`'s next subscribe of `rooms:desk` at `point`. */
function hold(gw: Gateway, point: Point): { reached: Promise<void>; release: () => void } {
  return point === "membership check" ? holdNext(gw.store.rooms!, "member") : holdNext(gw.engine, "position", (channel) => channel === "rooms:desk");
}

const ENDED = { channel: "rooms:desk", code: "CONFLICT", message: "The subscription was ended while it was being set up." };

/**
 * Alice has a connection subscribed to the room on `alice` (the witness: its `server:unsubscribed` says the node
 * applied the removal) and opens another there whose subscribe is held at `point`; she is removed through `admin`
 * (the member's own node, or another one), the subscribe is released, and a publication that reaches bob (still a
 * member, on alice's node) must not reach her.
 */
async function removedWhileSubscribing(bed: TestBed, admin: Gateway, node: Gateway, point: Point, remove: "member" | "room"): Promise<void> {
  const connect = async (user: string): Promise<Socket> => {
    const socket = await bed.connectAs(node, user, "participant");
    await node.serverSubscriptions.whenListening(user);
    return socket;
  };
  expect((await api(admin, "POST", "/api/v1/rooms", { id: "desk", type: "protected", capacity: 5 })).status).toBe(201);
  const witness = await connect("alice");
  const bob = await connect("bob");
  const told = [record(witness, "server:subscribed"), record(bob, "server:subscribed")];
  for (const userId of ["alice", "bob"]) expect((await api(admin, "POST", "/api/v1/rooms/desk/members", { userId })).body).toMatchObject({ added: true });
  await until(() => told.every((t) => t.length === 1), 5000, "both members subscribed");

  const late = await connect("alice");
  const lateSeen: string[] = [];
  late.onAny((event: string) => lateSeen.push(event));
  const held = hold(node, point);
  const reply = late.emitWithAck("subscribe", { channels: ["rooms:desk"] });
  await held.reached;

  const gone = record(witness, "server:unsubscribed");
  if (remove === "member") {
    expect(await api(admin, "DELETE", "/api/v1/rooms/desk/members/alice")).toEqual({ status: 200, body: { room: "desk", removed: ["alice"] } });
  } else {
    // Deleting the room removes bob too: he is added back to a new room of the same id, which had no publication.
    expect(await api(admin, "DELETE", "/api/v1/rooms/desk")).toEqual({ status: 200, body: { room: "desk", removed: ["alice", "bob"] } });
  }
  await until(() => gone.length === 1, 5000, "the removal applied on alice's node");
  held.release();
  expect(await reply).toEqual({ ok: true, subscribed: [], failed: [ENDED] });

  if (remove === "room") {
    const back = record(bob, "server:subscribed");
    await api(admin, "POST", "/api/v1/rooms", { id: "desk", type: "protected", capacity: 5 });
    await api(admin, "POST", "/api/v1/rooms/desk/members", { userId: "bob" });
    await until(() => back.length === 1, 5000, "bob subscribed again");
  }
  const bobGot = record(bob, "room:message");
  const lateGot = record(late, "room:message");
  expect((await api(admin, "POST", "/api/v1/rooms/desk/publish", { data: { text: "after the removal" } })).status).toBe(200);
  await until(() => bobGot.length === 1, 5000, "bob's message");
  await late.emitWithAck("ping", {});
  expect(lateGot).toEqual([]);
  // The held subscription was registered for the position read only: ending it told the connection so.
  expect(lateSeen.filter((e) => e !== "pong")).toEqual(point === "position read" ? ["server:unsubscribed"] : []);
  // Of alice's connections, none is subscribed on the node: bob's is the room's only subscription there.
  expect(node.hub.subscriptionsByNamespace().rooms).toBe(1);
}

describe("a room removal during the member's own subscribe, on one node", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  for (const point of ["membership check", "position read"] as const) {
    it(`refuses a subscribe held after its ${point} when the member is removed meanwhile, and nothing later reaches it`, async () => {
      const gw = await bed.gateway();
      await removedWhileSubscribing(bed, gw, gw, point, "member");
    });
  }

  it("refuses a subscribe held after its membership check when the room is deleted meanwhile", async () => {
    const gw = await bed.gateway();
    await removedWhileSubscribing(bed, gw, gw, "membership check", "room");
  });
});

describePostgres("a room removal during the member's own subscribe, across two nodes on Redis", await sharedDeploymentUnavailable(), () => {
  const bed = new TestBed();
  const deployment = useSharedDeployment(bed);

  async function twoNodes(): Promise<[Gateway, Gateway]> {
    const options = await deployment();
    return [await bed.gateway(options), await bed.gateway(options)];
  }

  for (const point of ["membership check", "position read"] as const) {
    it(`refuses a subscribe held after its ${point} on one node when the member is removed through the other`, async () => {
      const [a, b] = await twoNodes();
      await removedWhileSubscribing(bed, a, b, point, "member");
    });
  }

  it("refuses a subscribe held after its membership check on one node when the room is deleted through the other", async () => {
    const [a, b] = await twoNodes();
    await removedWhileSubscribing(bed, a, b, "membership check", "room");
  });
});
