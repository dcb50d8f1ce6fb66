#!/usr/bin/env node
// Bulk notification benchmark: one POST /api/v1/notifications with `userIds` of
// 10 000 users (one store transaction), through the real HTTP API of a gateway
// built in packages/server/dist. Prints users/s on SQLite and, when reachable,
// on PostgreSQL (TICKWIRE_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
//
//   npm run build && node bench/notifications-bulk.mjs [--users 10000] [--runs 5]
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { createGateway, PostgresStore, SqliteStore } from "../packages/server/dist/index.js";

const { values } = parseArgs({ options: { users: { type: "string", default: "10000" }, runs: { type: "string", default: "5" } } });
const USERS = Number(values.users);
const RUNS = Number(values.runs);
const PG_URL = process.env.TICKWIRE_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const API_KEY = "bench-key";

async function measure(name, store) {
  const gw = await createGateway(
    { port: 0, host: "127.0.0.1", jwtSecret: "bench-secret-0123456789", apiKeys: [API_KEY], simulator: false, logLevel: "silent" },
    { store },
  );
  await gw.listen();
  const userIds = Array.from({ length: USERS }, (_, i) => `user-${i}`);
  const post = async (n) => {
    const started = process.hrtime.bigint();
    const res = await fetch(`${gw.url}/api/v1/notifications`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ userIds, type: "macro_change", title: "Regime change", message: `Risk-off regime detected (run ${n}).`, data: { regime: "risk-off", run: n } }),
    });
    const body = await res.json();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (res.status !== 200 || body.ids.length !== USERS || body.deduplicated) throw new Error(`unexpected answer ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
    return ms;
  };
  await post("warm-up");
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(await post(i));
  await gw.close();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const line = `${name.padEnd(10)} ${USERS} users/request  median ${median.toFixed(0)} ms  → ${Math.round(USERS / (median / 1000)).toLocaleString("en-US")} users/s  (best ${Math.round(USERS / (times[0] / 1000)).toLocaleString("en-US")} users/s, ${RUNS} runs)`;
  console.log(line);
}

async function withPostgres(fn) {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch (err) {
    console.log(`postgres   skipped: ${PG_URL} unreachable (${err.message})`);
    return;
  }
  const schema = `tw_bench_${randomBytes(4).toString("hex")}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const store = new PostgresStore({ url: PG_URL, schema });
    await store.init();
    await fn(store);
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

console.log(`Node ${process.version}, ${USERS} users per request`);
const dir = mkdtempSync(join(tmpdir(), "tickwire-bench-"));
try {
  await measure("sqlite", new SqliteStore({ dataDir: dir }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
await withPostgres((store) => measure("postgres", store));
