// The load generator's client reads the same frames as a plain socket.io-client:
// same Engine.IO packets to the byte, same quote fields, whether the gateway
// writes one frame per system call or many coalesced in one.
import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { createGateway } from "@tickwire/server";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseQuoteAt, quote, WireClient } from "../lib/wire-client.mjs";
import { quoteWalk } from "../lib/prng.mjs";

const open = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c();
});

async function gateway() {
  const dataDir = mkdtempSync(join(tmpdir(), "tickwire-wire-"));
  const gw = await createGateway({ port: 0, host: "127.0.0.1", dataDir, jwtSecret: "wire-test-secret-0123456789", apiKeys: ["k"], simulator: false, logLevel: "silent" });
  await gw.listen();
  open.push(async () => {
    await gw.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return gw;
}

const until = async (predicate, ms = 5000) => {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("the load generator's wire client", () => {
  it("reads quote fields from the bytes as JSON.parse does", () => {
    const walk = quoteWalk("S042", 7);
    for (let seq = 1; seq <= 50; seq++) {
      const data = { ...walk(seq), sentAt: 1_763_812_345_678 + seq / 7 };
      const meta = { channel: "quotes:S042", offset: seq * 3, epoch: "e-1", ts: 1_763_812_345_678 };
      const text = `42${JSON.stringify(["quote:update", data, meta])}`;
      const buf = Buffer.from(`xx${text}yy`);
      expect(parseQuoteAt(buf, 2, buf.length - 2)).toBe(true);
      expect(quote.symbol).toBe(42);
      expect(quote.seq).toBe(seq);
      expect(quote.sentAt).toBeCloseTo(data.sentAt, 3); // to the microsecond
      expect(quote.offset).toBe(seq * 3);
    }
    const plain = Buffer.from(`42${JSON.stringify(["quote:update", { symbol: "S001", seq: 9, sentAt: 12.5 }])}`);
    expect(parseQuoteAt(plain, 0, plain.length)).toBe(true);
    expect({ ...quote }).toEqual({ symbol: 1, seq: 9, sentAt: 12.5, offset: -1 });
    const other = Buffer.from('42["trade:update",{"seq":1}]');
    expect(parseQuoteAt(other, 0, other.length)).toBe(false);
  });

  it("receives the same packets, to the byte, as socket.io-client, one per write or coalesced", async () => {
    const gw = await gateway();
    const token = await gw.issueToken({ sub: "u1", tier: "operator" });
    const sio = io(gw.url, { auth: { token }, transports: ["websocket"], forceNew: true, reconnection: false });
    open.push(async () => sio.close());
    const sioPackets = [];
    const sioQuotes = [];
    sio.io.engine.on("packet", (p) => p.type === "message" && sioPackets.push(`4${p.data}`));
    sio.on("quote:update", (data, meta) => sioQuotes.push([data.symbol, data.seq, data.sentAt, meta.offset]));
    await new Promise((r) => sio.once("connected", r));

    const wireTexts = [];
    const wireQuotes = [];
    const wire = new WireClient({ url: gw.url, auth: { token }, onText: (t) => t.startsWith("4") && wireTexts.push(t), onQuote: (...q) => wireQuotes.push(q) });
    open.push(async () => wire.close());
    await wire.connect();

    const channels = ["quotes:S003", "quotes:S004", "trades"];
    const replyWire = await wire.emitWithAck("subscribe", { channels });
    const replySio = await sio.emitWithAck("subscribe", { channels });
    expect(replyWire.ok && replySio.ok).toBe(true);
    sioPackets.length = 0;
    wireTexts.length = 0;

    // One turn with many frames (coalesced into one write), then frames in separate turns.
    const walk3 = quoteWalk("S003", 1);
    const walk4 = quoteWalk("S004", 2);
    for (let seq = 1; seq <= 40; seq++) {
      void gw.publish({ channel: "quotes:S003", data: { ...walk3(seq), sentAt: 1000 + seq + 0.25 } });
      void gw.publish({ channel: "quotes:S004", data: { ...walk4(seq), sentAt: 2000 + seq + 0.5 } });
    }
    await gw.publish({ channel: "trades:u1", data: { tradeId: "t1", note: "é ✓ \"quoted\"" } });
    for (let seq = 41; seq <= 60; seq++) {
      await gw.publish({ channel: "quotes:S003", data: { ...walk3(seq), sentAt: 1000 + seq + 0.25 } });
      await new Promise((r) => setImmediate(r));
    }
    await until(() => sioQuotes.length === 100 && wireQuotes.length === 100 && sioPackets.length === 101 && wireTexts.length === 101);
    expect(wireTexts).toEqual(sioPackets);
    expect(wireQuotes).toEqual(sioQuotes.map(([symbol, seq, sentAt, offset]) => [Number(symbol.slice(1)), seq, sentAt, offset]));
    expect(sioQuotes.filter((q) => q[0] === "S003").map((q) => q[1])).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });
});
