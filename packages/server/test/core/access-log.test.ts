import { afterEach, describe, expect, it } from "vitest";
import { api, TestBed, until, captureLogs } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

const INFO = 30;

describe("access lines", () => {
  it("logs one info line per HTTP request with its route and status, never the query string", async () => {
    const { logger, lines } = captureLogs();
    const gw = await bed.gateway({}, { logger });
    await api(gw, "GET", "/healthz?token=secret-token-value", undefined, null);
    await api(gw, "GET", "/api/v1/channels/trades:alice/history?since=0");
    await api(gw, "GET", "/nope", undefined, null);
    await until(() => lines.filter((l) => l.msg === "http request").length === 3, 5000, "three access lines");
    const requests = lines.filter((l) => l.msg === "http request");
    expect(requests).toEqual([
      expect.objectContaining({ level: INFO, method: "GET", path: "/healthz", route: "/healthz", statusCode: 200, durationMs: expect.any(Number), address: "127.0.0.1", reqId: expect.any(String) }),
      expect.objectContaining({ level: INFO, method: "GET", path: "/api/v1/channels/trades:alice/history", route: "/api/v1/channels/:channel/history", statusCode: 200 }),
      expect.objectContaining({ level: INFO, method: "GET", path: "/nope", route: "unmatched", statusCode: 404 }),
    ]);
    expect(JSON.stringify(lines)).not.toContain("secret-token-value");
  });

  it("logs one info line when a connection opens and one when it closes (user, tier, transport, reason), and refusals", async () => {
    const { logger, lines } = captureLogs();
    const gw = await bed.gateway({}, { logger });
    const { socket } = await bed.connect(gw, { token: await bed.token(gw, "alice", "participant") }, { transports: ["polling"] });
    await until(() => lines.some((l) => l.msg === "connection opened"), 5000, "the open line");
    const opened = lines.find((l) => l.msg === "connection opened")!;
    expect(opened).toMatchObject({ level: INFO, userId: "alice", tier: "participant", transport: "polling", address: "127.0.0.1", connectionId: socket.id });
    socket.disconnect();
    await until(() => lines.some((l) => l.msg === "connection closed"), 5000, "the close line");
    expect(lines.find((l) => l.msg === "connection closed")).toMatchObject({
      level: INFO,
      userId: "alice",
      tier: "participant",
      transport: "polling",
      connectionId: opened.connectionId,
      reason: "client namespace disconnect",
      durationMs: expect.any(Number),
    });
    await bed.refused(gw, { token: "not-a-token" });
    await until(() => lines.some((l) => l.msg === "connection refused"), 5000, "the refusal line");
    expect(lines.find((l) => l.msg === "connection refused")).toMatchObject({ level: INFO, code: "UNAUTHORIZED", reason: expect.any(String), address: "127.0.0.1" });
    expect(JSON.stringify(lines)).not.toContain("not-a-token");
  });

  it("writes the access lines at accessLogLevel: debug hides them at the info log level, silent turns them off", async () => {
    for (const accessLogLevel of ["debug", "silent"]) {
      const { logger, lines } = captureLogs("info");
      const gw = await bed.gateway({ accessLogLevel }, { logger });
      const socket = await bed.connectAs(gw, "bob");
      await api(gw, "GET", "/healthz", undefined, null);
      socket.disconnect();
      // The request's own answer came back, and a later line shows the logger is still writing.
      logger.info("marker");
      await until(() => lines.some((l) => l.msg === "marker"), 5000, "the marker");
      expect(lines.filter((l) => ["http request", "connection opened", "connection closed"].includes(String(l.msg)))).toEqual([]);
    }
    const { logger, lines } = captureLogs("debug");
    const gw = await bed.gateway({ accessLogLevel: "debug" }, { logger });
    await api(gw, "GET", "/healthz", undefined, null);
    await until(() => lines.some((l) => l.msg === "http request"), 5000, "a debug access line");
    expect(lines.find((l) => l.msg === "http request")).toMatchObject({ level: 20, route: "/healthz" });
  });
});
