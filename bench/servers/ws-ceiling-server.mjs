// Child process: the ceiling. Raw `ws` with corked writes and nothing else: it
// speaks just enough Engine.IO/Socket.IO (open packet, CONNECT with a JWT in
// `auth`, `subscribe` with an acknowledgement, pings) for the same load
// generator, and writes each quote with `ws.send` to every subscriber, the
// socket corked from its first write of the turn until the end of the turn, so
// that a turn's frames to one client leave in one system call. One JSON
// encoding per quote; no per-client state beyond the rooms.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { SignJWT, jwtVerify } from "jose";
import { WebSocketServer } from "ws";
import { quoteFeed } from "../lib/quote-feed.mjs";
import { childConfig, serve } from "../lib/rpc.mjs";
import { commonHandlers } from "../lib/server-handlers.mjs";

const config = childConfig();
const seed = config.seed ?? 42;
const secret = new TextEncoder().encode("bench-secret-bench-secret-0123456789");
const httpServer = createServer();
const wss = new WebSocketServer({ server: httpServer, path: "/socket.io/", perMessageDeflate: false, clientTracking: false });
const rooms = new Map();
const clients = new Set();
const PING_MS = 25_000;

wss.on("connection", (ws) => {
  const sid = randomBytes(15).toString("base64url");
  clients.add(ws);
  ws.send(`0${JSON.stringify({ sid, upgrades: [], pingInterval: PING_MS, pingTimeout: 20_000, maxPayload: 1_000_000 })}`);
  const joined = [];
  ws.on("message", (data) => {
    const text = data.toString();
    if (text.startsWith("40")) {
      const auth = text.length > 2 ? JSON.parse(text.slice(2)) : {};
      jwtVerify(String(auth.token), secret, { algorithms: ["HS256"] }).then(
        ({ payload }) => {
          ws.send(`40${JSON.stringify({ sid })}`);
          ws.send(`42${JSON.stringify(["connected", { userId: payload.sub, tier: payload.tier ?? "navigator" }])}`);
        },
        () => {
          ws.send(`44${JSON.stringify({ message: "unauthorized" })}`);
          ws.close();
        },
      );
    } else if (text.startsWith("42")) {
      const m = /^42(\d*)(.*)$/s.exec(text);
      const [event, req] = JSON.parse(m[2]);
      if (event === "subscribe") {
        const symbols = Array.isArray(req?.symbols) ? req.symbols.map((s) => String(s).toUpperCase()) : [];
        for (const symbol of symbols) {
          let room = rooms.get(symbol);
          if (!room) rooms.set(symbol, (room = new Set()));
          room.add(ws);
          joined.push(room);
        }
        if (m[1] !== "") ws.send(`43${m[1]}${JSON.stringify([{ ok: true, subscribed: symbols }])}`);
      }
    }
  });
  ws.on("close", () => {
    clients.delete(ws);
    for (const room of joined) room.delete(ws);
  });
  ws.on("error", () => {});
});

// Engine.IO heartbeat for every client at once (one timer, not one per socket).
setInterval(() => {
  for (const ws of clients) send(ws, "2");
}, PING_MS).unref();

// Sockets corked in this turn; uncorked together at its end.
let corked = [];
function uncorkAll() {
  const list = corked;
  corked = [];
  for (const ws of list) {
    ws.corked = false;
    ws._socket?.uncork();
  }
}

function send(ws, message) {
  if (ws.readyState !== 1) return;
  if (!ws.corked) {
    ws.corked = true;
    ws._socket.cork();
    if (corked.push(ws) === 1) setImmediate(uncorkAll);
  }
  ws.send(message);
}

await new Promise((resolve) => httpServer.listen({ port: config.port ?? 0, host: "127.0.0.1", backlog: config.backlog ?? 511 }, resolve));
const { port } = httpServer.address();
const quotes = quoteFeed(seed, (symbol, data) => {
  const room = rooms.get(symbol);
  if (!room) return;
  const message = `42${JSON.stringify(["quote:update", data])}`;
  for (const ws of room) send(ws, message);
});

serve(
  { port, url: `http://127.0.0.1:${port}`, pid: process.pid, server: "ws-ceiling", node: process.version },
  {
    ...commonHandlers((sub, tier) => new SignJWT({ tier }).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("1h").sign(secret)),
    stats() {
      return { connections: clients.size };
    },
    publishQuotes: quotes,
  },
  async () => {
    for (const ws of clients) ws.terminate();
    await new Promise((resolve) => httpServer.close(() => resolve()));
  },
);
