import { expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";
import { describePostgres } from "../stores/pg-test-db.js";
import { sharedDeploymentUnavailable, useSharedDeployment } from "./shared-deployment.js";

// Rooms on PostgreSQL with two nodes on Redis: both nodes see the same rooms, a member's connections on every node are
// subscribed and unsubscribed, and the rooms outlive the nodes.
describePostgres("rooms on PostgreSQL across two nodes", await sharedDeploymentUnavailable(), () => {
  const bed = new TestBed();
  const deployment = useSharedDeployment(bed);

  async function connect(gw: Gateway, user: string): Promise<Socket> {
    const socket = await bed.connectAs(gw, user, "participant");
    await gw.serverSubscriptions.whenListening(user);
    return socket;
  }

  it("members on every node are subscribed, reached and unsubscribed; outsiders get nothing; the rooms outlive the nodes", async () => {
    const shared = await deployment();
    const a = await bed.gateway(shared);
    const b = await bed.gateway(shared);
    expect([a.store.kind, b.store.kind]).toEqual(["postgres", "postgres"]);
    const aliceOnA = await connect(a, "alice");
    const aliceOnB = await connect(b, "alice");
    const bobOnB = await connect(b, "bob");
    const daveOnA = await connect(a, "dave");
    const dave: string[] = [];
    daveOnA.onAny((event: string) => dave.push(event));

    expect((await api(a, "POST", "/api/v1/rooms", { id: "desk_7", type: "private", capacity: 2 })).status).toBe(201);
    const told = [record(aliceOnA, "server:subscribed"), record(aliceOnB, "server:subscribed"), record(bobOnB, "server:subscribed")];
    // Added on the other node: the store is shared, the subscription reaches every node.
    expect((await api(b, "POST", "/api/v1/rooms/desk_7/members", { userId: "alice", role: "admin" })).body).toMatchObject({ added: true, member: { userId: "alice", role: "admin" } });
    expect((await api(a, "POST", "/api/v1/rooms/desk_7/members", { userId: "bob" })).body).toMatchObject({ added: true, member: { userId: "bob", role: "member" } });
    expect(await api(b, "POST", "/api/v1/rooms/desk_7/members", { userId: "dave" })).toEqual({ status: 429, body: { statusCode: 429, code: "LIMIT_EXCEEDED", message: 'Room "desk_7" is full (2 members).' } });
    await until(() => told.every((t) => t.length === 1), 5000, "server:subscribed on both nodes");
    for (const t of told) expect(t[0]!.payload).toEqual({ subscribed: [{ channel: "rooms:desk_7", offset: 0, epoch: expect.any(String) }], failed: [] });
    expect((await daveOnA.emitWithAck("subscribe", { room: "desk_7" })).ok).toBe(false);

    const messages = [aliceOnA, aliceOnB, bobOnB].map((s) => record(s, "room:message"));
    await api(b, "POST", "/api/v1/rooms/desk_7/publish", { data: { text: "everyone" } });
    expect((await api(a, "POST", "/api/v1/rooms/desk_7/publish", { data: { text: "admins" }, role: "admin" })).body).toMatchObject({ to: "role", recipients: ["alice"] });
    await until(() => messages[0]!.length === 2 && messages[1]!.length === 2 && messages[2]!.length === 1, 5000, "the messages on both nodes");
    for (const m of messages.slice(0, 2)) expect(m.map((x) => x.payload)).toEqual([{ text: "everyone" }, { text: "admins" }]);
    await bobOnB.emitWithAck("ping", {});
    expect(messages[2]!.map((x) => x.payload)).toEqual([{ text: "everyone" }]);

    const gone = [record(aliceOnA, "server:unsubscribed"), record(aliceOnB, "server:unsubscribed")];
    expect((await api(b, "DELETE", "/api/v1/rooms/desk_7/members/alice")).body).toEqual({ room: "desk_7", removed: ["alice"] });
    await until(() => gone.every((g) => g.length === 1), 5000, "server:unsubscribed on both nodes");
    await api(a, "POST", "/api/v1/rooms/desk_7/publish", { data: { text: "after" } });
    await until(() => messages[2]!.length === 2, 5000, "bob's last message");
    for (const s of [aliceOnA, aliceOnB, daveOnA]) await s.emitWithAck("ping", {});
    expect(messages[0]!.length + messages[1]!.length).toBe(4);
    // Nothing of the room reached the outsider (his refused subscribe is answered in its acknowledgement).
    expect(dave.filter((e) => e !== "pong")).toEqual([]);

    await bed.cleanup();
    const c = await bed.gateway(shared);
    expect((await api(c, "GET", "/api/v1/rooms/desk_7/members")).body).toEqual({ room: "desk_7", capacity: 2, members: [{ userId: "bob", role: "member", joinedAt: expect.any(Number) }] });
    const bob = await bed.connectAs(c, "bob", "participant");
    const alice = await bed.connectAs(c, "alice", "participant");
    expect((await bob.emitWithAck("subscribe", { channels: ["rooms:desk_7"] })).subscribed).toEqual([{ channel: "rooms:desk_7", offset: 2, epoch: expect.any(String) }]);
    expect((await alice.emitWithAck("subscribe", { channels: ["rooms:desk_7"] })).failed).toEqual([{ channel: "rooms:desk_7", code: "NOT_FOUND", message: 'There is no room "desk_7".' }]);
  });
});
