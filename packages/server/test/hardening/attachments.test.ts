import { afterEach, describe, expect, it, vi } from "vitest";
import { record, TestBed } from "../helpers.js";

// Hardening review, defect 5: a ping with ten 1 MiB binary attachments cost
// most of a second of server time before PAYLOAD_TOO_LARGE, because the size check
// turned every Buffer into a JSON array of numbers.
const bed = new TestBed();
afterEach(() => {
  vi.restoreAllMocks();
  return bed.cleanup();
});

const MiB = 1024 * 1024;

describe("binary attachments", () => {
  it("counts attachments by their length: ten of 1 MiB are PAYLOAD_TOO_LARGE without a Buffer ever being stringified", async () => {
    const gw = await bed.gateway({ maxFrameBytes: 2 * MiB });
    const socket = await bed.connectAs(gw, "mallory");
    const toJSON = vi.spyOn(Buffer.prototype, "toJSON");
    const attachments = Array.from({ length: 10 }, (_, i) => Buffer.alloc(MiB, i));
    expect(await socket.emitWithAck("ping", { timestamp: attachments })).toEqual({
      ok: false,
      error: { code: "PAYLOAD_TOO_LARGE", message: "The payload is larger than 65536 bytes." },
    });
    expect(toJSON).not.toHaveBeenCalled();
    // One attachment of 70 KB alone is over the limit too; under it, binary passes admission.
    expect(await socket.emitWithAck("ping", { timestamp: Buffer.alloc(70_000) })).toMatchObject({ ok: false, error: { code: "PAYLOAD_TOO_LARGE" } });
    expect(await socket.emitWithAck("subscribe", { channels: [Buffer.alloc(10)] })).toEqual({
      ok: false,
      error: { code: "BAD_REQUEST", message: "Invalid request: channels.0 must be string." },
    });
    expect(toJSON).not.toHaveBeenCalled();
  });

  it("keeps answering other clients while one sends the largest attachments it may", async () => {
    const gw = await bed.gateway();
    const mallory = await bed.connectAs(gw, "mallory");
    const alice = await bed.connectAs(gw, "alice");
    const errors = record(mallory, "error");
    // Without acknowledgements: each refusal comes back as an `error` event.
    for (let i = 0; i < 5; i++) mallory.emit("ping", { timestamp: Array.from({ length: 10 }, () => Buffer.alloc(MiB - 1024)) });
    expect(await alice.emitWithAck("ping", {})).toMatchObject({ ok: true });
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBe(5);
    expect(errors.map((e) => e.payload)).toEqual(
      Array.from({ length: 5 }, () => ({ code: "PAYLOAD_TOO_LARGE", message: "The payload is larger than 65536 bytes.", event: "ping" })),
    );
  });
});
