import { afterEach, describe, expect, it } from "vitest";
import { URL } from "node:url";
import { api, TestBed, until } from "../helpers.js";
import { TcpProxy } from "../../../../test/support/tcp-proxy.js";
import { redisAvailable, REDIS_URL } from "../services.js";
import { deleteKeys, testPrefix } from "../multi-node/redis-test-keys.js";
import { createTestSchema, describePostgres, dropTestSchema, PG_TEST_URL, postgresUnavailable } from "../stores/pg-test-db.js";

const bed = new TestBed();
const proxies: TcpProxy[] = [];
const schemas: string[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  // The proxies first: a connection left hanging on a stalled one would hold the store's close.
  for (const proxy of proxies.splice(0)) await proxy.close();
  await bed.cleanup();
  for (const schema of schemas.splice(0)) await dropTestSchema(schema);
  for (const prefix of prefixes.splice(0)) await deleteKeys(prefix);
});

async function proxyTo(target: string): Promise<TcpProxy> {
  const u = new URL(target);
  const proxy = await new TcpProxy({ host: u.hostname, port: Number(u.port) }).start();
  proxies.push(proxy);
  return proxy;
}

/** A PostgreSQL URL through a proxy, in a fresh schema. */
async function postgresBehindProxy(): Promise<{ proxy: TcpProxy; databaseUrl: string }> {
  const schema = await createTestSchema();
  schemas.push(schema);
  const proxy = await proxyTo(PG_TEST_URL);
  return { proxy, databaseUrl: `${proxy.urlFor(PG_TEST_URL)}?options=${encodeURIComponent(`-c search_path=${schema}`)}` };
}

const trade = { tradeId: "t1", symbol: "AAPL", status: "executed", quantity: 1 };

describe("/healthz and /readyz", () => {
  it("/healthz is liveness only; /readyz runs the store and engine checks", async () => {
    const gw = await bed.gateway();
    expect(await api(gw, "GET", "/healthz", undefined, null)).toEqual({ status: 200, body: { status: "ok" } });
    expect(await api(gw, "GET", "/readyz", undefined, null)).toEqual({
      status: 200,
      body: { status: "ready", checks: { store: { ok: true, details: { kind: "sqlite" } }, engine: { ok: true, details: { name: "memory" } } } },
    });
  });

  it("a check that throws or never answers fails readiness with its reason; the others still report", async () => {
    const gw = await bed.gateway({ readinessTimeoutMs: 50 });
    gw.readiness.set("broken", () => {
      throw new Error("backend refused");
    });
    gw.readiness.set("hung", () => new Promise(() => undefined));
    const readyz = await api(gw, "GET", "/readyz", undefined, null);
    expect(readyz).toEqual({
      status: 503,
      body: {
        status: "not_ready",
        checks: {
          store: { ok: true, details: { kind: "sqlite" } },
          engine: { ok: true, details: { name: "memory" } },
          broken: { ok: false, details: "backend refused" },
          hung: { ok: false, details: "no answer within 50 ms" },
        },
      },
    });
    expect((await api(gw, "GET", "/healthz", undefined, null)).status).toBe(200);
  });
});

describePostgres("/readyz with PostgreSQL behind a proxy that is cut", await postgresUnavailable(), () => {
  it("is 503 with the store failing while PostgreSQL is gone (publishes fail too), 200 again once it is back; /healthz stays 200", async () => {
    const { proxy, databaseUrl } = await postgresBehindProxy();
    const gw = await bed.gateway({ databaseUrl, readinessTimeoutMs: 1000 });
    expect(await api(gw, "GET", "/readyz", undefined, null)).toEqual({
      status: 200,
      body: { status: "ready", checks: { store: { ok: true, details: { kind: "postgres" } }, engine: { ok: true, details: { name: "memory" } } } },
    });
    expect((await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade })).status).toBe(200);

    proxy.cut();
    const readyz = await api(gw, "GET", "/readyz", undefined, null);
    expect(readyz).toEqual({
      status: 503,
      body: { status: "not_ready", checks: { store: { ok: false, details: expect.any(String) }, engine: { ok: true, details: { name: "memory" } } } },
    });
    // What readiness says is what publishers see.
    const publish = await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade });
    expect(publish.status).toBe(503);
    const metrics = (await api(gw, "GET", "/metrics", undefined, null)).body as string;
    const failed = /^tickwire_store_errors_total\{operation="(history\.[a-zA-Z]+)"\} (\d+)$/m.exec(metrics);
    expect(failed, "a store error counted by operation").not.toBeNull();
    expect(Number(failed![2])).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^tickwire_store_errors_total\{operation="store\.ping"\} [1-9]/m);
    expect((await api(gw, "GET", "/healthz", undefined, null)).status).toBe(200);

    proxy.restore();
    let last: { status: number; body: any } | undefined;
    const started = Date.now();
    while ((last = await api(gw, "GET", "/readyz", undefined, null)).status !== 200) {
      if (Date.now() - started > 10_000) throw new Error(`still not ready: ${JSON.stringify(last.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(last.body.checks.store).toEqual({ ok: true, details: { kind: "postgres" } });
    expect((await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade })).status).toBe(200);
  });

  it("fails the store check after readinessTimeoutMs when PostgreSQL accepts but never answers", async () => {
    const { proxy, databaseUrl } = await postgresBehindProxy();
    const gw = await bed.gateway({ databaseUrl, readinessTimeoutMs: 200 });
    expect((await api(gw, "GET", "/readyz", undefined, null)).status).toBe(200);
    proxy.stall();
    expect(await api(gw, "GET", "/readyz", undefined, null)).toEqual({
      status: 503,
      body: { status: "not_ready", checks: { store: { ok: false, details: "no answer within 200 ms" }, engine: { ok: true, details: { name: "memory" } } } },
    });
  });

  it("reuses its report for readinessCacheMs", async () => {
    const { proxy, databaseUrl } = await postgresBehindProxy();
    const gw = await bed.gateway({ databaseUrl, readinessCacheMs: 60_000 });
    const first = await api(gw, "GET", "/readyz", undefined, null);
    expect(first.status).toBe(200);
    proxy.cut();
    // Within the cache period the first report stands (load balancers probing often cost one round trip).
    expect(await api(gw, "GET", "/readyz", undefined, null)).toEqual(first);
  });
});

describe.runIf(await redisAvailable())("/readyz with the Redis engine behind a proxy", () => {
  it("pings Redis: a connection that stays open but never answers fails the engine check", async () => {
    const proxy = await proxyTo(REDIS_URL);
    const prefix = testPrefix();
    prefixes.push(prefix);
    const gw = await bed.gateway({ redisUrl: proxy.urlFor(REDIS_URL), redisPrefix: prefix, readinessTimeoutMs: 200 });
    await until(() => (gw.engine.health?.().ok ?? false), 5000, "the engine to connect");
    const ready = await api(gw, "GET", "/readyz", undefined, null);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.engine).toMatchObject({ ok: true, details: { name: "redis", command: "ready", subscriber: "ready" } });

    proxy.stall();
    // Both connections still say "ready": only the round trip shows that Redis is gone.
    expect(gw.engine.health?.()).toMatchObject({ ok: true, details: { command: "ready", subscriber: "ready" } });
    const readyz = await api(gw, "GET", "/readyz", undefined, null);
    expect(readyz).toEqual({
      status: 503,
      body: { status: "not_ready", checks: { store: { ok: true, details: { kind: "sqlite" } }, engine: { ok: false, details: "no answer within 200 ms" } } },
    });
  });
});
