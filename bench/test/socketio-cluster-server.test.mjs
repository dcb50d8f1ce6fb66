// The multi-node benchmark's plain Socket.IO node (the sharded Redis adapter on a
// Redis Cluster) does what the benchmark counts on: a publication made through one
// node reaches the room's members on another, whole and only there, and a refused
// publish emits nothing.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { REDIS_CLUSTER_NODES, redisClusterAvailable } from "../../packages/server/test/services.ts";
import { startChild } from "../lib/rpc.mjs";

const SECRET = "socketio-cluster-test-secret-0123";
const API_KEY = "socketio-cluster-test-key";
const server = new URL("../servers/socketio-cluster-server.mjs", import.meta.url);
const open = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function node(channelPrefix) {
  const child = await startChild(server, { clusterNodes: REDIS_CLUSTER_NODES, jwtSecret: SECRET, apiKey: API_KEY, channelPrefix });
  open.push(() => child.stop());
  return child;
}

/** A connected client of `url` in `rooms`, and everything it receives. */
async function member(url, user, rooms) {
  const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(user).sign(new TextEncoder().encode(SECRET));
  const socket = io(url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
  open.push(async () => socket.close());
  const received = [];
  socket.on("feed:event", (data, meta) => received.push([data, meta]));
  const connected = await new Promise((ok, fail) => {
    socket.once("connected", ok);
    socket.once("connect_error", fail);
  });
  const reply = await socket.emitWithAck("subscribe", { channels: rooms });
  return { socket, received, connected, reply };
}

const publish = (url, body, key = API_KEY) =>
  fetch(`${url}/publish`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));

const until = async (predicate, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

// Rooms that share the hash tag `{t}` share a slot, so one master and one connection carry both
// in order: once a later publication has arrived, an earlier one meant for another room would have too.
describe.skipIf(!(await redisClusterAvailable()))("the plain Socket.IO node of the multi-node benchmark", () => {
  it("delivers a publication made on one node to the room's members on another node, and to no other room", { timeout: 60_000 }, async () => {
    const prefix = `bench-test-${randomUUID()}`;
    const a = await node(prefix);
    const b = await node(prefix);
    const x = await member(b.info.url, "u1", ["feed:{t}x"]);
    const y = await member(b.info.url, "u2", ["feed:{t}y"]);
    expect(x.connected).toEqual({ userId: "u1" });
    expect(x.reply).toEqual({ subscribed: [{ channel: "feed:{t}x" }], failed: [] });

    expect(await publish(a.info.url, { channel: "feed:{t}x", data: { t: 1, seq: 1, n: 0 } })).toEqual({ status: 200, body: { ok: true } });
    expect(await publish(a.info.url, { channel: "feed:{t}y", data: { t: 2, seq: 1, n: 0 } })).toEqual({ status: 200, body: { ok: true } });
    await until(() => x.received.length === 1 && y.received.length === 1);

    expect(x.received).toEqual([[{ t: 1, seq: 1, n: 0 }, { channel: "feed:{t}x" }]]);
    expect(y.received).toEqual([[{ t: 2, seq: 1, n: 0 }, { channel: "feed:{t}y" }]]);
    expect(await a.call("stats")).toEqual({ connections: 0, published: 2, redisErrors: 0 });
  });

  it("refuses a publish without the key, with a bad body or over 64 KiB, and emits nothing for it", { timeout: 60_000 }, async () => {
    const prefix = `bench-test-${randomUUID()}`;
    const a = await node(prefix);
    const b = await node(prefix);
    const x = await member(b.info.url, "u1", ["feed:{t}x"]);

    expect(await publish(a.info.url, { channel: "feed:{t}x", data: { seq: 1 } }, "wrong-key")).toEqual({ status: 401, body: { code: "UNAUTHORIZED" } });
    expect(await publish(a.info.url, "{not json")).toEqual({ status: 400, body: { code: "INVALID_JSON" } });
    expect(await publish(a.info.url, { channel: "feed:{t}x", data: "not an object" })).toEqual({ status: 400, body: { code: "INVALID_PUBLISH" } });
    expect(await publish(a.info.url, { channel: "feed:{t}x", data: { pad: "x".repeat(70_000) } })).toEqual({ status: 413, body: { code: "PAYLOAD_TOO_LARGE" } });
    expect(await publish(a.info.url, { channel: "feed:{t}x", data: { seq: 2 } })).toEqual({ status: 200, body: { ok: true } });
    await until(() => x.received.length === 1);

    expect(x.received).toEqual([[{ seq: 2 }, { channel: "feed:{t}x" }]]);
    expect(await a.call("stats")).toEqual({ connections: 0, published: 1, redisErrors: 0 });
  });

  it("answers a subscribe that is not a list of channel names with an error and joins nothing", { timeout: 60_000 }, async () => {
    const a = await node(`bench-test-${randomUUID()}`);
    const x = await member(a.info.url, "u1", ["feed:{t}x", 42]);
    expect(x.reply).toEqual({ subscribed: [], failed: [{ code: "INVALID_SUBSCRIBE" }] });
  });
});
