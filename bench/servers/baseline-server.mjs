// Child process: the hand-rolled Socket.IO server the requirement documents
// describe, as a baseline: a JWT check on connect, a `subscribe` event that joins
// room `symbol:{SYMBOL}`, and `io.to(room).emit("quote:update", payload)` per quote.
// No offsets, no history, no policies, no rate limits: the cheapest honest fan-out.
import { createServer } from "node:http";
import { SignJWT, jwtVerify } from "jose";
import { Server } from "socket.io";
import { quoteFeed } from "../lib/quote-feed.mjs";
import { childConfig, serve } from "../lib/rpc.mjs";
import { commonHandlers } from "../lib/server-handlers.mjs";

const config = childConfig();
const seed = config.seed ?? 42;
const secret = new TextEncoder().encode("bench-secret-bench-secret-0123456789");
const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false, cors: { origin: true } });
// Same kernel accept queue as Tickwire's Fastify listen (511) unless the bench asks otherwise.
const backlog = config.backlog ?? 511;

io.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  if (typeof token !== "string") return next(new Error("unauthorized"));
  jwtVerify(token, secret, { algorithms: ["HS256"] }).then(
    ({ payload }) => {
      socket.data.user = { id: payload.sub, tier: payload.tier ?? "navigator" };
      next();
    },
    () => next(new Error("unauthorized")),
  );
});

io.on("connection", (socket) => {
  socket.emit("connected", { userId: socket.data.user.id, tier: socket.data.user.tier });
  socket.on("subscribe", (req, ack) => {
    const symbols = Array.isArray(req?.symbols) ? req.symbols.map((s) => String(s).toUpperCase()) : [];
    for (const symbol of symbols) socket.join(`symbol:${symbol}`);
    if (typeof ack === "function") ack({ ok: true, subscribed: symbols });
  });
});

await new Promise((resolve) => httpServer.listen({ port: config.port ?? 0, host: "127.0.0.1", backlog }, resolve));
const { port } = httpServer.address();
const quotes = quoteFeed(seed, (symbol, data) => io.to(`symbol:${symbol}`).emit("quote:update", data));

serve(
  { port, url: `http://127.0.0.1:${port}`, pid: process.pid, server: "baseline", node: process.version },
  {
    ...commonHandlers((sub, tier) => new SignJWT({ tier }).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("1h").sign(secret)),
    stats() {
      return { connections: io.engine.clientsCount };
    },
    publishQuotes: quotes,
  },
  async () => {
    io.disconnectSockets(true);
    await new Promise((resolve) => io.close(() => resolve()));
  },
);
