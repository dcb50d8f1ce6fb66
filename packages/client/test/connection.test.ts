import { describe, expect, it } from "vitest";
import type { ConnectionState } from "../src/index.js";
import { useHarness } from "./support/harness.js";
import { waitFor } from "./support/wait-for.js";

describe("connection", () => {
  const h = useHarness();

  it("goes connecting, connected, then disconnected on close, and emits the server's connected payload", async () => {
    const gw = await h.gateway();
    const client = h.client(gw, { autoConnect: false });
    const states: ConnectionState[] = [];
    const connected: unknown[] = [];
    client.on("state", (s) => states.push(s));
    client.on("connected", (p) => connected.push(p));
    client.connect();
    await waitFor("connected payload", () => connected.length === 1);
    client.close();

    expect({ states, connected, session: client.session }).toEqual({
      states: ["connecting", "connected", "disconnected"],
      connected: [client.session],
      session: {
        userId: "alice", tier: "builder", message: "Connected to Tickwire", timestamp: expect.any(String),
        server_time: expect.any(String), api_version: "1", features: ["quotes", "trades"],
        limits: { maxSubscriptions: 200, maxConnectionsPerUser: 5 },
      },
    });
  });

  it("resolves ping to the round trip in milliseconds", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    await waitFor("connected", () => client.state === "connected");
    const rtt = await client.ping();
    expect(typeof rtt === "number" && rtt >= 0).toBe(true);
    expect(gw.requests).toEqual([{ event: "ping", payload: { timestamp: expect.any(Number) } }]);
  });

  it("refuses requests at once with UNAVAILABLE while disconnected", async () => {
    const gw = await h.gateway();
    const client = h.client(gw, { autoConnect: false });
    await expect(client.ping()).rejects.toMatchObject({ code: "UNAVAILABLE", message: 'Not connected; "ping" was not sent.' });
    await expect(client.notifications.list()).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });

  it("lists and acknowledges notifications of the inbox", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    await waitFor("connected", () => client.state === "connected");
    const n1 = gw.notify("alice", { type: "info", title: null, message: "Hello", data: null, actionUrl: null });
    const n2 = gw.notify("alice", { type: "warning", title: "Margin", message: "Low margin", data: { level: 2 }, actionUrl: "/margin" });

    expect(await client.notifications.list({ limit: 10 })).toEqual({ items: [n2, n1], unread: 2 });
    expect(await client.notifications.ack([n1.id])).toEqual({ acknowledged: 1 });
    expect(await client.notifications.list({ unreadOnly: true })).toEqual({ items: [n2], unread: 1 });
  });

  it("turns an error reply into a TickwireError with the server's code and message", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    await waitFor("connected", () => client.state === "connected");
    const socketSide = [...gw.io.of("/").sockets.values()][0]!;
    socketSide.removeAllListeners("ping");
    socketSide.on("ping", (_req, ack) => ack({ ok: false, error: { code: "RATE_LIMITED", message: "Too many requests; slow down." } }));
    await expect(client.ping()).rejects.toMatchObject({ name: "TickwireError", code: "RATE_LIMITED", message: "Too many requests; slow down.", statusCode: 429 });
  });

  it("passes server error events to the app as TickwireErrors", async () => {
    const gw = await h.gateway();
    const client = h.client(gw);
    const errors: unknown[] = [];
    client.on("error", (e) => errors.push({ name: e.name, code: e.code, message: e.message }));
    await waitFor("connected", () => client.state === "connected");
    gw.io.emit("error", { code: "SLOW_CONSUMER", message: "The client did not read fast enough; reconnect and recover from history." });
    await waitFor("error", () => errors.length === 1);
    expect(errors).toEqual([{ name: "TickwireError", code: "SLOW_CONSUMER", message: "The client did not read fast enough; reconnect and recover from history." }]);
  });
});
