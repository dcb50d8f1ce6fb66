import { afterEach, describe, expect, it } from "vitest";
import { record, TestBed } from "../helpers.js";
import { holdNext } from "../hold.js";

// A subscribe that passed its checks and is still on its way when its admission goes away is refused when it completes.
const bed = new TestBed();
afterEach(() => bed.cleanup());

describe("a subscribe under way when its admission ends", () => {
  it("is refused when a token refresh to a lower tier lands while it is being checked, and nothing reaches it", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice", "builder");
    // The last check of every subscribe (room membership) answers for "ai" at once; it is held after that.
    const held = holdNext(gw.rooms!, "check");
    const reply = socket.emitWithAck("subscribe", { channels: ["ai"] });
    await held.reached;
    expect(await socket.emitWithAck("auth:refresh", { token: await bed.token(gw, "alice", "navigator") })).toEqual({ ok: true, expiresAt: expect.any(String) });
    held.release();
    expect(await reply).toEqual({ ok: true, subscribed: [], failed: [{ channel: "ai", code: "CONFLICT", message: "The subscription was ended while it was being set up." }] });
    expect(gw.hub.subscriptionsByNamespace().ai ?? 0).toBe(0);
    const decisions = record(socket, "ai:decision");
    await gw.publish({ channel: "ai", data: { id: "d1", symbol: "AAPL", action: "hold", confidence: 0.5 } });
    await socket.emitWithAck("ping", {});
    expect(decisions).toEqual([]);
  });
});
