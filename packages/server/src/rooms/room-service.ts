import {
  isAllowedEvent,
  TickwireError,
  type NamespaceDefinition,
  type RoomCreateBody,
  type RoomDetailReply,
  type RoomListReply,
  type RoomPublishBody,
  type RoomPublishReply,
  type RoomReply,
} from "@tickwire/protocol";
import type { Engine } from "../core/engine.js";
import type { Publisher } from "../core/publisher.js";
import { checkInput } from "../core/input-bounds.js";
import type { Session } from "../core/session.js";
import type { RoomRole, RoomStore, RoomType, StoredRoom, StoredRoomMember } from "../core/store.js";
import type { Logger } from "../observability/logger.js";
import type { ServerSubscriptions } from "../users/server-subscriptions.js";

/** The namespace of room channels: `rooms:{id}`. */
export const ROOMS_NAMESPACE = "rooms";
const PREFIX = `${ROOMS_NAMESPACE}:`;

/** The channel of a room. */
export function roomChannel(id: string): string {
  return PREFIX + id;
}

/** Options of the room service. */
export interface RoomServiceOptions {
  readonly store: RoomStore;
  /** Where a room's channel keeps its history: an id whose channel has one is not given out again. */
  readonly engine: Engine;
  readonly publisher: Publisher;
  readonly serverSubscriptions: ServerSubscriptions;
  readonly namespace: NamespaceDefinition;
  readonly maxInputDepth: number;
  readonly maxPublicationBytes: number;
  readonly logger: Logger;
  readonly now: () => number;
}

function reply(room: StoredRoom): RoomReply {
  return { id: room.id, channel: roomChannel(room.id), type: room.type, capacity: room.capacity, createdAt: room.createdAt };
}

function storeFailure(err: unknown): TickwireError {
  return err instanceof TickwireError ? err : new TickwireError("UNAVAILABLE", "The room store cannot answer right now; retry.", { cause: err });
}

/**
 * Rooms (docs/protocol.md, "Rooms"): kept in the store, so every node and every
 * restart sees the same rooms and members. A `rooms:{id}` subscription is admitted
 * by `check`: members of the room always; anyone else only for a public room, which
 * they join as `member` (within its capacity). Adding a member subscribes their live
 * connections on every node, removing one unsubscribes them (server-side subscriptions).
 */
export class RoomService {
  constructor(private readonly options: RoomServiceOptions) {}

  /**
   * Admits or refuses a new `rooms:{id}` subscription of `session` (other channels pass).
   * @throws TickwireError NOT_FOUND (no such room, or a private room of which the user is no member), FORBIDDEN (a protected room), LIMIT_EXCEEDED (a full public room)
   */
  readonly check = async (session: Session, channel: string, namespace: NamespaceDefinition): Promise<void> => {
    if (namespace.name !== ROOMS_NAMESPACE) return;
    const id = channel.slice(PREFIX.length);
    const { store } = this.options;
    // A removal committed after the read below reaches this node's unsubscribe only once the node listens for the user.
    await this.options.serverSubscriptions.whenListening(session.userId).catch(() => undefined);
    let room: StoredRoom | undefined;
    let member: StoredRoomMember | undefined;
    try {
      [room, member] = await Promise.all([store.get(id), store.member(id, session.userId)]);
    } catch (err) {
      throw storeFailure(err);
    }
    if (room === undefined || (room.type === "private" && member === undefined)) throw new TickwireError("NOT_FOUND", `There is no room "${id}".`);
    if (member !== undefined) return;
    if (room.type === "protected") throw new TickwireError("FORBIDDEN", `Room "${id}" is for its members only.`);
    // A public room: joining it makes the user a member.
    let outcome;
    try {
      outcome = await store.addMember(id, { userId: session.userId, role: "member", joinedAt: this.options.now() });
    } catch (err) {
      throw storeFailure(err);
    }
    if (outcome === "missing") throw new TickwireError("NOT_FOUND", `There is no room "${id}".`);
    if (outcome === "full") throw new TickwireError("LIMIT_EXCEEDED", `Room "${id}" is full (${room.capacity} members).`);
  };

