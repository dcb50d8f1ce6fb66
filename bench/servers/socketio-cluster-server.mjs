// Child process: one plain Socket.IO 4.8 node of a multi-node comparison, the way
// the Socket.IO documentation scales out on a Redis Cluster: `@socket.io/redis-adapter`'s
// sharded adapter (`createShardedAdapter`, SPUBLISH/SSUBSCRIBE, one pub/sub channel per
// room) over the `redis` package's cluster client. A JWT check on connect, a `subscribe`
// event that joins one room per channel, and `POST /publish` that does
// `io.to(channel).emit("feed:event", data, { channel })`: what the multi-node bench sends
// Tickwire's `POST /api/v1/publish`, minus offsets, history and recovery.
import { createServer } from "node:http";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { jwtVerify } from "jose";
import { createCluster } from "redis";
import { Server } from "socket.io";
import { childConfig, serve } from "../lib/rpc.mjs";
import { commonHandlers } from "../lib/server-handlers.mjs";

const config = childConfig();
const secret = new TextEncoder().encode(config.jwtSecret);
const apiKey = config.apiKey;
const MAX_BODY_BYTES = 64 * 1024;
const MAX_CHANNELS = 64;
// Braces let a test put two rooms in one slot (a hash tag), as Redis Cluster keys do.
const CHANNEL = /^[A-Za-z0-9:._{}-]{1,128}$/;
// The event Tickwire delivers a `feed:{key}` publication as.
const EVENT = "feed:event";

const pubClient = createCluster({ rootNodes: config.clusterNodes.map((n) => ({ url: `redis://${n}` })) });
const subClient = pubClient.duplicate();
// A failed-over master makes the client emit `error` while it reconnects; without a listener that kills the process.
let redisErrors = 0;
for (const c of [pubClient, subClient]) c.on("error", () => redisErrors++);
await Promise.all([pubClient.connect(), subClient.connect()]);

let published = 0;
const reply = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

/** POST /publish { channel, data }: the publish endpoint a backend calls; Socket.IO's own requests never get here. */
function onRequest(req, res) {
  if (req.method !== "POST" || req.url !== "/publish") return reply(res, 404, { code: "NOT_FOUND" });
  if (req.headers.authorization !== `Bearer ${apiKey}`) return reply(res, 401, { code: "UNAUTHORIZED" });
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      reply(res, 413, { code: "PAYLOAD_TOO_LARGE" });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (size > MAX_BODY_BYTES) return;
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply(res, 400, { code: "INVALID_JSON" });
    }
    if (typeof body?.channel !== "string" || !CHANNEL.test(body.channel) || typeof body.data !== "object" || body.data === null) return reply(res, 400, { code: "INVALID_PUBLISH" });
    io.to(body.channel).emit(EVENT, body.data, { channel: body.channel });
    published++;
    reply(res, 200, { ok: true });
  });
}

const httpServer = createServer(onRequest);
// The sharded adapter's default "dynamic" mode: one sharded channel per room, subscribed only where the room has members.
const io = new Server(httpServer, { serveClient: false, adapter: createShardedAdapter(pubClient, subClient, { channelPrefix: config.channelPrefix ?? "socket.io" }) });

io.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  if (typeof token !== "string") return next(new Error("unauthorized"));
  jwtVerify(token, secret, { algorithms: ["HS256"] }).then(
    ({ payload }) => {
      socket.data.userId = payload.sub;
      next();
    },
    () => next(new Error("unauthorized")),
  );
});

io.on("connection", (socket) => {
  socket.emit("connected", { userId: socket.data.userId });
  socket.on("subscribe", (req, ack) => {
    if (typeof ack !== "function") return;
    const channels = req?.channels;
    if (!Array.isArray(channels) || channels.length > MAX_CHANNELS || !channels.every((c) => typeof c === "string" && CHANNEL.test(c))) {
      return ack({ subscribed: [], failed: [{ code: "INVALID_SUBSCRIBE" }] });
    }
    socket.join(channels);
    ack({ subscribed: channels.map((channel) => ({ channel })), failed: [] });
  });
});

await new Promise((resolve) => httpServer.listen({ port: 0, host: "127.0.0.1" }, resolve));
const { port } = httpServer.address();

serve(
  { port, url: `http://127.0.0.1:${port}`, pid: process.pid, server: "socketio-cluster", node: process.version },
  {
    ...commonHandlers(() => {
      throw new Error("tokens come from the bench");
    }),
    stats() {
      return { connections: io.engine.clientsCount, published, redisErrors };
    },
  },
  // Nothing to close gracefully: the process exits, and closing the adapter first races
  // the Redis client's own sharded unsubscribes (it throws ClientClosedError).
  undefined,
);
