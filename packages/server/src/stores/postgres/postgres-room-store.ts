import type { Pool } from "pg";
import type { AddMemberOutcome, RoomListQuery, RoomStore, StoredRoom, StoredRoomMember } from "../../core/store.js";
import { inTransaction } from "./transaction.js";
import { toMember, toRoom, type MemberRow, type RoomRow } from "../room-row.js";

/** Rooms in PostgreSQL, shared by every node; a member is added under a lock of the room's row, so capacity holds across nodes. */
export class PostgresRoomStore implements RoomStore {
  /** @internal The driver's types stay out of the published declarations. */
  constructor(private readonly pool: Pool) {}

  async create(room: StoredRoom): Promise<boolean> {
    const { rowCount } = await this.pool.query("INSERT INTO tw_rooms (id, type, capacity, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING", [
      room.id,
      room.type,
      room.capacity,
      room.createdAt,
    ]);
    return rowCount === 1;
  }

  async get(id: string): Promise<StoredRoom | undefined> {
    const { rows } = await this.pool.query<RoomRow>("SELECT id, type, capacity, created_at FROM tw_rooms WHERE id = $1", [id]);
    return rows[0] === undefined ? undefined : toRoom(rows[0]);
  }

  async delete(id: string): Promise<StoredRoomMember[] | undefined> {
    return inTransaction(this.pool, async (client) => {
      const room = await client.query("SELECT id FROM tw_rooms WHERE id = $1 FOR UPDATE", [id]);
      if (room.rowCount === 0) return undefined;
      const { rows } = await client.query<MemberRow>("DELETE FROM tw_room_members WHERE room_id = $1 RETURNING user_id, role, joined_at", [id]);
      await client.query("DELETE FROM tw_rooms WHERE id = $1", [id]);
      return rows.map(toMember).sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    });
  }

  async addMember(id: string, member: StoredRoomMember): Promise<AddMemberOutcome> {
    return inTransaction(this.pool, async (client) => {
      const room = await client.query<{ capacity: number }>("SELECT capacity FROM tw_rooms WHERE id = $1 FOR UPDATE", [id]);
      if (room.rows[0] === undefined) return "missing";
      const updated = await client.query("UPDATE tw_room_members SET role = $3 WHERE room_id = $1 AND user_id = $2", [id, member.userId, member.role]);
      if (updated.rowCount === 1) return "updated";
      const count = await client.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM tw_room_members WHERE room_id = $1", [id]);
      if (count.rows[0]!.n >= room.rows[0].capacity) return "full";
      await client.query("INSERT INTO tw_room_members (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)", [id, member.userId, member.role, member.joinedAt]);
      return "added";
    });
  }

  async removeMember(id: string, userId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM tw_room_members WHERE room_id = $1 AND user_id = $2", [id, userId]);
    return rowCount === 1;
  }

  async member(id: string, userId: string): Promise<StoredRoomMember | undefined> {
    const { rows } = await this.pool.query<MemberRow>("SELECT user_id, role, joined_at FROM tw_room_members WHERE room_id = $1 AND user_id = $2", [id, userId]);
    return rows[0] === undefined ? undefined : toMember(rows[0]);
  }

  async members(id: string): Promise<StoredRoomMember[]> {
    const { rows } = await this.pool.query<MemberRow>("SELECT user_id, role, joined_at FROM tw_room_members WHERE room_id = $1 ORDER BY user_id COLLATE \"C\"", [id]);
    return rows.map(toMember);
  }

  async memberCount(id: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM tw_room_members WHERE room_id = $1", [id]);
    return rows[0]?.n ?? 0;
  }

  async list(query: RoomListQuery): Promise<StoredRoom[]> {
    const { rows } = await this.pool.query<RoomRow>(
      'SELECT id, type, capacity, created_at FROM tw_rooms WHERE id COLLATE "C" > $1 AND ($2::text IS NULL OR type = $2) ORDER BY id COLLATE "C" LIMIT $3',
      [query.after ?? "", query.type ?? null, query.limit],
    );
    return rows.map(toRoom);
  }
}
