// One subscriber of the multi-node benchmark, the same for Tickwire and plain
// Socket.IO: a socket.io-client on one node, on every channel, keeping what each
// server lets it check. Both: the publisher's `seq` per channel (a publication
// after a later one, a gap, a duplicate, what never arrived) and latency from the publisher's send time. Tickwire only: offsets
// and epochs (what recovery and the fault checks need) and `resync`s.
import { io } from "socket.io-client";

/** The event both systems deliver a `feed:{key}` publication as. */
export const EVENT = "feed:event";

export class Subscriber {
  constructor(user, node, channels) {
    this.user = user;
    this.node = node;
    this.channels = channels;
    this.seen = new Map(channels.map((c) => [c, new Map()])); // channel -> epoch -> offsets[]
    this.last = new Map(); // channel -> { offset, epoch }
    this.lastSeq = new Map(); // channel -> highest seq received
    this.seqs = new Map(channels.map((c) => [c, new Set()])); // channel -> every seq received
    this.firstSeq = new Map(); // channel -> the first seq received: a live subscription is owed everything from it on
    this.first = new Map(); // channel -> { offset, epoch } of the first delivery: what a live subscription starts from
    this.resyncs = new Map(channels.map((c) => [c, 0]));
    this.offsetErrors = 0;
    this.seqBackwards = 0;
    this.seqDuplicates = 0;
    this.seqGaps = 0;
    this.latencies = [];
    this.crossLatencies = [];
    this.deliveries = 0;
    this.live = true;
  }

  /** Connects to node `nodeIndex` of `urls` and subscribes to every channel (with `since`: resuming where it was). */
  async connect(urls, nodeIndex, token, { since = false } = {}) {
    await this.open(urls, nodeIndex, token);
    return this.subscribe({ since });
  }

  /** Connects to node `nodeIndex` of `urls`, without subscribing yet. */
  async open(urls, nodeIndex, token) {
    this.node = nodeIndex;
    const socket = io(urls[nodeIndex], { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
    this.socket = socket;
    await new Promise((ok, fail) => {
      socket.once("connected", ok);
      socket.once("connect_error", fail);
    });
    socket.on("resync", ({ channel }) => this.resyncs.set(channel, (this.resyncs.get(channel) ?? 0) + 1));
    socket.on(EVENT, (data, meta) => this.receive(data, meta));
  }

  /** Subscribes to every channel; with `since`, from the last offset seen of each (Tickwire's recovery). */
  async subscribe({ since = false } = {}) {
    const items = this.channels.map((channel) => (since && this.last.get(channel) ? { channel, since: this.last.get(channel) } : channel));
    const reply = await this.socket.emitWithAck("subscribe", { channels: items });
    if (reply.failed?.length) throw new Error(`subscribe failed: ${JSON.stringify(reply.failed)}`);
    return reply.subscribed;
  }

  receive(data, meta) {
    const channel = meta.channel;
    const prev = this.lastSeq.get(channel);
    if (prev !== undefined) {
      if (data.seq < prev) this.seqBackwards++;
      else if (data.seq === prev) this.seqDuplicates++;
      else if (data.seq > prev + 1) this.seqGaps += data.seq - prev - 1;
    }
    if (prev === undefined || data.seq > prev) this.lastSeq.set(channel, data.seq);
    if (!this.firstSeq.has(channel)) this.firstSeq.set(channel, data.seq);
    this.seqs.get(channel).add(data.seq);
    if (meta.offset !== undefined) {
      const byEpoch = this.seen.get(channel);
      const list = byEpoch.get(meta.epoch) ?? [];
      byEpoch.set(meta.epoch, list);
      const last = this.last.get(channel);
      if (last && last.epoch === meta.epoch && meta.offset !== last.offset + 1) this.offsetErrors++;
      list.push(meta.offset);
      if (!this.first.has(channel)) this.first.set(channel, { offset: meta.offset, epoch: meta.epoch });
      this.last.set(channel, { offset: meta.offset, epoch: meta.epoch });
    }
    this.deliveries++;
    if (this.live) {
      const ms = Date.now() - data.t;
      this.latencies.push(ms);
      if (data.n !== this.node) this.crossLatencies.push(ms);
    }
  }

  /** Publications of `channel` up to `lastPublished` this subscriber never received, from its first one on. */
  missing(channel, lastPublished) {
    const first = this.firstSeq.get(channel);
    if (first === undefined) return lastPublished;
    return Math.max(0, lastPublished - first + 1 - this.seqs.get(channel).size);
  }

  /** The first few seqs of `channel` up to `lastPublished` never received (what `missing` counts). */
  missingSeqs(channel, lastPublished, limit = 5) {
    const out = [];
    const got = this.seqs.get(channel);
    for (let q = this.firstSeq.get(channel) ?? 1; q <= lastPublished && out.length < limit; q++) if (!got.has(q)) out.push(q);
    return out;
  }

  /** Starts a measured phase: latencies from now on, and the delivery count to diff against. */
  mark() {
    this.latencies = [];
    this.crossLatencies = [];
    return this.deliveries;
  }

  close() {
    this.socket?.close();
  }
}
