// Child process: one Tickwire gateway (built dist), driven over IPC by the bench.
// Its CPU and memory are measured apart from the load generator's.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { nowMs } from "../lib/proc.mjs";
import { pace } from "../lib/pace.mjs";
import { prng, tradeOf } from "../lib/prng.mjs";
import { quoteFeed } from "../lib/quote-feed.mjs";
import { childConfig, serve } from "../lib/rpc.mjs";
import { commonHandlers } from "../lib/server-handlers.mjs";

const config = childConfig();
// config.dist: another build of the server (its dist folder) to compare against (--before-dist).
const dist = config.dist ? pathToFileURL(join(config.dist, "index.js")).href : new URL("../../packages/server/dist/index.js", import.meta.url).href;
const { createGateway } = await import(dist);
const seed = config.seed ?? 42;
// A restart (the reconnect storm) keeps the data folder and the port of the first process.
const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), "tickwire-bench-"));
mkdirSync(dataDir, { recursive: true });
const gw = await createGateway({
  port: config.port ?? 0,
  host: "127.0.0.1",
  dataDir,
  jwtSecret: "bench-secret-bench-secret-0123456789",
  apiKeys: ["bench-key"],
  simulator: false,
  logLevel: "silent",
  ...(config.gateway ?? {}),
});
await gw.listen();

const quotes = quoteFeed(seed, (symbol, data) => gw.publish({ channel: `quotes:${symbol}`, data }));
const tradeSeq = new Map();
const tradeRand = prng(seed + 1);

serve(
  { port: gw.port, url: gw.url, pid: process.pid, server: "tickwire", node: process.version },
  {
    ...commonHandlers((sub, tier) => gw.issueToken({ sub, tier, ttlSeconds: 3600 })),
    stats() {
      return gw.stats();
    },
    /** Publishes `count` quotes round-robin on quotes:{symbol} of `symbols` (or `symbol`), at `rate` per second in all. */
    publishQuotes: quotes,
    /** Publishes `count` trades round-robin over `users` (trades:{user}), at `rate` per second (0: as fast as possible). */
    publishTrades({ users, count, rate, concurrency }) {
      return pace(
        count,
        rate,
        (i) => {
          const userId = users[i % users.length];
          const seq = (tradeSeq.get(userId) ?? 0) + 1;
          tradeSeq.set(userId, seq);
          const data = tradeOf(userId, seq, tradeRand);
          data.sentAt = nowMs();
          return gw.publish({ channel: `trades:${userId}`, data });
        },
        { concurrency },
      );
    },
  },
  async () => {
    await gw.close();
    if (config.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  },
);
