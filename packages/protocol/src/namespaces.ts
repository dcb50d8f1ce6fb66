import type { Tier } from "./tiers.js";

/**
 * How a namespace treats its publications:
 * - `state`: the latest value matters (quotes, portfolio, metrics); a new
 *   subscriber gets it at once, intermediate values may be conflated;
 * - `event`: every item matters (trades, signals, decisions); history is kept
 *   and replayed on recovery, nothing is ever dropped;
 * - `inbox`: a durable per-user inbox (notifications) owned by the inbox service.
 */
export type ChannelKind = "state" | "event" | "inbox";

/**
 * Who may subscribe to a channel of the namespace: `any` user whose tier (or a role)
 * the namespace admits, only its `owner`, or every connected viewer (`public`: neither
 * tier nor roles are checked; one publication reaches them all).
 */
export type ChannelAccess = "any" | "owner" | "public";

/**
 * Whether a channel of the namespace has a key after the colon:
 * - `required`: `quotes:AAPL`;
 * - `optional`: `signals` and `signals:{provider}` are both channels;
 * - `none`: `metrics`;
 * - `owner`: the key is a user id; the bare name means the caller's own channel.
 */
export type ChannelKeyRule = "required" | "optional" | "none" | "owner";

/** One row of the namespace catalogue. */
export interface NamespaceDefinition {
  /** Namespace name, the part before the colon. */
  readonly name: string;
  /** Server event a publication is emitted as, unless the publisher picks another allowed one. */
  readonly event: string;
  /** Other events a publisher may choose. */
  readonly allowedEvents?: readonly string[];
  /** Any event starting with this prefix is allowed too (`admin:`). */
  readonly eventPrefix?: string;
  readonly access: ChannelAccess;
  readonly key: ChannelKeyRule;
  /** Regular expression source a key must match (after normalisation). */
  readonly keyPattern?: string;
  /** Keys are upper-cased before use (ticker symbols). */
  readonly upperCaseKey?: boolean;
  /** Lowest tier allowed to subscribe. */
  readonly minTier: Tier;
  /** Roles (the token's `roles` claim, a session's roles) any one of which admits a subscriber whatever their tier. */
  readonly roles?: readonly string[];
  readonly kind: ChannelKind;
  /** History kept for recovery (event channels). @default { size: 0, ttlMs: 0 } */
  readonly history: { readonly size: number; readonly ttlMs: number };
  /**
   * Publications of the history a legacy subscription gets before live ones (legacy
   * clients cannot ask for `rewind`): their panels are filled on load. @default 0
   */
  readonly legacyRewind?: number;
  /** Whether a subscription may ask for a subset of payload fields. */
  readonly fieldFilter?: boolean;
  /** The payload field always kept by a field filter. */
  readonly keyField?: string;
  /** Per-tier conflation interval in ms (0 = every update). */
  readonly conflationMs?: Readonly<Record<Tier, number>>;
  /** Minimum ms between two deliveries of a batched state channel (latest wins). */
  readonly batchMs?: number;
  /**
   * Who is subscribed, across all nodes, may be asked for (`presence`, `presence:stats`,
   * `GET /api/v1/channels/{channel}/presence`): `minTier` for the list of users,
   * `statsMinTier` for the counts. Without it the namespace keeps no presence.
   * `events`: subscribers from `minTier` up also get `presence:join` and `presence:leave`
   * when a user appears on or disappears from the channel. @default false
   */
  readonly presence?: { readonly minTier: Tier; readonly statsMinTier: Tier; readonly events?: boolean };
  /** Whether subscriptions to this namespace count toward the per-tier subscription limit. */
  readonly countsTowardLimit?: boolean;
  /** One line for docs and the ops page. */
  readonly description: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Ticker symbols: letters, digits and . - = ^ / (BTC-USD, BRK.B, ES=F, ^GSPC). */
export const SYMBOL_PATTERN = "^[A-Z0-9][A-Z0-9.\\-=^/]{0,23}$";
/** Identifiers used as keys: user ids, provider ids, model names. */
export const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.@|=+\\-]{0,127}$";

