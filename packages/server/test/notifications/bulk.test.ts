import { afterEach, expect, it } from "vitest";
import { api, record, TestBed, until } from "../helpers.js";
import { describeEachStore, inboxGateway } from "./backends.js";

describeEachStore("bulk notifications", (backend) => {
  const bed = new TestBed();
  afterEach(async () => {
    await bed.cleanup();
    await backend.cleanup();
  });

  it("sends one notification to thousands of users in one call, ids in request order", async () => {
    const { gw } = await inboxGateway(bed, await backend.create(bed));
    const socket = await bed.connectAs(gw, "user-4321");
    const seen = record(socket, "notification:new");
    await socket.emitWithAck("subscribe", { channels: ["notifications"] });
    const userIds = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    const res = await api(gw, "POST", "/api/v1/notifications", { userIds, type: "macro_change", title: "Regime", message: "Risk-off regime detected." });
    expect(res.status).toBe(200);
    expect(res.body.ids).toHaveLength(5000);
    expect(new Set(res.body.ids).size).toBe(5000);
    expect(res.body).toMatchObject({ deduplicated: false, deduplicatedUserIds: [] });
    await until(() => seen.length === 1);
    expect(seen[0]!.payload).toMatchObject({ id: res.body.ids[4321], type: "macro_change", message: "Risk-off regime detected." });
    expect((await api(gw, "GET", "/api/v1/notifications?userId=user-4999")).body.items.map((n: { id: string }) => n.id)).toEqual([res.body.ids[4999]]);

    const again = await api(gw, "POST", "/api/v1/notifications", { userIds, type: "macro_change", title: "Regime", message: "Risk-off regime detected." });
    expect(again.body.ids).toEqual(res.body.ids);
    expect(again.body.deduplicated).toBe(true);
    expect(again.body.deduplicatedUserIds).toHaveLength(5000);
  });
});
