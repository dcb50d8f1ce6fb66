import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";

// Rooms (docs/protocol.md, "Rooms"): managed over the HTTP API, kept in the store, subscribed by members only.
const bed = new TestBed();
afterEach(() => bed.cleanup());

/** Everything a socket receives, in order. */
function everything(socket: Socket): Array<{ event: string; args: unknown[] }> {
  const seen: Array<{ event: string; args: unknown[] }> = [];
  socket.onAny((event: string, ...args: unknown[]) => seen.push({ event, args }));
  return seen;
}

/** Connects `user` and waits until the gateway receives their server-side subscriptions. */
async function member(gw: Gateway, user: string, tier = "participant"): Promise<Socket> {
  const socket = await bed.connectAs(gw, user, tier);
  await gw.serverSubscriptions.whenListening(user);
  return socket;
}

const roomEvents = (seen: Array<{ event: string; args: unknown[] }>) => seen.filter((s) => s.event.startsWith("room:"));

describe("rooms", () => {
  it("delivers to members of every role and never to an outsider; a role publish reaches that role only; listed users only them", async () => {
    const gw = await bed.gateway();
    const [alice, bob, carol, dave] = [await member(gw, "alice"), await member(gw, "bob"), await member(gw, "carol"), await member(gw, "dave")];
    const seen = { alice: everything(alice), bob: everything(bob), carol: everything(carol), dave: everything(dave) };

    expect(await api(gw, "POST", "/api/v1/rooms", { id: "room_123", type: "protected", capacity: 10 })).toEqual({
      status: 201,
      body: { id: "room_123", channel: "rooms:room_123", type: "protected", capacity: 10, createdAt: expect.any(Number) },
    });
    for (const [userId, role] of [["alice", "admin"], ["bob", "moderator"], ["carol", "member"]] as const) {
      expect(await api(gw, "POST", "/api/v1/rooms/room_123/members", { userId, role })).toEqual({
        status: 200,
        body: { room: "room_123", member: { userId, role, joinedAt: expect.any(Number) }, added: true },
      });
    }
    // Adding a member subscribes their live connection.
    await until(() => [seen.alice, seen.bob, seen.carol].every((s) => s.some((e) => e.event === "server:subscribed")), 5000, "server:subscribed on the members");
    for (const s of [seen.alice, seen.bob, seen.carol]) {
      expect(s.find((e) => e.event === "server:subscribed")!.args[0]).toEqual({ subscribed: [{ channel: "rooms:room_123", offset: 0, epoch: expect.any(String) }], failed: [] });
    }
    expect((await api(gw, "GET", "/api/v1/rooms/room_123/members")).body).toEqual({
      room: "room_123",
      capacity: 10,
      members: [
        { userId: "alice", role: "admin", joinedAt: expect.any(Number) },
        { userId: "bob", role: "moderator", joinedAt: expect.any(Number) },
        { userId: "carol", role: "member", joinedAt: expect.any(Number) },
      ],
    });

    // The outsider cannot subscribe a protected room.
    expect(await dave.emitWithAck("subscribe", { channels: ["rooms:room_123"] })).toEqual({
      ok: true,
      subscribed: [],
      failed: [{ channel: "rooms:room_123", code: "FORBIDDEN", message: 'Room "room_123" is for its members only.' }],
    });

    const all = await api(gw, "POST", "/api/v1/rooms/room_123/publish", { data: { text: "hello room" } });
    expect(all).toEqual({ status: 200, body: { room: "room_123", channel: "rooms:room_123", to: "room", offset: 1, epoch: expect.any(String) } });
    const mods = await api(gw, "POST", "/api/v1/rooms/room_123/publish", { data: { text: "mods only" }, role: "moderator", event: "room:alert" });
    expect(mods).toEqual({ status: 200, body: { room: "room_123", channel: "rooms:room_123", to: "role", recipients: ["bob"] } });
    const listed = await api(gw, "POST", "/api/v1/rooms/room_123/publish", { data: { text: "you two" }, userIds: ["carol", "alice"] });
    expect(listed).toEqual({ status: 200, body: { room: "room_123", channel: "rooms:room_123", to: "users", recipients: ["alice", "carol"] } });
    // The last one each member gets is the listed users' message (or, for bob, the role's); then a ping settles the rest.
    await until(() => roomEvents(seen.alice).length === 2 && roomEvents(seen.bob).length === 2 && roomEvents(seen.carol).length === 2, 5000, "the room messages");
    for (const s of [alice, bob, carol, dave]) await s.emitWithAck("ping", {});

    // A publication of the room is numbered (offset, and the connection's resumption token); a targeted message is in no history.
    const roomMessage = { event: "room:message", args: [{ text: "hello room" }, { channel: "rooms:room_123", offset: 1, epoch: all.body.epoch, ts: expect.any(Number) }, expect.any(String)] };
    expect(roomEvents(seen.alice)).toEqual([roomMessage, { event: "room:message", args: [{ text: "you two" }, { channel: "rooms:room_123", ts: expect.any(Number), to: "users" }] }]);
    expect(roomEvents(seen.carol)).toEqual(roomEvents(seen.alice));
    expect(roomEvents(seen.bob)).toEqual([roomMessage, { event: "room:alert", args: [{ text: "mods only" }, { channel: "rooms:room_123", ts: expect.any(Number), to: "role", role: "moderator" }] }]);
    // Nothing of the room reached the outsider: no server:subscribed, no room event.
    expect(seen.dave.filter((e) => e.event !== "pong").map((e) => e.event)).toEqual([]);
  });

  it("a private room is unlisted for outsiders; removing a member unsubscribes them and nothing more reaches them", async () => {
    const gw = await bed.gateway();
    const alice = await member(gw, "alice");
    const bob = await member(gw, "bob");
    await api(gw, "POST", "/api/v1/rooms", { id: "secret", type: "private", capacity: 5 });
    const outsider = await bob.emitWithAck("subscribe", { channels: ["rooms:secret", "rooms:nowhere"] });
    expect(outsider.failed).toEqual([
      { channel: "rooms:secret", code: "NOT_FOUND", message: 'There is no room "secret".' },
      { channel: "rooms:nowhere", code: "NOT_FOUND", message: 'There is no room "nowhere".' },
    ]);

    const subscribed = record(alice, "server:subscribed");
    await api(gw, "POST", "/api/v1/rooms/secret/members", { userId: "alice" });
    await until(() => subscribed.length === 1, 5000, "server:subscribed");
    // A member subscribing on their own is a repeat, answered with the position.
    expect(await alice.emitWithAck("subscribe", { channels: ["rooms:secret"] })).toEqual({ ok: true, subscribed: [{ channel: "rooms:secret", offset: 0, epoch: expect.any(String) }], failed: [] });

    const messages = record(alice, "room:message");
    const unsubscribed = record(alice, "server:unsubscribed");
    expect(await api(gw, "DELETE", "/api/v1/rooms/secret/members/alice")).toEqual({ status: 200, body: { room: "secret", removed: ["alice"] } });
    await until(() => unsubscribed.length === 1, 5000, "server:unsubscribed");
    expect(unsubscribed[0]!.payload).toEqual({ unsubscribed: ["rooms:secret"] });
    await api(gw, "POST", "/api/v1/rooms/secret/publish", { data: { text: "after removal" } });
    await alice.emitWithAck("ping", {});
    expect(messages).toEqual([]);
    // And she cannot come back on her own.
    expect((await alice.emitWithAck("subscribe", { channels: ["rooms:secret"] })).failed).toEqual([{ channel: "rooms:secret", code: "NOT_FOUND", message: 'There is no room "secret".' }]);

    // Deleting a room unsubscribes every member.
    await api(gw, "POST", "/api/v1/rooms/secret/members", { userId: "bob", role: "admin" });
    const bobGone = record(bob, "server:unsubscribed");
    await until(() => gw.hub.subscriptionsByNamespace().rooms === 1, 5000, "bob subscribed");
    expect(await api(gw, "DELETE", "/api/v1/rooms/secret")).toEqual({ status: 200, body: { room: "secret", removed: ["bob"] } });
    await until(() => bobGone.length === 1, 5000, "bob unsubscribed");
    expect(gw.hub.subscriptionsByNamespace().rooms).toBe(0);
    expect((await api(gw, "GET", "/api/v1/rooms/secret/members")).body).toEqual({ statusCode: 404, code: "NOT_FOUND", message: 'There is no room "secret".' });
  });

  it("does not give out again the id of a deleted room whose channel has history, so its messages reach no new member", async () => {
    const gw = await bed.gateway();
    await api(gw, "POST", "/api/v1/rooms", { id: "reused", type: "public", capacity: 5 });
    expect((await api(gw, "POST", "/api/v1/rooms/reused/publish", { data: { text: "old secret" } })).status).toBe(200);
    expect((await api(gw, "DELETE", "/api/v1/rooms/reused")).status).toBe(200);
    expect(await api(gw, "POST", "/api/v1/rooms", { id: "reused", type: "public", capacity: 5 })).toEqual({
      status: 409,
      body: { statusCode: 409, code: "CONFLICT", message: 'Room id "reused" was used before and its channel keeps that room\'s history; choose another id.' },
    });
    // A room that never had a publication may be made again.
    await api(gw, "POST", "/api/v1/rooms", { id: "quiet", type: "public", capacity: 5 });
    expect((await api(gw, "DELETE", "/api/v1/rooms/quiet")).status).toBe(200);
    expect((await api(gw, "POST", "/api/v1/rooms", { id: "quiet", type: "public", capacity: 5 })).status).toBe(201);
    // The existing room answers CONFLICT as before.
    expect((await api(gw, "POST", "/api/v1/rooms", { id: "quiet", type: "public", capacity: 5 })).body.code).toBe("CONFLICT");
  });

  it("enforces the capacity: the API answers LIMIT_EXCEEDED, a public room's newcomer is refused, and nothing changes", async () => {
    const gw = await bed.gateway();
    await api(gw, "POST", "/api/v1/rooms", { id: "small", type: "protected", capacity: 2 });
    await api(gw, "POST", "/api/v1/rooms/small/members", { userId: "u1" });
    await api(gw, "POST", "/api/v1/rooms/small/members", { userId: "u2" });
    expect(await api(gw, "POST", "/api/v1/rooms/small/members", { userId: "u3" })).toEqual({ status: 429, body: { statusCode: 429, code: "LIMIT_EXCEEDED", message: 'Room "small" is full (2 members).' } });
    // Changing a member's role is not a new member.
    expect((await api(gw, "POST", "/api/v1/rooms/small/members", { userId: "u2", role: "moderator" })).body).toMatchObject({ added: false, member: { userId: "u2", role: "moderator" } });
    expect((await api(gw, "GET", "/api/v1/rooms/small/members")).body.members.map((m: { userId: string }) => m.userId)).toEqual(["u1", "u2"]);

    // A public room: anyone may subscribe, joining as a member, within the capacity.
    await api(gw, "POST", "/api/v1/rooms", { id: "lobby", type: "public", capacity: 1 });
    const first = await bed.connectAs(gw, "first", "navigator");
    const second = await bed.connectAs(gw, "second", "navigator");
    expect((await first.emitWithAck("subscribe", { channels: ["rooms:lobby"] })).subscribed).toEqual([{ channel: "rooms:lobby", offset: 0, epoch: expect.any(String) }]);
    expect((await second.emitWithAck("subscribe", { channels: ["rooms:lobby"] })).failed).toEqual([{ channel: "rooms:lobby", code: "LIMIT_EXCEEDED", message: 'Room "lobby" is full (1 members).' }]);
    expect((await api(gw, "GET", "/api/v1/rooms/lobby/members")).body).toEqual({ room: "lobby", capacity: 1, members: [{ userId: "first", role: "member", joinedAt: expect.any(Number) }] });
    const heard = record(second, "room:message");
    const got = record(first, "room:message");
    await api(gw, "POST", "/api/v1/rooms/lobby/publish", { data: { n: 1 } });
    await api(gw, "POST", "/api/v1/rooms/lobby/publish", { data: { n: 2 } });
    await until(() => got.length === 2, 5000, "the lobby messages");
    await second.emitWithAck("ping", {});
    expect(got.map((g) => g.payload)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(heard).toEqual([]);
  });

  it("lists rooms page by page with a cursor, of one type when asked, and answers one room with its member count, for API keys only", async () => {
    const gw = await bed.gateway();
    for (const [id, type] of [["desk_b", "protected"], ["desk_a", "private"], ["lobby", "public"], ["desk_c", "public"]] as const) {
      expect((await api(gw, "POST", "/api/v1/rooms", { id, type, capacity: 4 })).status).toBe(201);
    }
    await api(gw, "POST", "/api/v1/rooms/desk_b/members", { userId: "alice" });
    await api(gw, "POST", "/api/v1/rooms/desk_b/members", { userId: "bob", role: "admin" });
    const room = (id: string, type: string) => ({ id, channel: `rooms:${id}`, type, capacity: 4, createdAt: expect.any(Number) });

    const first = await api(gw, "GET", "/api/v1/rooms?limit=2");
    expect(first).toEqual({ status: 200, body: { rooms: [room("desk_a", "private"), room("desk_b", "protected")], nextCursor: "desk_b" } });
    expect(await api(gw, "GET", "/api/v1/rooms?limit=2&cursor=desk_b")).toEqual({ status: 200, body: { rooms: [room("desk_c", "public"), room("lobby", "public")], nextCursor: null } });
    // A page that ends exactly at the last room says so: no empty page to fetch.
    expect((await api(gw, "GET", "/api/v1/rooms?limit=4")).body.nextCursor).toBeNull();
    expect(await api(gw, "GET", "/api/v1/rooms?type=public&limit=1")).toEqual({ status: 200, body: { rooms: [room("desk_c", "public")], nextCursor: "desk_c" } });
    expect(await api(gw, "GET", "/api/v1/rooms?type=public&limit=1&cursor=desk_c")).toEqual({ status: 200, body: { rooms: [room("lobby", "public")], nextCursor: null } });
    expect((await api(gw, "GET", "/api/v1/rooms")).body.rooms.map((r: { id: string }) => r.id)).toEqual(["desk_a", "desk_b", "desk_c", "lobby"]);

    expect(await api(gw, "GET", "/api/v1/rooms/desk_b")).toEqual({ status: 200, body: { ...room("desk_b", "protected"), members: 2 } });
    expect(await api(gw, "GET", "/api/v1/rooms/nope")).toEqual({ status: 404, body: { statusCode: 404, code: "NOT_FOUND", message: 'There is no room "nope".' } });

    const refused = async (path: string, message: string) => expect(await api(gw, "GET", path)).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message } });
    await refused("/api/v1/rooms?limit=0", "limit must be a whole number from 1 to 500.");
    await refused("/api/v1/rooms?limit=501", "limit must be a whole number from 1 to 500.");
    await refused("/api/v1/rooms?limit=two", "limit must be a whole number from 1 to 500.");
    await refused("/api/v1/rooms?type=secret", "type must be public, protected or private.");
    await refused("/api/v1/rooms?cursor=bad%20cursor", "Malformed cursor: pass the previous page's nextCursor.");
    await refused("/api/v1/rooms/bad%20id", "Malformed room id.");
    // API keys only: no key, or a client token (even an operator's), is refused before anything is read.
    expect((await api(gw, "GET", "/api/v1/rooms", undefined, null)).status).toBe(401);
    expect((await api(gw, "GET", "/api/v1/rooms/desk_b", undefined, await bed.token(gw, "ops", "operator"))).status).toBe(401);
  });

  it("keeps rooms and members across a restart of the embedded store", async () => {
    const dataDir = bed.tempDir();
    const first = await bed.gateway({ dataDir });
    await api(first, "POST", "/api/v1/rooms", { id: "desk", type: "protected", capacity: 3 });
    await api(first, "POST", "/api/v1/rooms/desk/members", { userId: "alice", role: "admin" });
    await api(first, "POST", "/api/v1/rooms/desk/members", { userId: "bob" });
    const before = (await api(first, "GET", "/api/v1/rooms/desk/members")).body;
    await first.close();

    const second = await bed.gateway({ dataDir });
    expect((await api(second, "GET", "/api/v1/rooms/desk/members")).body).toEqual(before);
    expect(before.members.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([["alice", "admin"], ["bob", "member"]]);
    expect((await api(second, "POST", "/api/v1/rooms", { id: "desk", type: "public", capacity: 1 })).body).toEqual({ statusCode: 409, code: "CONFLICT", message: 'Room "desk" exists already.' });
    const alice = await bed.connectAs(second, "alice", "participant");
    const carol = await bed.connectAs(second, "carol", "participant");
    expect((await alice.emitWithAck("subscribe", { channels: ["rooms:desk"] })).subscribed).toEqual([{ channel: "rooms:desk", offset: 0, epoch: expect.any(String) }]);
    expect((await carol.emitWithAck("subscribe", { channels: ["rooms:desk"] })).failed).toEqual([{ channel: "rooms:desk", code: "FORBIDDEN", message: 'Room "desk" is for its members only.' }]);
  });

  it("refuses bad input on every route with a clear code and changes nothing", async () => {
    const gw = await bed.gateway();
    const bad = async (method: string, path: string, body: unknown, status: number, code: string): Promise<string> => {
      const res = await api(gw, method, path, body);
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect(typeof res.body.message).toBe("string");
      return res.body.message;
    };
    await bad("POST", "/api/v1/rooms", { id: "r1", type: "secretive", capacity: 3 }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms", { id: "r1", type: "public", capacity: 0 }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms", { id: "r1", type: "public", capacity: 1.5 }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms", { id: "r1", type: "public", capacity: 100_001 }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms", { id: "bad id", type: "public", capacity: 3 }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms", { id: "x".repeat(129), type: "public", capacity: 3 }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms", { id: "r1", type: "public", capacity: 3, owner: "me" }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms", "not json", 400, "BAD_REQUEST");
    expect((await api(gw, "POST", "/api/v1/rooms", { id: "r1", type: "public", capacity: 3 }, null)).status).toBe(401);
    expect((await api(gw, "GET", "/api/v1/rooms/r1/members")).status).toBe(404);

    await api(gw, "POST", "/api/v1/rooms", { id: "r1", type: "protected", capacity: 3 });
    await bad("POST", "/api/v1/rooms/r1/members", { userId: "alice", role: "owner" }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms/r1/members", { userId: "" }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms/r1/members", {}, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms/nope/members", { userId: "alice" }, 404, "NOT_FOUND");
    await bad("DELETE", "/api/v1/rooms/r1/members/alice", undefined, 404, "NOT_FOUND");
    await bad("DELETE", "/api/v1/rooms/nope", undefined, 404, "NOT_FOUND");
    await bad("GET", "/api/v1/rooms/bad%20id/members", undefined, 400, "BAD_REQUEST");
    await api(gw, "POST", "/api/v1/rooms/r1/members", { userId: "alice" });
    expect(await bad("POST", "/api/v1/rooms/r1/publish", { data: 1, role: "admin", userIds: ["alice"] }, 400, "BAD_REQUEST")).toBe("Give `role` or `userIds`, not both.");
    expect(await bad("POST", "/api/v1/rooms/r1/publish", { data: 1, userIds: ["alice", "mallory"] }, 400, "BAD_REQUEST")).toBe('"mallory" is not a member of room "r1"; nothing was sent.');
    await bad("POST", "/api/v1/rooms/r1/publish", { data: 1, event: "trade:update" }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms/r1/publish", {}, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms/r1/publish", { data: 1, userIds: [] }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms/r1/publish", { data: "x".repeat(70 * 1024) }, 413, "PAYLOAD_TOO_LARGE");
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    await bad("POST", "/api/v1/rooms/r1/publish", { data: deep, role: "member" }, 400, "BAD_REQUEST");
    await bad("POST", "/api/v1/rooms/nope/publish", { data: 1 }, 404, "NOT_FOUND");
    // Nothing changed: one member, nothing published.
    expect((await api(gw, "GET", "/api/v1/rooms/r1/members")).body.members.map((m: { userId: string }) => m.userId)).toEqual(["alice"]);
    expect((await api(gw, "GET", "/api/v1/channels/rooms:r1/history?since=0")).body).toMatchObject({ offset: 0, publications: [] });
  });
});
