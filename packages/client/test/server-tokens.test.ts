import { describe, expect, it } from "vitest";
import type { Trade } from "@tickwire/protocol";
import type { ConnectionState } from "../src/index.js";
import { useRealGateway } from "./support/real-gateway.js";
import { waitFor } from "./support/wait-for.js";

const trade = (n: number): Trade => ({ tradeId: `t${n}`, symbol: "AAPL", status: "executed", quantity: n });

describe("tokens against the real gateway", () => {
  const rt = useRealGateway();

  it("renews a short-lived token with auth:refresh before it expires, without reconnecting", async () => {
    const gw = await rt.start();
    const issued: string[] = [];
    const client = rt.client(gw.url, {
      getToken: async () => {
        const token = await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: issued.length === 0 ? 5 : 3600 });
        issued.push(token);
        return token;
      },
    });
    const states: ConnectionState[] = [];
    const tokens: { token: string }[] = [];
    const errors: string[] = [];
    client.on("state", (s) => states.push(s));
    client.on("token", (t) => tokens.push(t));
    client.on("error", (e) => errors.push(e.code));
    const got: Trade[] = [];
    await client.subscribe("trades", (t) => got.push(t)).ready;
    // A first token of 5 s, renewed at half its life: 2.5 s of room for the renewal on a loaded machine.
    await waitFor("renewed token", () => tokens.length === 2, 15_000);
    await waitFor("past the first token's expiry", () => Date.now() > JSON.parse(atob(issued[0]!.split(".")[1]!)).exp * 1000 + 200, 15_000);
    await gw.publish({ channel: "trades:alice", data: trade(1) });
    await waitFor("trade", () => got.length === 1);

    expect({ states, tokens, errors, got }).toEqual({
      states: ["connected"],
      tokens: [{ token: issued[0] }, { token: issued[1] }],
      errors: [],
      got: [trade(1)],
    });
  }, 40_000);

  it("calls getToken again after an UNAUTHORIZED refusal and connects with the new token", async () => {
    const gw = await rt.start();
    let calls = 0;
    const client = rt.client(gw.url, {
      getToken: async () => (++calls === 1 ? "not-a-jwt" : gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 })),
    });
    const errors: string[] = [];
    client.on("error", (e) => errors.push(e.code));
    await waitFor("connected", () => client.state === "connected");
    expect({ calls, errors, userId: client.session?.userId }).toEqual({ calls: 2, errors: ["UNAUTHORIZED"], userId: "alice" });
  });

  it("gives up with a fixed token the server refuses, since it cannot be renewed", async () => {
    const gw = await rt.start();
    const client = rt.client(gw.url, { token: "not-a-jwt" });
    const errors: { code: string; message: string }[] = [];
    client.on("error", (e) => errors.push({ code: e.code, message: e.message }));
    await waitFor("disconnected", () => client.state === "disconnected" && errors.length === 1);
    expect(errors).toEqual([{ code: "UNAUTHORIZED", message: expect.any(String) }]);
  });
});
