import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { TestBed } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

describe("CORS from configuration", () => {
  it("allows a listed origin on the HTTP API and the Socket.IO handshake, and no other", async () => {
    const gw = await bed.gateway({ corsOrigins: ["https://app.example"] });
    const allowed = await fetch(`${gw.url}/healthz`, { headers: { origin: "https://app.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await fetch(`${gw.url}/healthz`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();

    const handshake = (origin: string) => fetch(`${gw.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    expect((await handshake("https://app.example")).headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect((await handshake("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows any origin with *", async () => {
    const gw = await bed.gateway({ corsOrigins: ["*"] });
    const res = await fetch(`${gw.url}/healthz`, { headers: { origin: "https://anything.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://anything.example");
  });
});

describe("frame limits", () => {
  it("closes a connection that sends a frame over maxFrameBytes, and keeps serving everyone else", async () => {
    const gw = await bed.gateway({ maxFrameBytes: 10_000 });
    const token = await bed.token(gw, "alice");
    const big = io(gw.url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
    bed.sockets.push(big);
    await new Promise((r) => big.once("connected", r));
    const other = await bed.connectAs(gw, "bob");
    const closed = new Promise<string>((r) => big.once("disconnect", r));
    big.emit("ping", { timestamp: "x".repeat(20_000) });
    expect(await closed).toBe("transport close");
    expect(await other.emitWithAck("ping", {})).toMatchObject({ ok: true });
    expect(gw.registry.connectionCount).toBe(1);
  });
});
