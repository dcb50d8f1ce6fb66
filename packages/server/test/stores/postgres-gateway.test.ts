import { afterEach, expect, it } from "vitest";
import { createGateway, type Gateway } from "@tickwire/server";
import { api, API_KEY, record, SECRET, TestBed } from "../helpers.js";
import { createTestSchema, describePostgres, dropTestSchema, PG_TEST_URL, postgresUnavailable } from "./pg-test-db.js";

describePostgres("a gateway with TICKWIRE_DATABASE_URL", await postgresUnavailable(), () => {
  const bed = new TestBed();
  const schemas: string[] = [];
  afterEach(async () => {
    await bed.cleanup();
    for (const schema of schemas.splice(0)) await dropTestSchema(schema);
  });

  async function start(databaseUrl: string): Promise<Gateway> {
    const gw = await createGateway({ port: 0, host: "127.0.0.1", jwtSecret: SECRET, apiKeys: [API_KEY], simulator: false, logLevel: "silent", databaseUrl, dataDir: bed.tempDir() });
    await gw.listen();
    bed.gateways.push(gw);
    return gw;
  }

  it("keeps event history, idempotency keys and the inbox in PostgreSQL across a restart", async () => {
    const schema = await createTestSchema();
    schemas.push(schema);
    const url = `${PG_TEST_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const first = await start(url);
    expect(first.store.kind).toBe("postgres");
    const trade = (n: number) => ({ tradeId: `t${n}`, symbol: "AAPL", status: "executed", quantity: n });
    const published = [];
    for (const n of [1, 2, 3]) published.push((await api(first, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade(n), idempotencyKey: `k${n}` })).body);
    const note = await api(first, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "Stored in PostgreSQL." });
    await first.close();

    const second = await start(url);
    expect((await api(second, "POST", "/api/v1/publish", { channel: "trades:alice", data: trade(9), idempotencyKey: "k2" })).body).toEqual(published[1]);
    const history = await api(second, "GET", "/api/v1/channels/trades:alice/history?since=1");
    expect(history.body).toEqual({
      epoch: published[0].epoch,
      offset: 3,
      publications: [
        { offset: 2, ts: expect.any(Number), event: "trade:update", data: trade(2) },
        { offset: 3, ts: expect.any(Number), event: "trade:update", data: trade(3) },
      ],
    });
    const socket = await bed.connectAs(second, "alice");
    const seen = record(socket, "trade:update", "notification:new");
    const reply = await socket.emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: 1, epoch: published[0].epoch } }, "notifications"] });
    expect(reply.subscribed).toEqual([
      { channel: "trades:alice", requested: "trades", offset: 3, epoch: published[0].epoch, recovered: true, replayed: 2 },
      { channel: "notifications:alice", requested: "notifications", offset: 1, epoch: expect.any(String) },
    ]);
    expect(seen.map((s) => [s.event, s.meta.offset])).toEqual([
      ["trade:update", 2],
      ["trade:update", 3],
      ["notification:new", 1],
    ]);
    expect((seen[2]!.payload as { id: string }).id).toBe(note.body.ids[0]);
  });
});
