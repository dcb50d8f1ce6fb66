import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TickwireError } from "@tickwire/protocol";
import { useRealGateway } from "./support/real-gateway.js";
import { waitFor } from "./support/wait-for.js";

// client.rpc against a real gateway whose RPC proxy calls a real HTTP backend started here.
const calls: Array<Record<string, unknown>> = [];
const backend = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString("utf8")));
  req.on("end", () => {
    const call = JSON.parse(body) as Record<string, unknown>;
    calls.push(call);
    const answer = call.method === "orders.place" ? { result: { orderId: "o-1", echoed: call.params } } : { error: { code: "UNKNOWN_METHOD", message: `No method ${String(call.method)}.` } };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
});
let url: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/rpc`;
});
afterAll(() => new Promise<void>((resolve) => backend.close(() => resolve())));

describe("client.rpc against the real gateway", () => {
  const rt = useRealGateway();

  it("resolves to the backend's result, and rejects with the refusal's code and message", async () => {
    const gw = await rt.start({ proxyRpcUrl: url });
    const client = rt.client(gw.url, { getToken: () => gw.issueToken({ sub: "alice", tier: "builder" }) });
    await waitFor("connected", () => client.state === "connected");
    expect(await client.rpc<{ orderId: string }>("orders.place", { symbol: "AAPL", quantity: 10 })).toEqual({ orderId: "o-1", echoed: { symbol: "AAPL", quantity: 10 } });
    expect(calls.at(-1)).toMatchObject({ method: "orders.place", userId: "alice", tier: "builder", event: "rpc" });
    const refused = await client.rpc("orders.cancel").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TickwireError);
    expect({ code: (refused as TickwireError).code, message: (refused as TickwireError).message }).toEqual({ code: "BACKEND_REFUSED", message: "No method orders.cancel." });
    expect(calls.at(-1)).toMatchObject({ method: "orders.cancel", params: null });
  });
});
