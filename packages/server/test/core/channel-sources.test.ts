import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_NAMESPACES, type NamespaceDefinition } from "@tickwire/protocol";
import { NotificationService, type ChannelSource } from "@tickwire/server";
import { StreamsComponent } from "../../src/streams/streams-component.js";
import { api, record, recordingInbox, TestBed, until } from "../helpers.js";

const notifications = DEFAULT_NAMESPACES.find((n) => n.name === "notifications")!;
/** A second inbox namespace: nothing serves it (the notification service keeps one inbox per user). */
const alerts: NamespaceDefinition = { ...notifications, name: "alerts", event: "alert:new", description: "Alerts, for tests." };

describe("channel sources", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it("refuses to start with a declared namespace of a kind no component serves, naming it and its kind", async () => {
    await expect(bed.gateway({ namespaces: [alerts] }, { components: [new StreamsComponent()] })).rejects.toThrow(
      'No channel source serves "alerts" (kind inbox): add the component that serves the kind (the notification service serves inbox channels of the namespace "notifications"), or change the namespace\'s kind.',
    );
  });

  it("refuses to start with a second inbox namespace: the notification service serves its own only", async () => {
    await expect(bed.gateway({ namespaces: [alerts] }, { components: [new StreamsComponent(), new NotificationService({ pruneIntervalMs: 0 })] })).rejects.toThrow('No channel source serves "alerts" (kind inbox)');
  });

  it("refuses a second source for a kind that has one", async () => {
    const gw = await bed.gateway();
    const source: ChannelSource = {
      publish: async (target) => ({ channel: target.channel, offset: 1, epoch: "x" }),
      position: async () => ({ offset: 0, epoch: "x" }),
      attach: async () => {},
      detach: async () => {},
    };
    expect(() => gw.sources.register("event", source)).toThrow('Channels of kind "event" have a source already; one source serves each kind.');
    expect(() => gw.sources.register("inbox", source)).toThrow('Channels of kind "inbox" have a source already; one source serves each kind.');
  });

  it("routes each publication to the source of its namespace's kind, and nothing of it to another", async () => {
    const gw = await bed.gateway({}, { components: [new StreamsComponent()] });
    const inbox = recordingInbox(gw);
    const note = { type: "info", message: "Hi." };
    expect(await api(gw, "POST", "/api/v1/publish", { channel: "notifications:alice", data: note })).toEqual({ status: 200, body: { channel: "notifications:alice", offset: 1, epoch: "inbox" } });
    const signal = await api(gw, "POST", "/api/v1/publish", { channel: "signals:acme", data: { symbol: "AAPL", action: "buy", confidence: 0.9 } });
    expect(signal).toEqual({ status: 200, body: { channel: "signals:acme", offset: 1, epoch: expect.any(String) } });
    expect(inbox).toEqual([["alice", note]]);
    // The engine got the signal (and its aggregate copy), not the notification.
    const history = await gw.engine.history("signals:acme", gw.catalogue.get("signals")!, 0, 10);
    expect(history.publications.map((p) => [p.channel, p.offset, p.data])).toEqual([["signals:acme", 1, { symbol: "AAPL", action: "buy", confidence: 0.9 }]]);
    expect((await gw.engine.position("notifications:alice", notifications)).offset).toBe(0);
  });

  it("answers UNAVAILABLE for a built-in namespace whose component was left out, on publish and on subscribe", async () => {
    const gw = await bed.gateway({}, { components: [new StreamsComponent()] });
    const message = 'No component of this gateway serves "notifications" channels (kind inbox).';
    expect(await api(gw, "POST", "/api/v1/publish", { channel: "notifications:alice", data: { type: "info", message: "Hi." } })).toEqual({
      status: 503,
      body: { statusCode: 503, code: "UNAVAILABLE", message },
    });
    const alice = await bed.connectAs(gw, "alice");
    const reply = await alice.emitWithAck("subscribe", { channels: ["notifications", "signals"] });
    expect(reply.failed).toEqual([{ channel: "notifications", code: "UNAVAILABLE", message }]);
    expect(reply.subscribed).toEqual([{ channel: "signals", offset: 0, epoch: expect.any(String) }]);
    // The refusal left the connection as it was: the other channel is live.
    const seen = record(alice, "signal:new");
    await api(gw, "POST", "/api/v1/publish", { channel: "signals", data: { symbol: "MSFT", action: "sell", confidence: 0.5 } });
    await until(() => seen.length === 1, 5000, "the signal");
    expect(seen.map((s) => s.payload)).toEqual([{ symbol: "MSFT", action: "sell", confidence: 0.5 }]);
  });
});
