import type { NamespaceDefinition, PublicationMeta, Tier } from "@tickwire/protocol";
import type { Connection } from "./connection.js";
import type { Publication } from "./publication.js";
import { SubscriptionRecovery } from "./recovery.js";
import { fieldSetKey } from "./rules.js";
import type { SessionResume } from "./session-journal.js";

/** The `meta` argument of a publication event, as packages/protocol defines it. */
export type { PublicationMeta };

/** What a LegacyView is defined with. */
export interface LegacyViewSpec {
  /** Event name the channel's publications are emitted under instead of their own. */
  readonly event: string;
  /**
   * Reshapes the payload into the legacy client's format. `payload` is already
   * filtered by the subscription's fields; `data` is the publication's whole
   * payload (for values the filter drops). Called once per delivery set per
   * publication, never per socket, so it must depend on nothing but its arguments.
   */
  readonly transform?: ((payload: unknown, meta: PublicationMeta, data: unknown) => unknown) | undefined;
  /**
   * The client never acknowledges (StackMotive): an inbox subscribed through
   * this view skips what was already delivered to a connection of the user,
   * instead of sending every unread notification again.
   */
  readonly unacknowledged?: boolean | undefined;
}

/** Views by key: a resumed session's legacy subscriptions find their view again (keys are stable across runs of one build). */
const VIEWS = new Map<string, LegacyView>();
const viewsPerEvent = new Map<string, number>();

/**
 * How a legacy client receives a channel (docs/legacy-clients.md): under another
 * event name, optionally reshaped. Define each view once (a module constant):
 * the hub shares one encoding among subscriptions of the same view and fields,
 * and two views are never the same set, even with the same event name.
 * @example const STREAM_DATA = new LegacyView({ event: "stream_data", transform: (p, meta) => ({ data: p, timestamp: meta.ts }) });
 */
export class LegacyView implements LegacyViewSpec {
  readonly event: string;
  readonly transform: LegacyViewSpec["transform"];
  readonly unacknowledged: boolean;
  /** Part of the hub's delivery key; unique per view. */
  readonly key: string;

  constructor(spec: LegacyViewSpec) {
    this.event = spec.event;
    this.transform = spec.transform;
    this.unacknowledged = spec.unacknowledged === true;
    // Numbered per event name in the order views are defined (module constants): the same in every run of one build.
    const n = viewsPerEvent.get(spec.event) ?? 0;
    viewsPerEvent.set(spec.event, n + 1);
    this.key = `${spec.event}#${n}`;
    VIEWS.set(this.key, this);
    Object.freeze(this);
  }

  /** The view defined with `key`, if this build defines it. */
  static find(key: string): LegacyView | undefined {
    return VIEWS.get(key);
  }
}

/**
 * What a subscription needs of the session it belongs to, and what the hub
 * writes to through it (core/session.ts's Session is one). Declared here so
 * that the session, which holds its subscriptions, is the one that imports.
 */
export interface SubscriberSession {
  readonly tier: Tier;
  readonly connection: Connection;
  /** True once the connection closed: nothing more is written to it. */
  readonly closed: boolean;
  /** Set for a connection that may resume: its writes are numbered and journaled. */
  readonly resume: SessionResume | undefined;
}

/** One session's subscription to one channel. */
export class Subscription {
  /** The subscriber's position and, while it recovers, the live publications it is owed. */
  readonly recovery = new SubscriptionRecovery();
  /** Tier of the delivery group the subscription sits in (the session's tier when it joined). */
  tier: Tier;

  constructor(
    readonly session: SubscriberSession,
    readonly channel: string,
    readonly namespace: NamespaceDefinition,
    /** Payload fields to deliver (quotes), or undefined for the whole payload. */
    public fields: readonly string[] | undefined,
    /** How publications reach a legacy client (event name, payload shape), or undefined for the protocol's own. */
    public view?: LegacyView,
  ) {
    this.tier = session.tier;
  }

  /** Distinct field sets share one encoded payload; this is the key of the set. */
  get fieldsKey(): string {
    return fieldSetKey(this.fields);
  }

  /** Key of the hub's delivery set: subscriptions with the same fields and legacy view share one encoding. */
  get deliveryKey(): string {
    // Resumable connections get a trailing resumption token: their packets are encoded apart.
    const key = this.view === undefined ? this.fieldsKey : `${this.view.key}>${this.fieldsKey}`;
    return this.session.resume === undefined ? key : `~${key}`;
  }
}

/**
 * Keeps only `fields` of an object payload; the namespace's key field (`symbol`) is always kept.
 * @example filterFields({ symbol: "AAPL", price: 1, bid: 2 }, ["price"], "symbol") // { symbol: "AAPL", price: 1 }
 */
export function filterFields(data: unknown, fields: readonly string[] | undefined, keyField: string | undefined): unknown {
  if (fields === undefined || typeof data !== "object" || data === null || Array.isArray(data)) return data;
  const source = data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // Own fields only: `toString` or `constructor` asked as fields are not the payload's.
  if (keyField !== undefined && Object.hasOwn(source, keyField)) out[keyField] = source[keyField];
  for (const field of fields) if (Object.hasOwn(source, field)) out[field] = source[field];
  return out;
}

/** The `meta` argument of a publication event. */
export function metaOf(publication: Publication): PublicationMeta {
  return { channel: publication.channel, offset: publication.offset, epoch: publication.epoch, ts: publication.ts };
}

