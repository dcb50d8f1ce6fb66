// A Fastify app that embeds Tickwire as a plugin: one server, one port. The app
// keeps its own routes; Tickwire serves Socket.IO at /socket.io and its HTTP API
// under /api/v1 (both configurable). Run: JWT_SECRET=… API_KEY=… node server.mjs
import Fastify from "fastify";
import { tickwirePlugin } from "@tickwire/server";

const env = process.env;
const app = Fastify();

// The app's own routes.
app.get("/hello", async () => ({ app: "fastify", hello: "world" }));

await app.register(tickwirePlugin, {
  jwtSecret: env.JWT_SECRET,
  apiKeys: env.API_KEY ? [env.API_KEY] : [],
  mode: env.NODE_ENV === "production" ? "production" : "development",
  dataDir: env.DATA_DIR ?? "./data",
  logLevel: env.LOG_LEVEL ?? "info",
  simulator: false,
});

// The gateway is app.tickwire: the app hands its users tokens and publishes from its own handlers.
app.get("/token", async (request, reply) => {
  const user = String(request.query.user ?? "");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(user)) return reply.status(400).send({ error: "user must be an id" });
  return { token: await app.tickwire.issueToken({ sub: user, tier: "participant", ttlSeconds: 3600 }) };
});

app.post("/orders", async (request, reply) => {
  const { user, symbol, quantity } = request.body ?? {};
  if (typeof user !== "string" || typeof symbol !== "string" || !Number.isInteger(quantity)) return reply.status(400).send({ error: "user, symbol and quantity are required" });
  const orderId = `o-${Date.now().toString(36)}`;
  const published = await app.tickwire.publish({ channel: `trades:${user}`, event: "trade:executed", data: { orderId, symbol, quantity } });
  return reply.status(201).send({ orderId, offset: published.offset });
});

const url = await app.listen({ port: Number(env.PORT ?? 3000), host: env.HOST ?? "127.0.0.1" });
process.stdout.write(`${JSON.stringify({ listening: url })}\n`);

// app.close() shuts Tickwire down first (clients are told to reconnect), then closes the server.
process.once("SIGTERM", async () => {
  await app.close();
  process.exit(0);
});
