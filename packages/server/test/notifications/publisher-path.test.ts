import { afterEach, describe, expect, it } from "vitest";
import { TickwireError } from "@tickwire/protocol";
import { NotificationService, type GatewayComponent, type PublishTarget } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";

/** A component whose publish rule records every inbox publication and refuses the message "Refused.". */
function inboxRule(seen: PublishTarget[]): GatewayComponent {
  return {
    name: "inbox-rule",
    register(ctx) {
      ctx.publisher.use({
        check(target) {
          if (target.namespace.kind !== "inbox") return;
          if ((target.data as { message?: string }).message === "Refused.") throw new TickwireError("BAD_REQUEST", "This rule refuses that message.");
          seen.push(target);
        },
      });
    },
    start: async () => {},
    stop: async () => {},
  };
}

describe("POST /api/v1/notifications through the publisher", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  async function start() {
    const seen: PublishTarget[] = [];
    const gw = await bed.gateway({}, { components: [new NotificationService({ pruneIntervalMs: 0 }), inboxRule(seen)] });
    return { gw, seen };
  }

  it("hands each recipient's inbox channel to the publish rules, with the body without its recipients as data", async () => {
    const { gw, seen } = await start();
    const res = await api(gw, "POST", "/api/v1/notifications", { userIds: ["bob", "alice", "bob"], type: "info", message: "Hi.", data: { n: 1 } });
    expect(res).toEqual({ status: 200, body: { ids: [expect.any(String), expect.any(String), expect.any(String)], deduplicated: false, deduplicatedUserIds: [] } });
    const data = { type: "info", message: "Hi.", data: { n: 1 } };
    expect(seen.map(({ channel, key, event, data }) => ({ channel, key, event, data }))).toEqual([
      { channel: "notifications:bob", key: "bob", event: "notification:new", data },
      { channel: "notifications:alice", key: "alice", event: "notification:new", data },
      { channel: "notifications:bob", key: "bob", event: "notification:new", data },
    ]);
  });

  it("answers a publish rule's refusal and stores and delivers nothing to any recipient", async () => {
    const { gw } = await start();
    const alice = await bed.connectAs(gw, "alice");
    const delivered = record(alice, "notification:new");
    expect((await alice.emitWithAck("subscribe", { channels: ["notifications"] })).failed).toEqual([]);
    const refused = await api(gw, "POST", "/api/v1/notifications", { userIds: ["alice", "bob"], type: "info", message: "Refused." });
    expect(refused).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message: "This rule refuses that message." } });
    // A notification after it is the first in alice's inbox, and the only one she got.
    const sentinel = await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "After." });
    await until(() => delivered.length === 1, 5000, "the notification after the refused one");
    expect(delivered.map((d) => [(d.payload as { id: string }).id, d.meta.offset])).toEqual([[sentinel.body.ids[0], 1]]);
    expect(await api(gw, "GET", "/api/v1/notifications?userId=bob")).toEqual({ status: 200, body: { items: [], unread: 0 } });
  });

  it("answers SHUTDOWN once the publisher stops accepting, and stores nothing", async () => {
    const { gw } = await start();
    gw.publisher.stopAccepting();
    expect(await api(gw, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message: "Late." })).toEqual({
      status: 503,
      body: { statusCode: 503, code: "SHUTDOWN", message: "The server is shutting down; reconnect shortly." },
    });
    expect(await api(gw, "GET", "/api/v1/notifications?userId=alice")).toEqual({ status: 200, body: { items: [], unread: 0 } });
  });
});