/** The default catalogue (docs/protocol.md, "Channels"). A deployment may add rows. */
export const DEFAULT_NAMESPACES: readonly NamespaceDefinition[] = /* @__PURE__ */ Object.freeze([
  {
    name: "quotes",
    event: "quote:update",
    access: "any",
    key: "required",
    keyPattern: SYMBOL_PATTERN,
    upperCaseKey: true,
    minTier: "navigator",
    kind: "state",
    history: { size: 0, ttlMs: 0 },
    fieldFilter: true,
    keyField: "symbol",
    conflationMs: { navigator: 1000, participant: 250, builder: 100, operator: 0 },
    countsTowardLimit: true,
    description: "Live quotes per symbol; latest value on subscribe, conflated per tier.",
  },
  {
    name: "trades",
    event: "trade:update",
    allowedEvents: ["trade:executed", "trade:failed"],
    access: "owner",
    key: "owner",
    keyPattern: ID_PATTERN,
    minTier: "navigator",
    kind: "event",
    history: { size: 1000, ttlMs: 7 * DAY_MS },
    legacyRewind: 50,
    description: "The owner's trade events; never conflated, kept for recovery.",
  },
  {
    name: "portfolio",
    event: "portfolio:update",
    access: "owner",
    key: "owner",
    keyPattern: ID_PATTERN,
    minTier: "navigator",
    kind: "state",
    history: { size: 0, ttlMs: 0 },
    batchMs: 1000,
    description: "The owner's portfolio; latest value on subscribe, at most one update per second.",
  },
  {
    name: "notifications",
    event: "notification:new",
    access: "owner",
    key: "owner",
    keyPattern: ID_PATTERN,
    minTier: "navigator",
    kind: "inbox",
    history: { size: 0, ttlMs: 0 },
    description: "The owner's durable notification inbox.",
  },
  {
    name: "signals",
    event: "signal:new",
    access: "any",
    key: "optional",
    keyPattern: ID_PATTERN,
    minTier: "participant",
    kind: "event",
    history: { size: 500, ttlMs: DAY_MS },
    legacyRewind: 50,
    presence: { minTier: "builder", statsMinTier: "participant" },
    description: "Trading signals, all providers or one provider.",
  },
  {
    name: "ai",
    event: "ai:decision",
    access: "any",
    key: "optional",
    keyPattern: ID_PATTERN,
    minTier: "builder",
    kind: "event",
    history: { size: 500, ttlMs: DAY_MS },
    legacyRewind: 50,
    description: "AI model decisions, all models or one model.",
  },
  {
    name: "metrics",
    event: "metrics:update",
    access: "any",
    key: "none",
    minTier: "navigator",
    kind: "state",
    history: { size: 0, ttlMs: 0 },
    description: "Performance metrics; latest value on subscribe.",
  },
  {
    name: "admin",
    event: "admin:event",
    eventPrefix: "admin:",
    access: "any",
    key: "optional",
    keyPattern: ID_PATTERN,
    minTier: "operator",
    roles: ["admin"],
    kind: "event",
    history: { size: 200, ttlMs: DAY_MS },
    description: "Operator events (admin:*); operators and the admin role.",
  },
  {
    name: "feed",
    event: "feed:event",
    allowedEvents: ["trade:update", "trade:executed", "trade:failed", "signal:new", "ai:decision"],
    access: "public",
    key: "required",
    keyPattern: ID_PATTERN,
    minTier: "navigator",
    kind: "event",
    history: { size: 1000, ttlMs: 7 * DAY_MS },
    description: "Public event feeds every viewer reads (a fund's trades, its decisions); kept for recovery.",
  },
  {
    name: "board",
    event: "board:update",
    allowedEvents: ["portfolio:update", "metrics:update"],
    access: "public",
    key: "required",
    keyPattern: ID_PATTERN,
    minTier: "navigator",
    kind: "state",
    history: { size: 0, ttlMs: 0 },
    description: "Public state every viewer reads (a fund's portfolio, its metrics); latest value on subscribe.",
  },
  {
    name: "rooms",
    event: "room:message",
    eventPrefix: "room:",
    access: "any",
    key: "required",
    keyPattern: ID_PATTERN,
    minTier: "navigator",
    kind: "event",
    history: { size: 200, ttlMs: DAY_MS },
    description: "Rooms managed by the platform (the rooms API): members only, except public rooms anyone may join; kept for recovery.",
  },
] satisfies NamespaceDefinition[]);

/** Most characters a channel name may have. */
export const MAX_CHANNEL_LENGTH = 160;