  /** @throws TickwireError CONFLICT when a room with this id exists */
  async create(body: RoomCreateBody): Promise<RoomReply> {
    const room: StoredRoom = { id: body.id, type: body.type, capacity: body.capacity, createdAt: this.options.now() };
    // A deleted room's history stays in its channel: a new room of that id would hand it to its new members.
    let position;
    try {
      position = await this.options.engine.position(roomChannel(body.id), this.options.namespace);
    } catch (err) {
      throw new TickwireError("UNAVAILABLE", "The room's channel cannot be checked right now; retry.", { cause: err });
    }
    if (position.offset > 0 && (await this.options.store.get(body.id).catch((err: unknown) => Promise.reject(storeFailure(err)))) === undefined) {
      throw new TickwireError("CONFLICT", `Room id "${body.id}" was used before and its channel keeps that room's history; choose another id.`);
    }
    let created;
    try {
      created = await this.options.store.create(room);
    } catch (err) {
      throw storeFailure(err);
    }
    if (!created) throw new TickwireError("CONFLICT", `Room "${body.id}" exists already.`);
    return reply(room);
  }

  /** Deletes a room and unsubscribes its members' connections. @throws TickwireError NOT_FOUND */
  async delete(id: string): Promise<{ room: string; removed: string[] }> {
    let members;
    try {
      members = await this.options.store.delete(id);
    } catch (err) {
      throw storeFailure(err);
    }
    if (members === undefined) throw new TickwireError("NOT_FOUND", `There is no room "${id}".`);
    const removed = members.map((m) => m.userId);
    await this.unsubscribe(id, removed);
    return { room: id, removed };
  }

  /**
   * Adds a member (or sets an existing member's role) and subscribes their live connections.
   * @throws TickwireError NOT_FOUND (no such room), LIMIT_EXCEEDED (the room is full)
   */
  async addMember(id: string, userId: string, role: RoomRole): Promise<{ room: string; member: StoredRoomMember; added: boolean }> {
    const { store } = this.options;
    let outcome;
    let member;
    try {
      outcome = await store.addMember(id, { userId, role, joinedAt: this.options.now() });
      member = outcome === "added" || outcome === "updated" ? await store.member(id, userId) : undefined;
    } catch (err) {
      throw storeFailure(err);
    }
    if (outcome === "missing") throw new TickwireError("NOT_FOUND", `There is no room "${id}".`);
    if (outcome === "full") {
      const room = await store.get(id).catch(() => undefined);
      throw new TickwireError("LIMIT_EXCEEDED", `Room "${id}" is full${room ? ` (${room.capacity} members)` : ""}.`);
    }
    // Removed again meanwhile: nothing to subscribe.
    if (member === undefined) throw new TickwireError("CONFLICT", `"${userId}" was removed from room "${id}" while being added.`);
    if (outcome === "added") await this.options.serverSubscriptions.request(userId, "subscribe", [roomChannel(id)]);
    return { room: id, member, added: outcome === "added" };
  }

  /** Removes a member and unsubscribes their connections. @throws TickwireError NOT_FOUND (no such room, or not a member) */
  async removeMember(id: string, userId: string): Promise<{ room: string; removed: string[] }> {
    let removed;
    try {
      removed = await this.options.store.removeMember(id, userId);
      if (!removed && (await this.options.store.get(id)) === undefined) throw new TickwireError("NOT_FOUND", `There is no room "${id}".`);
    } catch (err) {
      throw storeFailure(err);
    }
    if (!removed) throw new TickwireError("NOT_FOUND", `"${userId}" is not a member of room "${id}".`);
    await this.unsubscribe(id, [userId]);
    return { room: id, removed: [userId] };
  }

  /** One page of rooms ordered by id, after `cursor` (the previous page's `nextCursor`), of one type when given. */
  async list(query: { cursor?: string | undefined; type?: RoomType | undefined; limit: number }): Promise<RoomListReply> {
    let rooms;
    try {
      // One more than asked says whether a next page exists without a count.
      rooms = await this.options.store.list({ after: query.cursor, type: query.type, limit: query.limit + 1 });
    } catch (err) {
      throw storeFailure(err);
    }
    const page = rooms.slice(0, query.limit);
    return { rooms: page.map(reply), nextCursor: rooms.length > query.limit ? page[page.length - 1]!.id : null };
  }

