import { describe, expect, it } from "vitest";
import type { Trade } from "@tickwire/protocol";
import { useRealGateway } from "./support/real-gateway.js";
import { waitFor } from "./support/wait-for.js";

const trade = (n: number): Trade => ({ tradeId: `t${n}`, symbol: "AAPL", side: "buy", status: "executed", quantity: n, executedPrice: 100 + n });

describe("rewind through the SDK against the real gateway", () => {
  const rt = useRealGateway();

  it("delivers the last N trades first (live: false), then live ones, once each", async () => {
    const gw = await rt.start();
    for (let n = 1; n <= 8; n++) await gw.publish({ channel: "trades:alice", data: trade(n), event: "trade:executed" });
    const client = rt.client(gw.url, { token: await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 }) });
    const got: Array<[number, boolean]> = [];
    const sub = client.subscribe("trades", (t, meta) => got.push([t.quantity, meta.live]), { rewind: 3 });
    const info = await sub.ready;
    expect(info).toMatchObject({ channel: "trades:alice", offset: 8, replayed: 3 });
    await gw.publish({ channel: "trades:alice", data: trade(9), event: "trade:executed" });
    await waitFor("the live trade", () => got.length === 4);
    expect(got).toEqual([
      [6, false],
      [7, false],
      [8, false],
      [9, true],
    ]);
  });
});
