import type { NamespaceDefinition } from "@tickwire/protocol";
import type { OccupancyState } from "./occupancy.js";
import type { ChannelPosition, Publication, PublishInput } from "./publication.js";
import type { ResumeStore } from "./store.js";

/** Called by the engine for each publication of a channel this node takes interest in, in offset order. */
export type PublicationListener = (publication: Publication) => void;

/** One connection subscribed to a channel, somewhere in the deployment. */
export interface PresenceEntry {
  /** The connection's id (unique across nodes). */
  readonly clientId: string;
  readonly userId: string;
}

/** A user appeared on (`joined`) or disappeared from a channel, announced once across the deployment. */
export interface PresenceChange {
  readonly channel: string;
  readonly userId: string;
  readonly joined: boolean;
}

/** Told about each presence change of the channels this node has local subscribers of, in the order the engine decided them. */
export type PresenceListener = (change: PresenceChange) => void;

/** What history holds after a position. */
export interface HistoryRead {
  /** The channel's current position (top offset and epoch). */
  readonly position: ChannelPosition;
  /** Publications after the asked offset, oldest first, at most `limit`. */
  readonly publications: readonly Publication[];
  /**
   * True when `publications` starts right after the asked offset, i.e. nothing
   * between the asked offset and the first returned one was lost to size or age.
   */
  readonly contiguous: boolean;
}

/** How a channel is subscribed (Engine.subscribe). */
export interface EngineSubscribeOptions {
  /** The channel's source numbers its publications and fans them out with `Engine.fanOut`. @default false */
  readonly fanOutOnly?: boolean;
}

/**
 * The engine orders publications, keeps history and fans out between nodes.
 * Core code talks to this interface only; `MemoryEngine` serves one node and a
 * Redis engine many. Every method is asynchronous so that either fits.
 */
export interface Engine {
  /** Short name for logs and stats (`memory`, `redis`). */
  readonly name: string;
  /**
   * Resumable sessions shared by every node of the engine (a client resumes on
   * any of them); engines of one node omit it and the store keeps them.
   */
  readonly sessions?: ResumeStore;
  /** Starts the engine; `listener` receives every publication of channels this node subscribed to. */
  start(listener: PublicationListener): Promise<void>;
  /** Assigns the next offset, appends history, fans out; resolves once the publication is durable where the namespace asks for it. */
  publish(channel: string, namespace: NamespaceDefinition, input: PublishInput): Promise<Publication>;
  /**
   * Fans out a publication that its channel source numbered itself (offset and
   * epoch given, e.g. by a store) to the listener of every node that subscribed
   * its channel with `fanOutOnly`, this one included, as it is: nothing is
   * stored, no offset is assigned, nothing is put in order across nodes (one
   * node's fan-outs of a channel arrive in the order made; two nodes' may cross).
   * Resolves once handed over; when it could not be, this node's own listener
   * still gets it and the promise rejects (nothing is retried).
   */
  fanOut(publication: Publication): Promise<void>;
  /**
   * This node now has local subscribers of `channel`. With `fanOutOnly` the
   * channel's publications are numbered by its source and reach the listener
   * through `fanOut` only: the engine keeps no position, history or key for it.
   */
  subscribe(channel: string, namespace: NamespaceDefinition, options?: EngineSubscribeOptions): Promise<void>;
  /** This node has no more local subscribers of `channel`. */
  unsubscribe(channel: string, namespace: NamespaceDefinition): Promise<void>;
  /** The channel's position without reading history. */
  position(channel: string, namespace: NamespaceDefinition): Promise<ChannelPosition>;
  /** Publications after `afterOffset` (at most `limit`) with the channel position. */
  history(channel: string, namespace: NamespaceDefinition, afterOffset: number, limit: number): Promise<HistoryRead>;
  /** Latest publication of a state channel, if any. */
  latest(channel: string, namespace: NamespaceDefinition): Promise<Publication | undefined>;
  /**
   * Presence (namespaces with `presence`): `clientId` of `userId` is subscribed to
   * `channel` on this node, until `presenceLeave` or until this node stops
   * renewing it (a dead node's entries expire). Engines without presence omit them.
   * With `announce` (the namespace's presence has `events`), the user's first entry and
   * the disappearance of its last one are told to the presence listener of every node
   * subscribed to the channel, once each.
   */
  presenceJoin?(channel: string, clientId: string, userId: string, announce?: boolean): Promise<void>;
  presenceLeave?(channel: string, clientId: string): Promise<void>;
  /** Every connection subscribed to `channel` on every node. */
  presence?(channel: string): Promise<PresenceEntry[]>;
  /** Sets the listener of presence changes (announcing channels only). */
  onPresenceChange?(listener: PresenceListener): void;
  /** Occupancy shared by every node (demand-driven feeds); engines of one process omit it and the gateway keeps it in memory. */
  occupancy?(): OccupancyState;
  /** Whether the engine can serve now, with details for `/readyz` and stats (engines without a backend omit it). */
  health?(): { ok: boolean; details: Record<string, unknown> };
  /** One round trip to the engine's backend (`/readyz`); rejects when it cannot answer. Engines without a backend omit it. */
  ping?(): Promise<void>;
  /**
   * Resolves once publications this node made were handed to its own listener,
   * or at `deadline` (ms since the epoch); engines that deliver before `publish`
   * resolves omit it. Called in the graceful shutdown before clients are told to go.
   */
  settle?(deadline: number): Promise<void>;
  /** Stops the engine; pending publishes settle first. */
  close(): Promise<void>;
}
