import type { ChannelPosition, Publication } from "./publication.js";
import type { PublishResult } from "@tickwire/protocol";
import type { SkipReason } from "./stored-data.js";

/** How much history a channel keeps. */
export interface HistoryLimits {
  readonly size: number;
  readonly ttlMs: number;
}

/** One publication to append, with its channel's limits. */
export interface HistoryAppend {
  readonly publication: Publication;
  readonly limits: HistoryLimits;
}

/** Durable history of event channels (single-node mode). */
export interface HistoryStore {
  /** Position of a channel whose history is stored, or undefined for a channel never seen. */
  loadPosition(channel: string): Promise<ChannelPosition | undefined>;
  /** Appends a publication and trims the channel to `size` entries; records the channel's position. */
  append(publication: Publication, limits: HistoryLimits): Promise<void>;
  /**
   * Appends several publications in one transaction, in order (group commit:
   * the engine writes everything published in one turn of the event loop at once).
   * Either all are stored or none.
   */
  appendMany(entries: readonly HistoryAppend[]): Promise<void>;
  /**
   * Publications with offset > afterOffset and not older than `minTs`, oldest first, at most `limit`.
   * A row that cannot be read back or delivered is left out (its offset is missing from the result)
   * and reported to `onSkipped`; it still counts toward `limit`.
   */
  read(channel: string, epoch: string, afterOffset: number, limit: number, minTs: number, onSkipped?: (offset: number, reason: SkipReason) => void): Promise<Publication[]>;
}

/** Remembers the result of an idempotent publish. */
export interface IdempotencyStore {
  get(key: string, now: number): Promise<PublishResult | undefined>;
  put(key: string, result: PublishResult, expiresAt: number): Promise<void>;
}

/** What a notification says; the same for every recipient of one publish. */
export interface NotificationContent {
  readonly type: string;
  readonly title: string | null;
  readonly message: string;
  readonly data: Record<string, unknown> | null;
  readonly actionUrl: string | null;
}

/** One notification as stored in one user's inbox. */
export interface StoredNotification extends NotificationContent {
  /** Globally unique id (what clients acknowledge). */
  readonly id: string;
  readonly userId: string;
  /** Position in the user's inbox, 1, 2, 3…: the publication offset on `notifications:{userId}`. */
  readonly seq: number;
  /** When it was accepted, ms since the epoch. */
  readonly createdAt: number;
  /** When it was acknowledged, or null while unread. */
  readonly readAt: number | null;
}

/** One publish of a notification to one or more users. */
export interface InboxWrite {
  /** Distinct user ids. */
  readonly userIds: readonly string[];
  readonly content: NotificationContent;
  /** Identifies duplicates of this notification for one user (type + dedupKey, or type + content). */
  readonly dedupHash: string;
  /** Acceptance time, ms. */
  readonly now: number;
  /** A duplicate accepted less than this long after the first is not stored again. */
  readonly dedupWindowMs: number;
  /** Inbox size cap: beyond it the oldest read notifications go first, then the oldest unread. */
  readonly maxPerUser: number;
}

/** What one recipient of an InboxWrite got. */
export interface InboxWriteResult {
  readonly userId: string;
  /** The new notification, or for a duplicate the one it duplicates. */
  readonly id: string;
  /** Its position in the user's inbox (for a duplicate whose original is gone: the inbox's top). */
  readonly seq: number;
  readonly createdAt: number;
  /** True when nothing was stored because the same notification is inside its dedup window. */
  readonly deduplicated: boolean;
}

/**
 * The durable notification inbox. Every write happens in one transaction and
 * the store decides duplicates (not process memory), so processes sharing a
 * store agree; positions (`seq`) are assigned by the store, per user, with no gaps.
 */
export interface InboxStore {
  /** Epoch of every inbox in this store: chosen when the store is created, it changes only when the store is lost. */
  epoch(): Promise<string>;
  /** Stores one notification for each user (one transaction); results in `userIds` order. */
  write(write: InboxWrite): Promise<InboxWriteResult[]>;
  /** Newest first; `beforeId` pages (an id not in this inbox gives an empty page). */
  list(userId: string, query: { unreadOnly: boolean; limit: number; beforeId?: string | undefined }): Promise<StoredNotification[]>;
  /** Unread notifications, oldest first, at most `limit`. */
  unread(userId: string, limit: number): Promise<StoredNotification[]>;
  /** Number of unread notifications. */
  countUnread(userId: string): Promise<number>;
  /** The highest position ever given in this inbox (0 for an empty one). */
  position(userId: string): Promise<number>;
  /**
   * The highest position delivered to a connection of the user, for clients that
   * never acknowledge (0 when none was): their next subscribe skips what it covers.
   */
  delivered(userId: string): Promise<number>;
  /** Raises the user's delivered position to `seq` (never lowers it). */
  markDelivered(userId: string, seq: number): Promise<void>;
  /** Marks the user's own notifications among `ids` read; resolves to how many changed from unread to read. */
  markRead(userId: string, ids: readonly string[], now: number): Promise<number>;
  /** Deletes notifications created before `createdBefore`; resolves to how many. */
  prune(createdBefore: number): Promise<number>;
}

