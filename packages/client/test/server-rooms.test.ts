import { describe, expect, it } from "vitest";
import type { DeliveryMeta } from "../src/index.js";
import { useRealGateway } from "./support/real-gateway.js";
import { waitFor } from "./support/wait-for.js";

async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method, headers: { authorization: "Bearer test-key", "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe("rooms through the SDK against the real gateway", () => {
  const rt = useRealGateway();

  it("a member's subscription gets the room's publications and the messages to their role, with `to`; a non-member's is refused", async () => {
    const gw = await rt.start();
    await api(gw.url, "POST", "/api/v1/rooms", { id: "desk", type: "protected", capacity: 5 });
    await api(gw.url, "POST", "/api/v1/rooms/desk/members", { userId: "alice", role: "moderator" });
    await api(gw.url, "POST", "/api/v1/rooms/desk/members", { userId: "bob", role: "member" });
    const alice = rt.client(gw.url, { token: await gw.issueToken({ sub: "alice", tier: "participant", ttlSeconds: 3600 }) });
    const bob = rt.client(gw.url, { token: await gw.issueToken({ sub: "bob", tier: "participant", ttlSeconds: 3600 }) });
    const mallory = rt.client(gw.url, { token: await gw.issueToken({ sub: "mallory", tier: "participant", ttlSeconds: 3600 }) });
    const got: Array<{ payload: unknown; meta: DeliveryMeta }> = [];
    const bobGot: unknown[] = [];
    expect((await alice.subscribe("rooms:desk", (payload, meta) => got.push({ payload, meta })).ready).channel).toBe("rooms:desk");
    await bob.subscribe("rooms:desk", (payload) => bobGot.push(payload)).ready;
    await expect(mallory.subscribe("rooms:desk", () => undefined).ready).rejects.toMatchObject({ code: "FORBIDDEN" });

    const first = await api(gw.url, "POST", "/api/v1/rooms/desk/publish", { data: { text: "all" } });
    await waitFor("the room message", () => got.length === 1);
    await api(gw.url, "POST", "/api/v1/rooms/desk/publish", { data: { text: "mods" }, role: "moderator" });
    await waitFor("the moderators' message", () => got.length === 2);
    await api(gw.url, "POST", "/api/v1/rooms/desk/publish", { data: { text: "all again" } });
    await waitFor("everything", () => got.length === 3 && bobGot.length === 2);
    expect(got).toEqual([
      { payload: { text: "all" }, meta: { channel: "rooms:desk", offset: 1, epoch: first.body.epoch, ts: expect.any(Number), event: "room:message", live: true } },
      // A targeted message moves no position: it carries the one of the last publication.
      { payload: { text: "mods" }, meta: { channel: "rooms:desk", offset: 1, epoch: first.body.epoch, ts: expect.any(Number), event: "room:message", live: true, to: "role", role: "moderator" } },
      { payload: { text: "all again" }, meta: { channel: "rooms:desk", offset: 2, epoch: first.body.epoch, ts: expect.any(Number), event: "room:message", live: true } },
    ]);
    expect(bobGot).toEqual([{ text: "all" }, { text: "all again" }]);
  });
});
