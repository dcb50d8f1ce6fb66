import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InboxWrite, Publication, ResumeRecord, Store } from "@tickwire/server";

/** Makes the stores a contract run uses. */
export interface StoreFactory {
  /** A new, empty store (fresh folder or schema), initialised. */
  create(): Promise<Store>;
  /** Another store on the backing of the last `create()` (a second process sharing it), initialised. */
  reopen(): Promise<Store>;
  /** Removes every backing made since the last cleanup. */
  cleanup(): Promise<void>;
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function publication(channel: string, offset: number, epoch = "e1", ts = T0 + offset): Publication {
  return { channel, offset, epoch, ts, event: "trade:update", data: { tradeId: `t${offset}`, qty: offset, nested: { a: [1, 2] } }, traceId: `tr${offset}` };
}

function write(userIds: string[], overrides: Partial<InboxWrite> = {}): InboxWrite {
  return {
    userIds,
    content: { type: "info", title: "Hello", message: "Rebalance due", data: { drift: 0.07 }, actionUrl: "/portfolio" },
    dedupHash: "h1",
    now: T0,
    dedupWindowMs: 120_000,
    maxPerUser: 1000,
    ...overrides,
  };
}

/**
 * The contract every Store passes (SQLite, PostgreSQL): history, idempotency
 * keys, the notification inbox and resumable sessions.
 * @example storeContract("sqlite", sqliteFactory());
 */
export function storeContract(name: string, factory: StoreFactory): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    const opened: Store[] = [];
    const open = async (make: () => Promise<Store>): Promise<Store> => {
      const s = await make();
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      store = await open(() => factory.create());
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await factory.cleanup();
    });

    describe("history", () => {
      it("knows no position for a channel never written", async () => {
        expect(await store.history.loadPosition("trades:alice")).toBeUndefined();
      });

      it("reads the publications after an offset, oldest first, exactly as appended", async () => {
        for (const n of [1, 2, 3]) await store.history.append(publication("trades:alice", n), { size: 10, ttlMs: HOUR });
        expect(await store.history.read("trades:alice", "e1", 1, 10, 0)).toEqual([publication("trades:alice", 2), publication("trades:alice", 3)]);
      });

      it("appends many publications of several channels in one call, in order, trimming each channel", async () => {
        await store.history.appendMany([
          { publication: publication("trades:alice", 1), limits: { size: 2, ttlMs: HOUR } },
          { publication: publication("trades:bob", 1), limits: { size: 2, ttlMs: HOUR } },
          { publication: publication("trades:alice", 2), limits: { size: 2, ttlMs: HOUR } },
          { publication: publication("trades:alice", 3), limits: { size: 2, ttlMs: HOUR } },
        ]);
        expect((await store.history.read("trades:alice", "e1", 0, 10, 0)).map((p) => p.offset)).toEqual([2, 3]);
        expect((await store.history.read("trades:bob", "e1", 0, 10, 0)).map((p) => p.offset)).toEqual([1]);
        expect(await store.history.loadPosition("trades:alice")).toEqual({ epoch: "e1", offset: 3 });
        await store.history.appendMany([]);
      });

      it("records the channel position on every append, also when size is 0", async () => {
        await store.history.append(publication("trades:alice", 1), { size: 10, ttlMs: HOUR });
        await store.history.append(publication("trades:alice", 2), { size: 10, ttlMs: HOUR });
        await store.history.append(publication("signals", 1, "s1"), { size: 0, ttlMs: 0 });
        expect(await store.history.loadPosition("trades:alice")).toEqual({ epoch: "e1", offset: 2 });
        expect(await store.history.loadPosition("signals")).toEqual({ epoch: "s1", offset: 1 });
        expect(await store.history.read("signals", "s1", 0, 10, 0)).toEqual([]);
      });

      it("keeps at most `size` publications per channel", async () => {
        for (const n of [1, 2, 3, 4, 5]) await store.history.append(publication("trades:alice", n), { size: 2, ttlMs: HOUR });
        const read = await store.history.read("trades:alice", "e1", 0, 10, 0);
        expect(read.map((p) => p.offset)).toEqual([4, 5]);
      });

      it("reads at most `limit` publications and none older than minTs", async () => {
        for (const n of [1, 2, 3, 4, 5]) await store.history.append(publication("trades:alice", n), { size: 10, ttlMs: HOUR });
        expect((await store.history.read("trades:alice", "e1", 0, 2, 0)).map((p) => p.offset)).toEqual([1, 2]);
        expect((await store.history.read("trades:alice", "e1", 0, 10, T0 + 4)).map((p) => p.offset)).toEqual([4, 5]);
      });

      it("prunes publications past their ttl", async () => {
        await store.history.append(publication("trades:alice", 1, "e1", T0), { size: 10, ttlMs: 1000 });
        await store.history.append(publication("trades:alice", 2, "e1", T0 + 5000), { size: 10, ttlMs: 1000 });
        await store.prune(T0 + 2000);
        expect((await store.history.read("trades:alice", "e1", 0, 10, 0)).map((p) => p.offset)).toEqual([2]);
      });

      it("drops the old epoch's publications when a new epoch starts at offset 1", async () => {
        for (const n of [1, 2]) await store.history.append(publication("trades:alice", n, "old"), { size: 10, ttlMs: HOUR });
        await store.history.append(publication("trades:alice", 1, "new"), { size: 10, ttlMs: HOUR });
        expect(await store.history.read("trades:alice", "old", 0, 10, 0)).toEqual([]);
        expect(await store.history.loadPosition("trades:alice")).toEqual({ epoch: "new", offset: 1 });
      });

      it("keeps history for another store opened on the same backing", async () => {
        await store.history.append(publication("trades:alice", 1), { size: 10, ttlMs: HOUR });
        const other = await open(() => factory.reopen());
        expect(await other.history.loadPosition("trades:alice")).toEqual({ epoch: "e1", offset: 1 });
        expect(await other.history.read("trades:alice", "e1", 0, 10, 0)).toEqual([publication("trades:alice", 1)]);
      });
    });

    describe("idempotency", () => {
      const result = { channel: "trades:alice", offset: 7, epoch: "e1" };

      it("answers nothing for an unknown key and the stored result for a known one", async () => {
        expect(await store.idempotency.get("k1", T0)).toBeUndefined();
        await store.idempotency.put("k1", result, T0 + 1000);
        expect(await store.idempotency.get("k1", T0)).toEqual(result);
      });

      it("forgets a key once it expires, and prune deletes it", async () => {
        await store.idempotency.put("k1", result, T0 + 1000);
        expect(await store.idempotency.get("k1", T0 + 1000)).toBeUndefined();
        await store.prune(T0 + 1000);
        expect(await store.idempotency.get("k1", T0)).toBeUndefined();
      });

      it("replaces the result of a key put again", async () => {
        await store.idempotency.put("k1", result, T0 + 1000);
        await store.idempotency.put("k1", { ...result, offset: 8 }, T0 + 2000);
        expect(await store.idempotency.get("k1", T0 + 1500)).toEqual({ ...result, offset: 8 });
      });
    });

    describe("inbox", () => {
      it("has a stable epoch and an empty inbox at position 0", async () => {
        const epoch = await store.inbox.epoch();
        expect(epoch).toMatch(/^\S{4,64}$/);
        expect(await (await open(() => factory.reopen())).inbox.epoch()).toBe(epoch);
        expect(await store.inbox.position("alice")).toBe(0);
        expect(await store.inbox.list("alice", { unreadOnly: false, limit: 10 })).toEqual([]);
        expect(await store.inbox.countUnread("alice")).toBe(0);
      });

      it("stores a notification and lists it whole, unread", async () => {
        const [result] = await store.inbox.write(write(["alice"]));
        expect(result).toEqual({ userId: "alice", id: expect.any(String), seq: 1, createdAt: T0, deduplicated: false });
        expect(await store.inbox.list("alice", { unreadOnly: false, limit: 10 })).toEqual([
          { id: result!.id, userId: "alice", seq: 1, createdAt: T0, readAt: null, type: "info", title: "Hello", message: "Rebalance due", data: { drift: 0.07 }, actionUrl: "/portfolio" },
        ]);
        expect(await store.inbox.countUnread("alice")).toBe(1);
        expect(await store.inbox.position("alice")).toBe(1);
      });

      it("stores null title, data and actionUrl as null", async () => {
        await store.inbox.write(write(["alice"], { content: { type: "warning", title: null, message: "m", data: null, actionUrl: null } }));
        const [item] = await store.inbox.list("alice", { unreadOnly: false, limit: 10 });
        expect(item).toMatchObject({ type: "warning", title: null, message: "m", data: null, actionUrl: null });
      });

      it("numbers each user's notifications 1, 2, 3 without gaps, per user", async () => {
        await store.inbox.write(write(["alice"], { dedupHash: "a" }));
        await store.inbox.write(write(["alice", "bob"], { dedupHash: "b" }));
        await store.inbox.write(write(["alice"], { dedupHash: "b" })); // duplicate: takes no position
        await store.inbox.write(write(["alice"], { dedupHash: "c" }));
        expect((await store.inbox.list("alice", { unreadOnly: false, limit: 10 })).map((n) => n.seq)).toEqual([3, 2, 1]);
        expect(await store.inbox.position("alice")).toBe(3);
        expect(await store.inbox.position("bob")).toBe(1);
      });

      it("stores a duplicate inside the window once and answers the original", async () => {
        const [first] = await store.inbox.write(write(["alice"]));
        const [second] = await store.inbox.write(write(["alice"], { now: T0 + 119_999 }));
        expect(second).toEqual({ ...first, deduplicated: true });
        expect(await store.inbox.countUnread("alice")).toBe(1);
      });

      it("stores the same notification again once the window has passed", async () => {
        await store.inbox.write(write(["alice"]));
        const [again] = await store.inbox.write(write(["alice"], { now: T0 + 120_000 }));
        expect(again).toMatchObject({ seq: 2, deduplicated: false, createdAt: T0 + 120_000 });
      });

      it("decides duplicates per user and answers in the order asked", async () => {
        const [a] = await store.inbox.write(write(["alice"]));
        const results = await store.inbox.write(write(["carol", "alice", "bob"], { now: T0 + 10 }));
        expect(results.map((r) => [r.userId, r.deduplicated, r.seq])).toEqual([
          ["carol", false, 1],
          ["alice", true, 1],
          ["bob", false, 1],
        ]);
        expect(results[1]!.id).toBe(a!.id);
        expect(new Set(results.map((r) => r.id)).size).toBe(3);
      });

      it("agrees on duplicates with another store on the same backing, also when racing", async () => {
        const other = await open(() => factory.reopen());
        const raced = await Promise.all([store.inbox.write(write(["alice", "bob"])), other.inbox.write(write(["bob", "alice"]))]);
        const flat = raced.flat();
        expect(flat.filter((r) => !r.deduplicated)).toHaveLength(2);
        expect(flat.filter((r) => r.deduplicated)).toHaveLength(2);
        expect(await store.inbox.position("alice")).toBe(1);
        expect(await other.inbox.position("bob")).toBe(1);
      });

      it("writes thousands of users in one call", async () => {
        const users = Array.from({ length: 3000 }, (_, i) => `user-${i}`);
        const results = await store.inbox.write(write(users));
        expect(results.map((r) => r.userId)).toEqual(users);
        expect(results.every((r) => r.seq === 1 && !r.deduplicated)).toBe(true);
        expect(await store.inbox.countUnread("user-2999")).toBe(1);
      });

      it("lists newest first, pages with beforeId and filters unread", async () => {
        const ids: string[] = [];
        for (const h of ["a", "b", "c", "d"]) ids.push((await store.inbox.write(write(["alice"], { dedupHash: h })))[0]!.id);
        await store.inbox.markRead("alice", [ids[2]!], T0 + 5);
        const page = (q: { unreadOnly: boolean; limit: number; beforeId?: string }) => store.inbox.list("alice", q).then((l) => l.map((n) => n.seq));
        expect(await page({ unreadOnly: false, limit: 2 })).toEqual([4, 3]);
        expect(await page({ unreadOnly: false, limit: 2, beforeId: ids[2] })).toEqual([2, 1]);
        expect(await page({ unreadOnly: true, limit: 10 })).toEqual([4, 2, 1]);
        expect(await page({ unreadOnly: false, limit: 10, beforeId: "no-such-id" })).toEqual([]);
        expect((await store.inbox.unread("alice", 10)).map((n) => n.seq)).toEqual([1, 2, 4]);
        expect((await store.inbox.unread("alice", 2)).map((n) => n.seq)).toEqual([1, 2]);
      });

      it("marks only the user's own notifications read, each once", async () => {
        const [a] = await store.inbox.write(write(["alice"]));
        const [b] = await store.inbox.write(write(["bob"]));
        expect(await store.inbox.markRead("bob", [a!.id], T0 + 1)).toBe(0);
        expect(await store.inbox.markRead("alice", [a!.id, a!.id, b!.id, "nope"], T0 + 1)).toBe(1);
        expect(await store.inbox.markRead("alice", [a!.id], T0 + 2)).toBe(0);
        expect(await store.inbox.countUnread("alice")).toBe(0);
        expect(await store.inbox.countUnread("bob")).toBe(1);
        const [item] = await store.inbox.list("alice", { unreadOnly: false, limit: 1 });
        expect(item!.readAt).toBe(T0 + 1);
      });

      it("caps an inbox at maxPerUser, dropping the oldest read ones first, then the oldest unread", async () => {
        const ids: string[] = [];
        for (const h of ["1", "2", "3"]) ids.push((await store.inbox.write(write(["alice"], { dedupHash: h, maxPerUser: 3 })))[0]!.id);
        await store.inbox.markRead("alice", [ids[1]!], T0);
        await store.inbox.write(write(["alice"], { dedupHash: "4", maxPerUser: 3 }));
        expect((await store.inbox.list("alice", { unreadOnly: false, limit: 10 })).map((n) => n.seq)).toEqual([4, 3, 1]);
        await store.inbox.write(write(["alice"], { dedupHash: "5", maxPerUser: 3 }));
        expect((await store.inbox.list("alice", { unreadOnly: false, limit: 10 })).map((n) => n.seq)).toEqual([5, 4, 3]);
        expect(await store.inbox.position("alice")).toBe(5);
      });

      it("prunes notifications older than the retention, read or not", async () => {
        await store.inbox.write(write(["alice", "bob"], { dedupHash: "old" }));
        await store.inbox.write(write(["alice"], { dedupHash: "new", now: T0 + 10 * HOUR }));
        expect(await store.inbox.prune(T0 + HOUR)).toBe(2);
        expect((await store.inbox.list("alice", { unreadOnly: false, limit: 10 })).map((n) => n.seq)).toEqual([2]);
        expect(await store.inbox.list("bob", { unreadOnly: false, limit: 10 })).toEqual([]);
        expect(await store.inbox.position("bob")).toBe(1); // positions never go back
      });

      it("keeps the delivered position of a user, raised and never lowered, for another store on the same backing", async () => {
        expect(await store.inbox.delivered("alice")).toBe(0);
        await store.inbox.markDelivered("alice", 3);
        await store.inbox.markDelivered("alice", 2);
        await store.inbox.markDelivered("bob", 1);
        expect(await store.inbox.delivered("alice")).toBe(3);
        const again = await open(() => factory.reopen());
        expect(await again.inbox.delivered("alice")).toBe(3);
        expect(await again.inbox.delivered("bob")).toBe(1);
        expect(await again.inbox.delivered("carol")).toBe(0);
      });

      it("forgets dedup keys past their window on prune", async () => {
        await store.inbox.write(write(["alice"]));
        await store.prune(T0 + 120_000);
        const [again] = await store.inbox.write(write(["alice"], { now: T0 + 120_000 }));
        expect(again!.deduplicated).toBe(false);
      });
    });

    describe("rooms", () => {
      const room = { id: "room_1", type: "protected" as const, capacity: 2, createdAt: T0 };

      it("creates a room once, adds members within the capacity, sets roles, lists them by user id and deletes it with them", async () => {
        const rooms = store.rooms!;
        expect(await rooms.create(room)).toBe(true);
        expect(await rooms.create({ ...room, type: "public", capacity: 9 })).toBe(false);
        expect(await rooms.get("room_1")).toEqual(room);
        expect(await rooms.get("nope")).toBeUndefined();
        expect(await rooms.addMember("room_1", { userId: "bob", role: "member", joinedAt: T0 + 1 })).toBe("added");
        expect(await rooms.addMember("room_1", { userId: "alice", role: "admin", joinedAt: T0 + 2 })).toBe("added");
        expect(await rooms.addMember("room_1", { userId: "carol", role: "member", joinedAt: T0 + 3 })).toBe("full");
        // A role change is no new member: it passes a full room and keeps joinedAt.
        expect(await rooms.addMember("room_1", { userId: "bob", role: "moderator", joinedAt: T0 + 4 })).toBe("updated");
        expect(await rooms.addMember("nope", { userId: "bob", role: "member", joinedAt: T0 })).toBe("missing");
        expect(await rooms.members("room_1")).toEqual([
          { userId: "alice", role: "admin", joinedAt: T0 + 2 },
          { userId: "bob", role: "moderator", joinedAt: T0 + 1 },
        ]);
        expect(await rooms.member("room_1", "carol")).toBeUndefined();
        expect(await rooms.removeMember("room_1", "alice")).toBe(true);
        expect(await rooms.removeMember("room_1", "alice")).toBe(false);
        expect(await rooms.delete("room_1")).toEqual([{ userId: "bob", role: "moderator", joinedAt: T0 + 1 }]);
        expect(await rooms.delete("room_1")).toBeUndefined();
        expect(await rooms.members("room_1")).toEqual([]);
      });

      it("lists rooms in byte order of their ids, page by page after a cursor, of one type when asked, and counts members", async () => {
        const rooms = store.rooms!;
        // Upper case sorts before lower case and "_" between them, by bytes, whatever the database's locale.
        const ids = ["b", "a_2", "A1", "a.1", "c", "Z"];
        for (const [i, id] of ids.entries()) await rooms.create({ id, type: i % 2 === 0 ? "public" : "private", capacity: 5, createdAt: T0 + i });
        const order = ["A1", "Z", "a.1", "a_2", "b", "c"];
        expect((await rooms.list({ limit: 10 })).map((r) => r.id)).toEqual(order);
        expect(await rooms.list({ limit: 2 })).toEqual([
          { id: "A1", type: "public", capacity: 5, createdAt: T0 + 2 },
          { id: "Z", type: "private", capacity: 5, createdAt: T0 + 5 },
        ]);
        expect((await rooms.list({ after: "Z", limit: 2 })).map((r) => r.id)).toEqual(["a.1", "a_2"]);
        expect((await rooms.list({ after: "a_2", limit: 2 })).map((r) => r.id)).toEqual(["b", "c"]);
        expect(await rooms.list({ after: "c", limit: 2 })).toEqual([]);
        // A cursor need not be a room that still exists.
        expect((await rooms.list({ after: "a", limit: 10 })).map((r) => r.id)).toEqual(["a.1", "a_2", "b", "c"]);
        expect((await rooms.list({ type: "private", limit: 10 })).map((r) => r.id)).toEqual(["Z", "a.1", "a_2"]);
        expect((await rooms.list({ type: "public", after: "A1", limit: 1 })).map((r) => r.id)).toEqual(["b"]);
        expect(await rooms.list({ type: "protected", limit: 10 })).toEqual([]);
        await rooms.addMember("b", { userId: "u1", role: "member", joinedAt: T0 });
        await rooms.addMember("b", { userId: "u2", role: "admin", joinedAt: T0 });
        expect([await rooms.memberCount("b"), await rooms.memberCount("c"), await rooms.memberCount("nope")]).toEqual([2, 0, 0]);
      });

      it("keeps rooms for another store on the same backing, and holds the capacity when both add at once", async () => {
        await store.rooms!.create({ ...room, capacity: 1 });
        const other = await open(() => factory.reopen());
        expect(await other.rooms!.get("room_1")).toEqual({ ...room, capacity: 1 });
        const outcomes = await Promise.all([
          store.rooms!.addMember("room_1", { userId: "u1", role: "member", joinedAt: T0 }),
          other.rooms!.addMember("room_1", { userId: "u2", role: "member", joinedAt: T0 }),
        ]);
        expect([...outcomes].sort()).toEqual(["added", "full"]);
        expect((await other.rooms!.members("room_1")).length).toBe(1);
      });
    });

    describe("resumable sessions", () => {
      function checkpoint(pid: string, offset: number, userId = "alice"): ResumeRecord {
        return {
          pid,
          userId,
          run: "mx4rjkpt6dhwn",
          write: offset,
          savedAt: T0 + offset,
          closedAt: null,
          subscriptions: [{ channel: "trades:alice", position: { epoch: "e1", offset } }, { channel: "quotes:AAPL", fields: ["price"], view: "mystocks:quote", position: null }],
          checkpoints: [{ write: offset, positions: { "trades:alice": { epoch: "e1", offset }, "quotes:AAPL": null } }],
          start: { "trades:alice": null },
        };
      }
      function closed(pid: string): ResumeRecord {
        return { ...checkpoint(pid, 4), checkpoints: undefined, closedAt: T0 + 10, journal: { floor: 2, entries: [{ write: 3, channel: "trades:alice", before: { epoch: "e1", offset: 3 } }] } };
      }
      const sessions = () => {
        expect(store.sessions).toBeDefined();
        return store.sessions!;
      };

      it("gives back the whole record of a pid once, and nothing for an unknown pid", async () => {
        const record = closed("p-alice-000000000001");
        await sessions().putMany([record, checkpoint("p-bob-00000000000001", 2, "bob")], T0 + HOUR);
        expect(await sessions().take("p-unknown-0000000001")).toBeUndefined();
        expect(JSON.parse(JSON.stringify(await sessions().take(record.pid)))).toEqual(JSON.parse(JSON.stringify(record)));
        expect(await sessions().take(record.pid)).toBeUndefined();
        expect((await sessions().take("p-bob-00000000000001"))?.userId).toBe("bob");
      });

      it("replaces a checkpoint with a newer one and with the record saved at close, but never the closed record with a checkpoint", async () => {
        const pid = "p-alice-000000000002";
        await sessions().putMany([checkpoint(pid, 1)], T0 + HOUR);
        await sessions().putMany([checkpoint(pid, 2)], T0 + HOUR);
        expect((await sessions().take(pid))?.write).toBe(2);
        await sessions().putMany([checkpoint(pid, 3)], T0 + HOUR);
        await sessions().putMany([closed(pid)], T0 + HOUR);
        // A checkpoint that was written late (another pooled connection) after the close.
        await sessions().putMany([checkpoint(pid, 5)], T0 + HOUR);
        const taken = await sessions().take(pid);
        expect(taken?.closedAt).toBe(T0 + 10);
        expect(taken?.journal).toEqual({ floor: 2, entries: [{ write: 3, channel: "trades:alice", before: { epoch: "e1", offset: 3 } }] });
      });

      it("keeps sessions for another store on the same backing (a restart), and purge deletes only those whose time ran out", async () => {
        await sessions().putMany([checkpoint("p-old-00000000000001", 1)], T0 + 1000);
        await sessions().putMany([checkpoint("p-new-00000000000001", 2)], T0 + HOUR);
        await store.close();
        const again = await open(() => factory.reopen());
        await again.sessions!.purge(T0 + 1000);
        expect(await again.sessions!.take("p-old-00000000000001")).toBeUndefined();
        expect((await again.sessions!.take("p-new-00000000000001"))?.write).toBe(2);
      });
    });
  });
}