  /** A room with its member count. @throws TickwireError NOT_FOUND */
  async get(id: string): Promise<RoomDetailReply> {
    try {
      const room = await this.options.store.get(id);
      if (room === undefined) throw new TickwireError("NOT_FOUND", `There is no room "${id}".`);
      return { ...reply(room), members: await this.options.store.memberCount(id) };
    } catch (err) {
      throw storeFailure(err);
    }
  }

  /** @throws TickwireError NOT_FOUND */
  async members(id: string): Promise<{ room: string; capacity: number; members: StoredRoomMember[] }> {
    try {
      const room = await this.options.store.get(id);
      if (room === undefined) throw new TickwireError("NOT_FOUND", `There is no room "${id}".`);
      return { room: id, capacity: room.capacity, members: await this.options.store.members(id) };
    } catch (err) {
      throw storeFailure(err);
    }
  }

  /**
   * Publishes to the whole room (stored in its history, like any publication), or to the
   * members of one role or to listed members (delivered live to their subscribed connections, kept in no history).
   * @throws TickwireError NOT_FOUND (no such room), BAD_REQUEST (role and userIds together, a listed user who is no member, bad data or event), PAYLOAD_TOO_LARGE
   */
  async publish(id: string, body: RoomPublishBody, traceId: string): Promise<RoomPublishReply> {
    const channel = roomChannel(id);
    if (body.role !== undefined && body.userIds !== undefined) throw new TickwireError("BAD_REQUEST", "Give `role` or `userIds`, not both.");
    const event = body.event ?? this.options.namespace.event;
    if (!isAllowedEvent(this.options.namespace, event)) throw new TickwireError("BAD_REQUEST", `Event "${event}" is not allowed on rooms (room:… events only).`);
    if (body.data === undefined) throw new TickwireError("BAD_REQUEST", "A publication needs `data`.");
    checkInput(body.data, { maxDepth: this.options.maxInputDepth, maxBytes: this.options.maxPublicationBytes }, "`data`");
    let members;
    try {
      if ((await this.options.store.get(id)) === undefined) throw new TickwireError("NOT_FOUND", `There is no room "${id}".`);
      members = body.role === undefined && body.userIds === undefined ? undefined : await this.options.store.members(id);
    } catch (err) {
      throw storeFailure(err);
    }
    if (members === undefined) {
      const result = await this.options.publisher.publish({ channel, event, data: body.data, traceId });
      return { room: id, channel, to: "room", offset: result.offset, epoch: result.epoch };
    }
    let recipients: string[];
    if (body.userIds !== undefined) {
      const ids = new Set(members.map((m) => m.userId));
      const outsider = body.userIds.find((u) => !ids.has(u));
      if (outsider !== undefined) throw new TickwireError("BAD_REQUEST", `"${outsider}" is not a member of room "${id}"; nothing was sent.`);
      recipients = [...body.userIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } else {
      recipients = members.filter((m) => m.role === body.role).map((m) => m.userId);
    }
    const to = body.role !== undefined ? "role" : "users";
    await this.options.serverSubscriptions.deliver(recipients, channel, { event, data: body.data, ts: this.options.now(), to, role: body.role }, traceId);
    return { room: id, channel, to, recipients };
  }

  private async unsubscribe(id: string, userIds: readonly string[]): Promise<void> {
    const unreached: string[] = [];
    let cause: unknown;
    // Every member is asked, even after a failure: each request ends that member's subscriptions on this node at once.
    for (const userId of userIds) {
      await this.options.serverSubscriptions.request(userId, "unsubscribe", [roomChannel(id)]).catch((err: unknown) => {
        this.options.logger.error({ err, room: id, userId }, "a removed member's connections on other nodes could not be unsubscribed yet; retried");
        unreached.push(userId);
        cause = err;
      });
    }
    if (unreached.length > 0) {
      throw new TickwireError(
        "UNAVAILABLE",
        `${unreached.length === 1 ? `"${unreached[0]}" was` : `${unreached.length} members were`} removed from room "${id}" and unsubscribed on this node; the other nodes cannot be reached right now and are told as soon as they can be.`,
        { cause },
      );
    }
  }
}
