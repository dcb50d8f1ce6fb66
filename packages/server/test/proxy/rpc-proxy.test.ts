import { describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { api, record, TestBed, until } from "../helpers.js";
import { refusingUrl, useBackend, type BackendReply } from "./backend.js";

// The RPC proxy (docs/backend-hooks.md) against a real HTTP backend: what it is sent, and every kind of answer.
const bed = new TestBed();
const backend = useBackend(bed);

async function as(gw: Awaited<ReturnType<TestBed["gateway"]>>, sub: string, tier?: string, roles?: string[]): Promise<Socket> {
  return (await bed.connect(gw, { token: await gw.issueToken({ sub, ...(tier ? { tier } : {}), ...(roles ? { roles } : {}) }) })).socket;
}

describe("rpc through the RPC proxy", () => {
  it("POSTs the method, params and the caller's identity, and answers the backend's result", async () => {
    const gw = await bed.gateway({ proxyRpcUrl: `${backend.url}/rpc` });
    backend.reply = (call) => ({ json: { result: { echoed: call.body.params, quote: { symbol: "AAPL", price: 190.5 } } } });
    const alice = await as(gw, "alice", "participant", ["desk"]);
    const reply = await alice.emitWithAck("rpc", { method: "quotes.lookup", params: { symbol: "AAPL", depth: [1, 2] } });
    expect(reply).toEqual({ ok: true, result: { echoed: { symbol: "AAPL", depth: [1, 2] }, quote: { symbol: "AAPL", price: 190.5 } } });
    expect(backend.calls).toHaveLength(1);
    const call = backend.calls[0]!;
    expect(call.path).toBe("/rpc");
    expect(call.body).toEqual({
      method: "quotes.lookup",
      params: { symbol: "AAPL", depth: [1, 2] },
      userId: "alice",
      tier: "participant",
      roles: ["desk"],
      connectionId: alice.id,
      traceId: expect.stringMatching(/^[0-9a-f]{16}$/),
      event: "rpc",
    });
    expect(call.headers["x-trace-id"]).toBe(call.body.traceId);
    expect(call.headers["content-type"]).toBe("application/json");
  });

  it("answers a call without params with params null, and a result of null as null", async () => {
    const gw = await bed.gateway({ proxyRpcUrl: `${backend.url}/rpc` });
    backend.reply = () => ({ json: { result: null } });
    const alice = await as(gw, "alice", "navigator");
    expect(await alice.emitWithAck("rpc", { method: "ping" })).toEqual({ ok: true, result: null });
    expect(backend.calls[0]!.body.params).toBeNull();
  });

  it("passes the backend's error: its message, a registry code it may use as is, any other as BACKEND_REFUSED", async () => {
    const gw = await bed.gateway({ proxyRpcUrl: `${backend.url}/rpc` });
    const alice = await as(gw, "alice");
    backend.reply = () => ({ json: { error: { code: "INSUFFICIENT_FUNDS", message: "Cash 120.00 is below 1905.00." } } });
    expect(await alice.emitWithAck("rpc", { method: "orders.place", params: { symbol: "AAPL" } })).toEqual({ ok: false, error: { code: "BACKEND_REFUSED", message: "Cash 120.00 is below 1905.00." } });
    backend.reply = () => ({ json: { error: { code: "FORBIDDEN", message: "Trading is closed for your account." } } });
    expect(await alice.emitWithAck("rpc", { method: "orders.place" })).toEqual({ ok: false, error: { code: "FORBIDDEN", message: "Trading is closed for your account." } });
    backend.reply = () => ({ json: { error: { code: 1001, message: "numeric codes too" } } });
    expect(await alice.emitWithAck("rpc", { method: "orders.place" })).toEqual({ ok: false, error: { code: "BACKEND_REFUSED", message: "numeric codes too" } });
    // A refusal is an answer: the breaker stays closed however many there are.
    for (let i = 0; i < 6; i++) await alice.emitWithAck("rpc", { method: "orders.place" });
    backend.reply = () => ({ json: { result: { ok: 1 } } });
    expect(await alice.emitWithAck("rpc", { method: "orders.place" })).toEqual({ ok: true, result: { ok: 1 } });
  });

  it("answers BAD_GATEWAY for an HTTP error status, a body that is not JSON, the wrong shape, or one too large", async () => {
    const cases: Array<[BackendReply, string]> = [
      [{ json: { result: {} }, status: 500 }, "The RPC backend's answer was refused: HTTP 500."],
      [{ raw: "<html>oops</html>", contentType: "text/html" }, "The RPC backend's answer was refused: it is not JSON."],
      [{ json: [1, 2] }, "The RPC backend's answer was refused: it is not an object."],
      [{ json: { data: 1 } }, "The RPC backend's answer was refused: it has neither `result` nor `error`."],
      [{ json: { error: { message: "no code" } } }, "The RPC backend's answer was refused: `error.code` must be a string or a number."],
      [{ json: { result: "x".repeat(5000) } }, "The RPC backend's answer was refused: it is larger than 4096 bytes."],
    ];
    // Each case on its own gateway: five failures in a row would open the breaker (next test).
    for (const [answer, message] of cases) {
      const gw = await bed.gateway({ proxyRpcUrl: `${backend.url}/rpc`, maxFrameBytes: 4096 });
      const alice = await as(gw, "alice");
      backend.reply = () => answer;
      expect(await alice.emitWithAck("rpc", { method: "m", params: {} })).toEqual({ ok: false, error: { code: "BAD_GATEWAY", message } });
    }
  });

  it("answers UNAVAILABLE when the backend refuses connections or cuts them, and never hangs on a slow one", async () => {
    const refusing = await bed.gateway({ proxyRpcUrl: await refusingUrl() });
    const alice = await as(refusing, "alice");
    expect(await alice.emitWithAck("rpc", { method: "m" })).toEqual({ ok: false, error: { code: "UNAVAILABLE", message: "The RPC backend is unavailable (it cannot be reached); try again later." } });

    const gw = await bed.gateway({ proxyRpcUrl: `${backend.url}/rpc`, proxyTimeoutMs: 300 });
    const bob = await as(gw, "bob");
    backend.reply = () => ({ destroy: true });
    expect(await bob.emitWithAck("rpc", { method: "m" })).toEqual({ ok: false, error: { code: "UNAVAILABLE", message: "The RPC backend is unavailable (it cannot be reached); try again later." } });
    backend.reply = () => ({ hold: true });
    expect(await bob.emitWithAck("rpc", { method: "m" })).toEqual({ ok: false, error: { code: "UNAVAILABLE", message: "The RPC backend is unavailable (it did not answer within 300 ms); try again later." } });
    // The connection is still usable.
    expect(await bob.emitWithAck("ping", {})).toMatchObject({ ok: true });
  });

  it("opens the circuit breaker after repeated failures: calls are refused without reaching the backend", async () => {
    const gw = await bed.gateway({ proxyRpcUrl: `${backend.url}/rpc` });
    const alice = await as(gw, "alice");
    backend.reply = () => ({ json: {}, status: 502 });
    for (let i = 0; i < 5; i++) expect(await alice.emitWithAck("rpc", { method: "m" })).toMatchObject({ ok: false, error: { code: "BAD_GATEWAY" } });
    const reached = backend.calls.length;
    backend.reply = () => ({ json: { result: {} } });
    expect(await alice.emitWithAck("rpc", { method: "m" })).toEqual({ ok: false, error: { code: "UNAVAILABLE", message: "The RPC backend is unavailable (it failed repeatedly and is given a rest); try again later." } });
    expect(backend.calls.length).toBe(reached);
  });

  it("limits the calls one connection has waiting, and frees the slot when they are answered", async () => {
    const gw = await bed.gateway({ proxyRpcUrl: `${backend.url}/rpc`, proxyRpcMaxInFlight: 2 });
    const alice = await as(gw, "alice");
    const bob = await as(gw, "bob");
    backend.reply = (call) => (call.body.method === "slow" ? { hold: true } : { json: { result: { method: call.body.method } } });
    const first = alice.emitWithAck("rpc", { method: "slow" });
    const second = alice.emitWithAck("rpc", { method: "slow" });
    await until(() => backend.calls.length === 2, 5000, "two calls at the backend");
    expect(await alice.emitWithAck("rpc", { method: "fast" })).toEqual({ ok: false, error: { code: "LIMIT_EXCEEDED", message: "At most 2 calls may wait on the backend per connection; wait for an answer." } });
    // Another connection has its own slots.
    expect(await bob.emitWithAck("rpc", { method: "fast" })).toEqual({ ok: true, result: { method: "fast" } });
    await backend.close();
    expect(await first).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });
    expect(await second).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });
    await backend.start();
  });

  it("applies the per-method gates of the configuration before calling the backend", async () => {
    const gw = await bed.gateway({
      proxyRpcUrl: `${backend.url}/rpc`,
      proxyRpcMethods: { "orders.place": { minTier: "builder", roles: ["desk"] }, "risk.override": { roles: ["risk"] }, "*": { minTier: "participant" } },
    });
    const nav = await as(gw, "nav", "navigator");
    const desk = await as(gw, "desk", "navigator", ["desk"]);
    const builder = await as(gw, "builder", "builder");
    const operator = await as(gw, "op", "operator");
    expect(await nav.emitWithAck("rpc", { method: "orders.place" })).toEqual({ ok: false, error: { code: "FORBIDDEN", message: 'The method "orders.place" needs tier builder or above or the role desk.' } });
    expect(await nav.emitWithAck("rpc", { method: "anything" })).toEqual({ ok: false, error: { code: "FORBIDDEN", message: 'The method "anything" needs tier participant or above.' } });
    expect(await operator.emitWithAck("rpc", { method: "risk.override" })).toEqual({ ok: false, error: { code: "FORBIDDEN", message: 'The method "risk.override" needs the role risk.' } });
    expect(backend.calls).toEqual([]);
    expect(await desk.emitWithAck("rpc", { method: "orders.place" })).toEqual({ ok: true, result: {} });
    expect(await builder.emitWithAck("rpc", { method: "orders.place" })).toEqual({ ok: true, result: {} });
    expect(await builder.emitWithAck("rpc", { method: "anything" })).toEqual({ ok: true, result: {} });
    expect(backend.calls.map((c) => [c.body.userId, c.body.method])).toEqual([["desk", "orders.place"], ["builder", "orders.place"], ["builder", "anything"]]);
  });

  it("sends a method to its own URL when one is configured, others to the default, and answers NOT_FOUND without any", async () => {
    const gw = await bed.gateway({ proxyRpcUrl: `${backend.url}/rpc`, proxyRpcMethodUrls: { "market.data": `${backend.url}/market` } });
    const alice = await as(gw, "alice");
    backend.reply = (call) => ({ json: { result: { at: call.path } } });
    expect(await alice.emitWithAck("rpc", { method: "market.data" })).toEqual({ ok: true, result: { at: "/market" } });
    expect(await alice.emitWithAck("rpc", { method: "orders.list" })).toEqual({ ok: true, result: { at: "/rpc" } });
    const bare = await bed.gateway({ proxyRpcMethodUrls: { "market.data": `${backend.url}/market` } });
    const bob = await as(bare, "bob");
    expect(await bob.emitWithAck("rpc", { method: "orders.list" })).toEqual({ ok: false, error: { code: "NOT_FOUND", message: 'No backend serves the method "orders.list".' } });
    expect(await bob.emitWithAck("rpc", { method: "market.data" })).toEqual({ ok: true, result: { at: "/market" } });
  });

  it("refuses malformed calls with BAD_REQUEST before anything is sent", async () => {
    const gw = await bed.gateway({ proxyRpcUrl: `${backend.url}/rpc` });
    const alice = await as(gw, "alice");
    const errors = record(alice, "error");
    for (const bad of [{}, { method: "" }, { method: "bad method" }, { method: "x".repeat(65) }, { method: "m", extra: 1 }, { method: 5 }]) {
      expect(await alice.emitWithAck("rpc", bad)).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    }
    alice.emit("rpc", { method: "m", params: { deep: JSON.parse("[".repeat(40) + "]".repeat(40)) } });
    await until(() => errors.length === 1, 5000, "the error event");
    expect(errors[0]!.payload).toMatchObject({ code: "BAD_REQUEST", event: "rpc" });
    expect(backend.calls).toEqual([]);
    expect((await api(gw, "GET", "/healthz")).status).toBe(200);
  });
});
