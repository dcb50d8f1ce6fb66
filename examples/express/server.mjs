// An Express app that embeds Tickwire: one server, one port. The app keeps its
// own routes; Tickwire serves Socket.IO at /realtime/socket.io and its HTTP API
// under /realtime/api. Run: JWT_SECRET=… API_KEY=… node server.mjs
import { createServer } from "node:http";
import express from "express";
import { attach } from "@tickwire/server";

const env = process.env;
const app = express();
app.use(express.json());

// The app's own routes.
app.get("/hello", (_req, res) => res.json({ app: "express", hello: "world" }));

const server = createServer(app);
const tickwire = await attach(server, {
  jwtSecret: env.JWT_SECRET,
  apiKeys: env.API_KEY ? [env.API_KEY] : [],
  mode: env.NODE_ENV === "production" ? "production" : "development",
  dataDir: env.DATA_DIR ?? "./data",
  logLevel: env.LOG_LEVEL ?? "info",
  socketPath: "/realtime/socket.io",
  apiPrefix: "/realtime/api",
  simulator: false,
});

// The app signs in its users its own way, then hands them a Tickwire token.
app.get("/token", async (req, res) => {
  const user = String(req.query.user ?? "");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(user)) return res.status(400).json({ error: "user must be an id" });
  res.json({ token: await tickwire.issueToken({ sub: user, tier: "participant", ttlSeconds: 3600 }) });
});

// And publishes from its own request handlers, through the same path as the HTTP API.
app.post("/orders", async (req, res) => {
  const { user, symbol, quantity } = req.body ?? {};
  if (typeof user !== "string" || typeof symbol !== "string" || !Number.isInteger(quantity)) return res.status(400).json({ error: "user, symbol and quantity are required" });
  const orderId = `o-${Date.now().toString(36)}`;
  const published = await tickwire.publish({ channel: `trades:${user}`, event: "trade:executed", data: { orderId, symbol, quantity } });
  res.status(201).json({ orderId, offset: published.offset });
});

server.listen(Number(env.PORT ?? 3000), env.HOST ?? "127.0.0.1", () => {
  const { address, port } = server.address();
  process.stdout.write(`${JSON.stringify({ listening: `http://${address}:${port}` })}\n`);
});

// Tickwire shuts down first (clients are told to reconnect), then the app closes its server.
process.once("SIGTERM", async () => {
  await tickwire.close();
  server.close(() => process.exit(0));
});
