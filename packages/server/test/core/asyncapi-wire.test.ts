import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import type { Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { api, TestBed, until } from "../helpers.js";

/*
 * docs/asyncapi.json against the wire: every event a real gateway sends and every
 * acknowledgement it answers, caught on a real socket.io-client, must match the
 * document's message for it. Object schemas that do not say otherwise are held
 * closed here, so a field the gateway sends but the document does not name fails.
 */

type Schema = Record<string, unknown>;
const document = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../../../docs/asyncapi.json"), "utf8")) as { components: { messages: Record<string, { name: string; payload: Schema }> } };

function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== "object") return node;
  const out: Schema = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, closed(v)]));
  if (out.type === "object" && out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(closed(document) as Schema, "asyncapi");
const validators = new Map<string, ValidateFunction>();
/** The validator of a message's payload (the event's argument list), by message key (`quote.update`, `subscribe.reply`). */
function payloadOf(message: string): ValidateFunction {
  if (!(message in document.components.messages)) throw new Error(`docs/asyncapi.json has no message ${message}`);
  let validate = validators.get(message);
  if (!validate) validators.set(message, (validate = ajv.compile({ $ref: `asyncapi#/components/messages/${message}/payload` })));
  return validate;
}

/** Asserts that `args` are what the document says message `message` carries. */
function expectDocumented(message: string, args: unknown[]): void {
  const validate = payloadOf(message);
  expect(validate(args) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`), `${message}: ${JSON.stringify(args)}`).toEqual([]);
}

const key = (event: string) => event.replaceAll(":", ".");

describe("docs/asyncapi.json describes what the gateway sends", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  /** Every event a socket receives, with all its arguments. */
  function everything(socket: Socket): Array<{ event: string; args: unknown[] }> {
    const seen: Array<{ event: string; args: unknown[] }> = [];
    socket.onAny((event: string, ...args: unknown[]) => seen.push({ event, args }));
    return seen;
  }

  /** Emits a client event, checks the request against the document (unless it is meant to be refused), and the reply. */
  async function call(socket: Socket, event: string, request: unknown, valid = true): Promise<Record<string, unknown>> {
    if (valid) expectDocumented(key(event), [request]);
    else expect(payloadOf(key(event))([request])).toBe(false);
    const reply = (await socket.timeout(5000).emitWithAck(event, request)) as Record<string, unknown>;
    expectDocumented(`${key(event)}.reply`, [reply]);
    return reply;
  }

  it("the connected event, every acknowledgement, every publication event, error and server:shutdown", async () => {
    // The protocol alone: the legacy layer's events are documented in docs/legacy-clients.md.
    const gw = await bed.gateway({ legacyEvents: false });
    const token = await bed.token(gw, "alice", "participant");
    const { socket, connected } = await bed.connect(gw, { token });
    expectDocumented("connected", [connected]);
    const seen = everything(socket);

    const subscribed = await call(socket, "subscribe", {
      channels: ["quotes:AAPL", "trades", "portfolio", "notifications", "signals", "metrics", "ai", { channel: "quotes:MSFT", fields: ["price"] }],
    });
    expect((subscribed.failed as { channel: string; code: string }[]).map((f) => [f.channel, f.code])).toEqual([["ai", "FORBIDDEN"]]);

    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.5, bid: 190.4, ask: 190.6, volume: 1200, timestamp: Date.now() } });
    await gw.publish({ channel: "quotes:MSFT", data: { symbol: "MSFT", price: 410.2, bid: 410.1 } });
    await gw.publish({ channel: "portfolio:alice", data: { totalValue: 10_000, cash: 500, positions: [{ symbol: "AAPL", quantity: 10, avgPrice: 180 }] } });
    for (const [event, status] of [["trade:update", "pending"], ["trade:executed", "executed"], ["trade:failed", "failed"]] as const) {
      await gw.publish({ channel: "trades:alice", event, data: { tradeId: "t1", symbol: "AAPL", side: "buy", status, quantity: 10 } });
    }
    await gw.publish({ channel: "signals:acme", data: { signalId: "s1", providerId: "acme", symbol: "AAPL", action: "buy", confidence: 0.8 } });
    await gw.publish({ channel: "metrics", data: { period: "1d", total_return: 0.02, websocket_connections: 1 } });
    expect((await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "Rebalance soon", title: "Heads up", data: { drift: 0.1 } })).status).toBe(200);

    const events = ["quote:update", "portfolio:update", "trade:update", "trade:executed", "trade:failed", "signal:new", "metrics:update", "notification:new"];
    await until(() => events.every((e) => seen.some((s) => s.event === e)) && seen.filter((s) => s.event === "quote:update").length === 2, 5000, "every publication event");

    await call(socket, "ping", { timestamp: 1234 });
    const listed = await call(socket, "notifications:list", { unreadOnly: true, limit: 10 });
    await call(socket, "notifications:ack", { ids: (listed.items as { id: string }[]).map((n) => n.id) });
    await call(socket, "auth:refresh", { token: await bed.token(gw, "alice", "participant") });
    await call(socket, "unsubscribe", { channels: ["metrics"] });
    const refused = await call(socket, "notification:test", {});
    expect(refused).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await call(socket, "subscribe", { channels: [] }, false)).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });

    // A refused request sent without an acknowledgement is answered with `error`.
    socket.emit("subscribe", { channels: "not-a-list" });
    await until(() => seen.some((s) => s.event === "error"), 5000, "the error event");

    await gw.close();
    await until(() => seen.some((s) => s.event === "server:shutdown"), 5000, "server:shutdown");

    for (const { event, args } of seen) expectDocumented(key(event), args);
    expect([...new Set(seen.map((s) => s.event))].sort()).toEqual([...events, "error", "server:shutdown"].sort());
  });

  it("a recovering subscribe: the replayed publications, and its reply with recovered and replayed", async () => {
    const gw = await bed.gateway();
    const first = await gw.publish({ channel: "trades:bob", data: { tradeId: "t1", symbol: "AAPL", status: "executed", quantity: 1 } });
    await gw.publish({ channel: "trades:bob", data: { tradeId: "t2", symbol: "AAPL", status: "executed", quantity: 2 } });
    const socket = await bed.connectAs(gw, "bob");
    const seen = everything(socket);
    const reply = await call(socket, "subscribe", { channels: [{ channel: "trades", since: { offset: first.offset, epoch: first.epoch } }] });
    expect(reply.subscribed).toEqual([{ channel: "trades:bob", requested: "trades", offset: 2, epoch: first.epoch, recovered: true, replayed: 1 }]);
    expect(seen.map((s) => s.event)).toEqual(["trade:update"]);
    for (const { event, args } of seen) expectDocumented(key(event), args);
  });

  it("a room's publication with its position, and a message to one role with the meta that says whom it was for", async () => {
    const gw = await bed.gateway();
    expect((await api(gw, "POST", "/api/v1/rooms", { id: "desk", type: "protected", capacity: 5 })).status).toBe(201);
    expect((await api(gw, "POST", "/api/v1/rooms/desk/members", { userId: "alice", role: "moderator" })).status).toBe(200);
    const socket = await bed.connectAs(gw, "alice", "participant");
    await gw.serverSubscriptions.whenListening("alice");
    const seen = everything(socket);
    await call(socket, "subscribe", { channels: ["rooms:desk"] });
    expect((await api(gw, "POST", "/api/v1/rooms/desk/publish", { data: { text: "all" } })).status).toBe(200);
    expect((await api(gw, "POST", "/api/v1/rooms/desk/publish", { data: { text: "mods" }, role: "moderator" })).status).toBe(200);
    await until(() => seen.filter((s) => s.event === "room:message").length === 2, 5000, "both room messages");
    expect(seen.map((s) => [s.event, s.args[0], Object.keys(s.args[1] as object).sort()])).toEqual([
      ["room:message", { text: "all" }, ["channel", "epoch", "offset", "ts"]],
      ["room:message", { text: "mods" }, ["channel", "role", "to", "ts"]],
    ]);
    for (const { event, args } of seen) expectDocumented(key(event), args);
  });

  it("with the legacy layer on, as the document says, a ping also gets the legacy pong, and nothing else is added", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice");
    const seen = everything(socket);
    await call(socket, "ping", { timestamp: 1 });
    await call(socket, "subscribe", { channels: ["metrics"] });
    await gw.publish({ channel: "metrics", data: { period: "1d" } });
    await until(() => seen.some((s) => s.event === "metrics:update"), 5000, "metrics:update");
    expect(seen.filter((s) => !(key(s.event) in document.components.messages)).map((s) => s.event)).toEqual(["pong"]);
    expect(JSON.stringify(document)).toContain("every `ping` also gets a `pong` event");
  });

  it("fails for what the document does not say: an undocumented field, a wrong type, a missing meta", () => {
    const meta = { channel: "quotes:AAPL", offset: 1, epoch: "e", ts: 1 };
    expect(payloadOf("quote.update")([{ symbol: "AAPL", price: 1 }, meta])).toBe(true);
    expect(payloadOf("quote.update")([{ symbol: "AAPL", price: "1" }, meta])).toBe(false);
    expect(payloadOf("quote.update")([{ symbol: "AAPL", price: 1 }])).toBe(false);
    expect(payloadOf("resync")([{ channel: "trades:alice", reason: "lost", extra: true }])).toBe(false);
  });
});
