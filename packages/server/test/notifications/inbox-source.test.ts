import { describe, expect, it } from "vitest";
import { DEFAULT_NAMESPACES } from "@tickwire/protocol";
import type { ChannelPosition, Publication } from "@tickwire/server";
import { InboxSource } from "../../src/notifications/inbox-source.js";
import type { NotificationInbox } from "../../src/notifications/notification-inbox.js";

const namespace = DEFAULT_NAMESPACES.find((n) => n.name === "notifications")!;
const note = (offset: number, channel = "notifications:alice"): Publication => ({ channel, offset, epoch: "E", ts: offset, event: "notification:new", data: { offset }, traceId: `t${offset}` });

/** An inbox source over a store whose position reads resolve when the test says, an engine and a hub that record. */
function source() {
  const reads: Array<(position: ChannelPosition) => void> = [];
  const inbox = { position: () => new Promise<ChannelPosition>((resolve) => reads.push(resolve)) } as unknown as NotificationInbox;
  const engine: string[] = [];
  const dispatched: Publication[] = [];
  const src = new InboxSource({
    inbox,
    namespace: "notifications",
    engine: {
      subscribe: async (channel, _ns, options) => void engine.push(`subscribe ${channel} ${JSON.stringify(options)}`),
      unsubscribe: async (channel) => void engine.push(`unsubscribe ${channel}`),
    },
    hub: { dispatch: (p) => dispatched.push(p) },
    limits: { maxBytes: 1024, maxDepth: 4 },
    holdMs: 60_000,
  });
  return { src, reads, engine, dispatched };
}

describe("the inbox source on one node", () => {
  it("subscribes the engine fan-out only once the inbox position is read, and hands fan-outs to the hub in order from it", async () => {
    const { src, reads, engine, dispatched } = source();
    const attached = src.attach("notifications:alice", namespace);
    expect(engine).toEqual([]);
    reads[0]!({ offset: 3, epoch: "E" });
    await attached;
    expect(engine).toEqual(['subscribe notifications:alice {"fanOutOnly":true}']);
    src.receive(note(3));
    src.receive(note(4));
    expect(dispatched).toEqual([note(4)]);
    expect(src.counters).toEqual({ delivered: 1, held: 0, skipped: 0, late: 1, foreign: 0 });
  });

  it("keeps the fan-outs that come while the position is read, and hands on those the position does not count", async () => {
    const { src, reads, dispatched } = source();
    const attached = src.attach("notifications:alice", namespace);
    src.receive(note(3));
    src.receive(note(4));
    expect(dispatched).toEqual([]);
    reads[0]!({ offset: 3, epoch: "E" });
    await attached;
    expect(dispatched).toEqual([note(4)]);
    expect(src.counters).toMatchObject({ delivered: 1, late: 1, held: 0 });
  });

  it("hands nothing to the hub for an inbox without local subscribers, before its first or after its last", async () => {
    const { src, reads, engine, dispatched } = source();
    src.receive(note(1));
    const attached = src.attach("notifications:alice", namespace);
    reads[0]!({ offset: 1, epoch: "E" });
    await attached;
    src.receive(note(2, "notifications:bob"));
    await src.detach("notifications:alice", namespace);
    src.receive(note(2));
    expect(dispatched).toEqual([]);
    expect(engine).toEqual(['subscribe notifications:alice {"fanOutOnly":true}', "unsubscribe notifications:alice"]);
  });
});