/** The durable part of a gateway: SQLite by default, PostgreSQL when configured. */
export interface Store {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  readonly history: HistoryStore;
  readonly idempotency: IdempotencyStore;
  readonly inbox: InboxStore;
  /** Resumable sessions, when the store keeps them (else they are kept in memory). */
  readonly sessions?: ResumeStore;
  /** Rooms and their members (the rooms API), when the store keeps them. */
  readonly rooms?: RoomStore;
  /** Creates tables; safe to call on an existing store. */
  init(): Promise<void>;
  /** One round trip to the database (`/readyz`); rejects when it cannot answer. Stores without a backend omit it. */
  ping?(): Promise<void>;
  /** Deletes expired idempotency keys and dedup keys, and history older than its namespace allows. */
  prune(now: number): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
}

/** One subscription of a resumable session, as kept for its resumption. */
export interface ResumeSubscription {
  readonly channel: string;
  readonly fields?: readonly string[] | undefined;
  /** Key of the legacy view it is delivered through (LegacyView.key). */
  readonly view?: string | undefined;
  /** Where the subscriber was (event channels), null when unknown. */
  readonly position: { readonly epoch: string; readonly offset: number } | null;
}

/** What a resumable session leaves behind when its connection closes, or at each checkpoint while it is open. */
export interface ResumeRecord {
  readonly pid: string;
  readonly userId: string;
  /** Process run that wrote it (the run part of its tokens). */
  readonly run: string;
  /** The run's write number when it was saved. */
  readonly write: number;
  readonly savedAt: number;
  /** When its connection closed; null for a checkpoint of an open connection. */
  readonly closedAt: number | null;
  readonly subscriptions: readonly ResumeSubscription[];
  /** Writes of the connection's last moments, with the positions before each (records of closed connections). */
  readonly journal?: { readonly floor: number; readonly entries: readonly { readonly write: number; readonly channel: string; readonly before: { readonly epoch: string; readonly offset: number } | null }[] } | undefined;
  /** Earlier checkpoints, newest first (records of open connections, what a crash leaves). */
  readonly checkpoints?: readonly { readonly write: number; readonly positions: Readonly<Record<string, { readonly epoch: string; readonly offset: number } | null>> }[] | undefined;
  /** Positions the session started its run with. */
  readonly start?: Readonly<Record<string, { readonly epoch: string; readonly offset: number } | null>> | undefined;
}

/** Where resumable sessions are kept between connections: the store's (survives restarts), or memory. */
export interface ResumeStore {
  /** Writes records (one transaction); a record replaces the one of the same pid. */
  putMany(records: readonly ResumeRecord[], expiresAt: number): Promise<void>;
  /** Removes and returns the record of `pid` (a session resumes once). */
  take(pid: string): Promise<ResumeRecord | undefined>;
  /** Deletes records whose time ran out. */
  purge(now: number): Promise<void>;
}

/** Who may see a room (docs/protocol.md, "Rooms"). */
export type RoomType = "public" | "protected" | "private";
/** What a member may be in a room. */
export type RoomRole = "admin" | "moderator" | "member";

/** One room as stored. */
export interface StoredRoom {
  readonly id: string;
  readonly type: RoomType;
  /** Most members the room takes. */
  readonly capacity: number;
  /** ms since the epoch. */
  readonly createdAt: number;
}

/** One member of a room. */
export interface StoredRoomMember {
  readonly userId: string;
  readonly role: RoomRole;
  /** When they were added (a role change keeps it), ms since the epoch. */
  readonly joinedAt: number;
}

/** What adding a member did: `added`, `updated` (their role changed or stayed), `full` (capacity reached, nothing changed), `missing` (no such room). */
export type AddMemberOutcome = "added" | "updated" | "full" | "missing";

/** Rooms and their members, shared by every node on the same store; each write is one transaction. */
export interface RoomStore {
  /** Creates a room; false (and nothing changes) when one with this id exists. */
  create(room: StoredRoom): Promise<boolean>;
  get(id: string): Promise<StoredRoom | undefined>;
  /** Deletes a room with its members; the members it had, or undefined when there was no such room. */
  delete(id: string): Promise<StoredRoomMember[] | undefined>;
  /** Adds a member or changes their role; the capacity is checked in the same transaction. */
  addMember(id: string, member: StoredRoomMember): Promise<AddMemberOutcome>;
  /** Removes a member; false when they were not one. */
  removeMember(id: string, userId: string): Promise<boolean>;
  member(id: string, userId: string): Promise<StoredRoomMember | undefined>;
  /** Members ordered by user id. */
  members(id: string): Promise<StoredRoomMember[]>;
  /** How many members a room has (0 for no such room). */
  memberCount(id: string): Promise<number>;
  /** Rooms ordered by id (byte order), those after `after` only, of one `type` when given; at most `limit`. */
  list(query: RoomListQuery): Promise<StoredRoom[]>;
}

/** A page of the room list: keyset pagination on the room id. */
export interface RoomListQuery {
  readonly after?: string | undefined;
  readonly type?: RoomType | undefined;
  readonly limit: number;
}
