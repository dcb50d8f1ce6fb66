import type { NamespaceDefinition, PublicationMeta, Tier } from "@tickwire/protocol";
import type { Publication } from "./publication.js";
import { fieldSetKey } from "./rules.js";
import type { Session } from "./session.js";

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

/** One session's subscription to one channel. */
export class Subscription {
  /** Live publications that arrived while history was being read; merged in once recovery ends. */
  buffer: Publication[] | undefined = [];
  /** Offset of the last publication sent to this subscriber. */
  lastOffset = 0;
  /** Epoch `lastOffset` belongs to; undefined until the subscriber has a position. */
  lastEpoch: string | undefined;
  /** Position the subscriber started from before anything was sent to it (a recovery's `since`, a rewind's start). */
  origin: { epoch: string; offset: number } | undefined;
  /** Tier of the delivery group the subscription sits in (the session's tier when it joined). */
  tier: Tier;

  constructor(
    readonly session: Session,
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

  /** True when the subscriber already has `publication`: same history, offset not above its last one. */
  has(publication: { offset: number; epoch: string }): boolean {
    return publication.epoch === this.lastEpoch && publication.offset <= this.lastOffset;
  }

  /** Records `publication` as the last one sent; true when it starts another epoch than the subscriber had. */
  advance(publication: { offset: number; epoch: string }): boolean {
    const newEpoch = this.lastEpoch !== undefined && this.lastEpoch !== publication.epoch;
    this.lastEpoch = publication.epoch;
    this.lastOffset = publication.offset;
    return newEpoch;
  }

  /** The last position sent, or where the subscriber started; undefined when it has none. */
  position(): { epoch: string; offset: number } | undefined {
    return this.lastEpoch === undefined ? this.origin : { epoch: this.lastEpoch, offset: this.lastOffset };
  }

  /** True while the subscription is recovering and buffers live publications. */
  get recovering(): boolean {
    return this.buffer !== undefined;
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

