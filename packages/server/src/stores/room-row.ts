import type { RoomRole, RoomType, StoredRoom, StoredRoomMember } from "../core/store.js";

/** A room as both stores keep it (SQLite and PostgreSQL use the same columns). */
export interface RoomRow {
  id: string;
  type: string;
  capacity: number;
  created_at: number;
}

/** A room member as both stores keep it. */
export interface MemberRow {
  user_id: string;
  role: string;
  joined_at: number;
}

export function toRoom(row: RoomRow): StoredRoom {
  return { id: row.id, type: row.type as RoomType, capacity: row.capacity, createdAt: row.created_at };
}

export function toMember(row: MemberRow): StoredRoomMember {
  return { userId: row.user_id, role: row.role as RoomRole, joinedAt: row.joined_at };
}
