import type Database from "better-sqlite3";
import type { AddMemberOutcome, RoomListQuery, RoomStore, StoredRoom, StoredRoomMember } from "../../core/store.js";
import { toMember, toRoom, type MemberRow, type RoomRow } from "../room-row.js";

/** Tables of the rooms, created with the rest of the embedded store's schema. */
export const SQLITE_ROOM_SCHEMA = `
CREATE TABLE IF NOT EXISTS rooms (
  id         TEXT PRIMARY KEY,
  type       TEXT NOT NULL,
  capacity   INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS room_members (
  room_id   TEXT NOT NULL,
  user_id   TEXT NOT NULL,
  role      TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
`;

/** Rooms in the embedded store (they survive restarts with the file). */
export class SqliteRoomStore implements RoomStore {
  private readonly insertRoom: Database.Statement<[string, string, number, number]>;
  private readonly selectRoom: Database.Statement<[string], RoomRow>;
  private readonly deleteRoom: Database.Statement<[string]>;
  private readonly selectMembers: Database.Statement<[string], MemberRow>;
  private readonly selectMember: Database.Statement<[string, string], MemberRow>;
  private readonly countMembers: Database.Statement<[string], { n: number }>;
  private readonly insertMember: Database.Statement<[string, string, string, number]>;
  private readonly updateRole: Database.Statement<[string, string, string]>;
  private readonly deleteMember: Database.Statement<[string, string]>;
  private readonly deleteMembers: Database.Statement<[string]>;
  private readonly listRooms: Database.Statement<[{ after: string; type: string | null; limit: number }], RoomRow>;
  private readonly deleteTx: (id: string) => StoredRoomMember[] | undefined;
  private readonly addTx: (id: string, member: StoredRoomMember) => AddMemberOutcome;

  /** @internal The driver's types stay out of the published declarations. */
  constructor(db: Database.Database) {
    db.exec(SQLITE_ROOM_SCHEMA);
    this.insertRoom = db.prepare("INSERT INTO rooms (id, type, capacity, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING");
    this.selectRoom = db.prepare("SELECT id, type, capacity, created_at FROM rooms WHERE id = ?");
    this.deleteRoom = db.prepare("DELETE FROM rooms WHERE id = ?");
    this.selectMembers = db.prepare("SELECT user_id, role, joined_at FROM room_members WHERE room_id = ? ORDER BY user_id");
    this.selectMember = db.prepare("SELECT user_id, role, joined_at FROM room_members WHERE room_id = ? AND user_id = ?");
    this.countMembers = db.prepare("SELECT COUNT(*) AS n FROM room_members WHERE room_id = ?");
    this.listRooms = db.prepare("SELECT id, type, capacity, created_at FROM rooms WHERE id > @after AND (@type IS NULL OR type = @type) ORDER BY id LIMIT @limit");
    this.insertMember = db.prepare("INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)");
    this.updateRole = db.prepare("UPDATE room_members SET role = ? WHERE room_id = ? AND user_id = ?");
    this.deleteMember = db.prepare("DELETE FROM room_members WHERE room_id = ? AND user_id = ?");
    this.deleteMembers = db.prepare("DELETE FROM room_members WHERE room_id = ?");
    this.deleteTx = db.transaction((id: string) => {
      if (this.selectRoom.get(id) === undefined) return undefined;
      const members = this.selectMembers.all(id).map(toMember);
      this.deleteMembers.run(id);
      this.deleteRoom.run(id);
      return members;
    });
    this.addTx = db.transaction((id: string, member: StoredRoomMember): AddMemberOutcome => {
      const room = this.selectRoom.get(id);
      if (room === undefined) return "missing";
      if (this.selectMember.get(id, member.userId) !== undefined) {
        this.updateRole.run(member.role, id, member.userId);
        return "updated";
      }
      if (this.countMembers.get(id)!.n >= room.capacity) return "full";
      this.insertMember.run(id, member.userId, member.role, member.joinedAt);
      return "added";
    });
  }

  async create(room: StoredRoom): Promise<boolean> {
    return this.insertRoom.run(room.id, room.type, room.capacity, room.createdAt).changes === 1;
  }

  async get(id: string): Promise<StoredRoom | undefined> {
    const row = this.selectRoom.get(id);
    return row === undefined ? undefined : toRoom(row);
  }

  async delete(id: string): Promise<StoredRoomMember[] | undefined> {
    return this.deleteTx(id);
  }

  async addMember(id: string, member: StoredRoomMember): Promise<AddMemberOutcome> {
    return this.addTx(id, member);
  }

  async removeMember(id: string, userId: string): Promise<boolean> {
    return this.deleteMember.run(id, userId).changes === 1;
  }

  async member(id: string, userId: string): Promise<StoredRoomMember | undefined> {
    const row = this.selectMember.get(id, userId);
    return row === undefined ? undefined : toMember(row);
  }

  async members(id: string): Promise<StoredRoomMember[]> {
    return this.selectMembers.all(id).map(toMember);
  }

  async memberCount(id: string): Promise<number> {
    return this.countMembers.get(id)!.n;
  }

  async list(query: RoomListQuery): Promise<StoredRoom[]> {
    // TEXT compares by bytes (BINARY), as PostgreSQL's "C" collation does: one cursor order on both stores.
    return this.listRooms.all({ after: query.after ?? "", type: query.type ?? null, limit: query.limit }).map(toRoom);
  }
}
