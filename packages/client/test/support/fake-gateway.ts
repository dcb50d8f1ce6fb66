import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";
import {
  DEFAULT_NAMESPACES,
  buildCatalogue,
  isChannelError,
  parseChannel,
  type ClientToServerEvents,
  type Notification,
  type ServerToClientEvents,
  type SubscribeItem,
} from "@tickwire/protocol";

const CATALOGUE = buildCatalogue(DEFAULT_NAMESPACES);

/** What survives a restart of the fake: channel history and the inbox (the real server keeps them on disk). */
export interface FakeStore {
  channels: Map<string, { epoch: string; offset: number; history: { offset: number; event: string; data: unknown; ts: number }[] }>;
  inbox: Map<string, Notification[]>;
}

/** Makes an empty store. */
export function createFakeStore(): FakeStore {
  return { channels: new Map(), inbox: new Map() };
}

let tokenSeq = 0;

/** An unsigned JWT the fake accepts (the SDK never verifies tokens, so neither does the fake); each one is distinct. */
export function fakeToken(claims: { sub: string; tier?: string; ttlSeconds?: number; iat?: number }): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const iat = claims.iat ?? Math.floor(Date.now() / 1000);
  const exp = iat + (claims.ttlSeconds ?? 3600);
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: claims.sub, tier: claims.tier ?? "builder", iat, exp, jti: `j${++tokenSeq}` })}.sig`;
}

function claimsOf(token: unknown): { sub: string; exp: number } | null {
  if (typeof token !== "string") return null;
  try {
    return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { sub: string; exp: number };
  } catch {
    return null;
  }
}

type FakeSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * A small in-process stand-in for the gateway over a real Socket.IO server:
 * auth by token, the `connected` event, subscribe with canonical names,
 * `since` recovery from an in-memory history, state channels' latest value,
 * ping, the inbox and auth:refresh. Every client request is recorded.
 */
export class FakeGateway {
  readonly store: FakeStore;
  readonly requests: { event: string; payload: unknown }[] = [];
  /** Tokens refused even when well-formed (e.g. the first, expired one). */
  readonly refusedTokens = new Set<string>();
  /** Keep at most this many publications per event channel. */
  historySize = 100;
  io!: Server<ClientToServerEvents, ServerToClientEvents>;
  #http!: HttpServer;
  #port: number;
  #epochSeq = 0;

  constructor(options: { port?: number; store?: FakeStore } = {}) {
    this.store = options.store ?? createFakeStore();
    this.#port = options.port ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  async listen(): Promise<this> {
    this.#http = createServer();
    this.io = new Server(this.#http, { transports: ["websocket", "polling"] });
    this.io.use((socket, next) => {
      const { token, sessionID } = socket.handshake.auth as { token?: unknown; sessionID?: unknown };
      if (typeof sessionID === "string" && sessionID.startsWith("session-")) {
        socket.data.userId = sessionID.slice("session-".length);
        return next();
      }
      const claims = claimsOf(token);
      if (!claims || this.refusedTokens.has(token as string) || claims.exp * 1000 <= Date.now()) {
        const err = new Error("Your token is missing, malformed, expired or badly signed.") as Error & { data?: unknown };
        err.data = { code: "UNAUTHORIZED", message: err.message };
        return next(err);
      }
      socket.data.userId = claims.sub;
      next();
    });
    this.io.on("connection", (socket) => this.#onConnection(socket));
    await new Promise<void>((resolve) => this.#http.listen(this.#port, "127.0.0.1", resolve));
    this.#port = (this.#http.address() as AddressInfo).port;
    return this;
  }

  /** Publishes like the HTTP API: assigns the next offset and fans out to the channel's room. */
  publish(channel: string, data: unknown, event?: string): { channel: string; offset: number; epoch: string } {
    const parsed = parseChannel(channel, CATALOGUE);
    if (isChannelError(parsed)) throw new Error(parsed.message);
    const ch = this.#channel(parsed.channel);
    ch.offset += 1;
    const pub = { offset: ch.offset, event: event ?? parsed.namespace.event, data, ts: Date.now() };
    ch.history.push(pub);
    if (parsed.namespace.kind === "state") ch.history = ch.history.slice(-1);
    else if (ch.history.length > this.historySize) ch.history = ch.history.slice(-this.historySize);
    const meta = { channel: parsed.channel, offset: pub.offset, epoch: ch.epoch, ts: pub.ts };
    for (const [, socket] of this.io.of("/").sockets) {
      if (!(socket.data.channels as Map<string, string[] | undefined>).has(parsed.channel)) continue;
      const fields = (socket.data.channels as Map<string, string[] | undefined>).get(parsed.channel);
      (socket.emit as (e: string, ...a: unknown[]) => void)(pub.event, this.#filter(data, fields), meta);
    }
    return { channel: parsed.channel, offset: pub.offset, epoch: ch.epoch };
  }

  /** Forgets a channel's history and starts a new epoch (as after a lost history). */
  loseHistory(channel: string): void {
    this.store.channels.set(channel, { epoch: this.#newEpoch(), offset: 0, history: [] });
  }

  /** Adds a notification to a user's inbox and pushes it live. */
  notify(userId: string, n: Omit<Notification, "id" | "timestamp"> & { id?: string }): Notification {
    const inbox = this.store.inbox.get(userId) ?? [];
    const item: Notification = { id: n.id ?? `n${inbox.length + 1}`, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, inbox.length)).toISOString(), read: false, ...n };
    inbox.unshift(item);
    this.store.inbox.set(userId, inbox);
    this.publish(`notifications:${userId}`, item);
    return item;
  }

  /** Cuts every connection from the server side, as a network drop would. */
  dropConnections(): void {
    for (const [, socket] of this.io.of("/").sockets) socket.conn.close();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  #newEpoch(): string {
    return `e${++this.#epochSeq}-${Math.random().toString(36).slice(2, 8)}`;
  }

  #channel(name: string) {
    let ch = this.store.channels.get(name);
    if (!ch) {
      ch = { epoch: this.#newEpoch(), offset: 0, history: [] };
      this.store.channels.set(name, ch);
    }
    return ch;
  }

  #filter(data: unknown, fields: string[] | undefined): unknown {
    if (!fields || data === null || typeof data !== "object") return data;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data)) if (k === "symbol" || fields.includes(k)) out[k] = v;
    return out;
  }

  #onConnection(socket: FakeSocket): void {
    const userId = socket.data.userId as string;
    socket.data.channels = new Map<string, string[] | undefined>();
    const record = (event: string, payload: unknown) => this.requests.push({ event, payload });
    socket.emit("connected", {
      userId, tier: "builder", message: "Connected to Tickwire", timestamp: new Date().toISOString(),
      server_time: new Date().toISOString(), api_version: "1", features: ["quotes", "trades"],
      limits: { maxSubscriptions: 200, maxConnectionsPerUser: 5 },
    });
    socket.on("subscribe", (req, ack) => {
      record("subscribe", req);
      const subscribed = [];
      const failed = [];
      for (const item of req.channels as SubscribeItem[]) {
        const name = typeof item === "string" ? item : item.channel;
        const parsed = parseChannel(name, CATALOGUE, userId);
        if (isChannelError(parsed)) {
          failed.push({ channel: name, code: "UNKNOWN_CHANNEL" as const, message: parsed.message });
          continue;
        }
        if (parsed.namespace.access === "owner" && parsed.key !== userId) {
          failed.push({ channel: name, code: "FORBIDDEN" as const, message: "Not your channel." });
          continue;
        }
        const fields = typeof item === "string" ? undefined : item.fields;
        const ch = this.#channel(parsed.channel);
        (socket.data.channels as Map<string, string[] | undefined>).set(parsed.channel, fields);
        const since = typeof item === "string" ? undefined : item.since;
        const reply: { channel: string; requested?: string; offset: number; epoch: string; recovered?: boolean; replayed?: number } = {
          channel: parsed.channel, offset: ch.offset, epoch: ch.epoch,
        };
        if (name !== parsed.channel) reply.requested = name;
        const emit = socket.emit.bind(socket) as (e: string, ...a: unknown[]) => void;
        const metaOf = (p: { offset: number; ts: number }) => ({ channel: parsed.channel, offset: p.offset, epoch: ch.epoch, ts: p.ts });
        if (since) {
          const first = ch.history[0]?.offset ?? ch.offset + 1;
          const ok = parsed.namespace.kind === "event" && since.epoch === ch.epoch && since.offset >= first - 1 && since.offset <= ch.offset;
          reply.recovered = ok;
          if (ok) {
            const missed = ch.history.filter((p) => p.offset > since.offset);
            for (const p of missed) emit(p.event, this.#filter(p.data, fields), metaOf(p));
            reply.replayed = missed.length;
          }
        }
        if (parsed.namespace.kind === "state" && ch.history.length > 0 && !reply.recovered) {
          const p = ch.history[ch.history.length - 1]!;
          emit(p.event, this.#filter(p.data, fields), metaOf(p));
        }
        subscribed.push(reply);
      }
      ack({ ok: true, subscribed, failed });
    });
    socket.on("unsubscribe", (req, ack) => {
      record("unsubscribe", req);
      for (const c of req.channels) {
        const parsed = parseChannel(c, CATALOGUE, userId);
        (socket.data.channels as Map<string, unknown>).delete(isChannelError(parsed) ? c : parsed.channel);
      }
      ack({ ok: true, unsubscribed: req.channels });
    });
    socket.on("ping", (req, ack) => {
      record("ping", req);
      ack({ ok: true, timestamp: Date.now(), client_timestamp: req.timestamp ?? null, server_time: new Date().toISOString() });
    });
    socket.on("auth:refresh", (req, ack) => {
      record("auth:refresh", req);
      const claims = claimsOf(req.token);
      if (!claims || claims.sub !== userId) return ack({ ok: false, error: { code: "UNAUTHORIZED", message: "Bad token." } });
      ack({ ok: true, expiresAt: new Date(claims.exp * 1000).toISOString() });
    });
    socket.on("notifications:list", (req, ack) => {
      record("notifications:list", req);
      const inbox = this.store.inbox.get(userId) ?? [];
      const items = (req.unreadOnly ? inbox.filter((n) => !n.read) : inbox).slice(0, req.limit ?? 50);
      ack({ ok: true, items, unread: inbox.filter((n) => !n.read).length });
    });
    socket.on("notifications:ack", (req, ack) => {
      record("notifications:ack", req);
      let acknowledged = 0;
      for (const n of this.store.inbox.get(userId) ?? []) {
        if (req.ids.includes(n.id) && !n.read) {
          n.read = true;
          acknowledged += 1;
        }
      }
      ack({ ok: true, acknowledged });
    });
  }
}
