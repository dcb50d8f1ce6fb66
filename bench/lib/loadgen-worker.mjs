// Load-generator child process: holds a share of the clients (raw-WebSocket
// Socket.IO clients, wire-client.mjs), checks every quote they receive (each
// symbol's seq once and in order, and on Tickwire meta.offset === seq), records
// latency, and answers the parent over IPC (lib/loadgen.mjs drives it).
import { Histogram } from "./histogram.mjs";
import { nowMs } from "./proc.mjs";
import { serve } from "./rpc.mjs";
import { WireClient } from "./wire-client.mjs";

let clients = [];
let specs = [];
let symbolCount = 1;
/** Next expected seq per (client, symbol); -1 where the client is not subscribed. */
let next = new Int32Array(0);
const hist = new Histogram();
let recording = false;
let received = 0;
let gaps = 0;
let dups = 0;
let offsetMismatch = 0;
let closedUnexpectedly = 0;
let lastReceiveAt = 0;

function onQuote(i) {
  const base = i * symbolCount;
  return (symbol, seq, sentAt, offset) => {
    const t = nowMs();
    received++;
    lastReceiveAt = t;
    const k = base + symbol;
    const expected = next[k];
    if (expected < 0) {
      gaps++; // a symbol this client never subscribed to
      return;
    }
    if (seq === expected) next[k] = seq + 1;
    else if (seq < expected) dups++;
    else {
      gaps += seq - expected;
      next[k] = seq + 1;
    }
    if (offset >= 0 && offset !== seq) offsetMismatch++;
    if (recording) hist.add(t - sentAt);
  };
}

/** Runs `fn(i)` for every index with at most `concurrency` in flight (all at once with 0). */
async function bounded(count, concurrency, fn) {
  let at = 0;
  const worker = async () => {
    while (at < count) await fn(at++);
  };
  await Promise.all(Array.from({ length: concurrency > 0 ? Math.min(concurrency, count) : count }, worker));
}

function newClient(i, url, localAddress) {
  const spec = specs[i];
  const client = new WireClient({
    url,
    auth: { token: spec.token },
    localAddress,
    onQuote: onQuote(i),
    onEvent: spec.trades ? onTrade(i) : undefined,
    onClose: (wasConnected) => {
      if (wasConnected && !client.expectClose) closedUnexpectedly++;
    },
  });
  return client;
}

// Event-channel clients (reconnect storm): offsets of their trades channel.
let trades = [];

function onTrade(i) {
  return (name, args) => {
    if (name !== "trade:update") return;
    const t = trades[i];
    const offset = args[1]?.offset;
    if (offset === t.last + 1) t.last = offset;
    else t.disorder++;
    t.count++;
  };
}

serve(
  { pid: process.pid },
  {
    /**
     * Connects `clients` ({ token, subscribe, symbols?, trades? }) to `url`, `concurrency` at a time,
     * and subscribes each; resolves with how long it took and what failed.
     */
    async open({ url, localAddress, clients: list, symbols = 1, concurrency = 50 }) {
      specs = list;
      symbolCount = symbols;
      next = new Int32Array(list.length * symbols).fill(-1);
      trades = list.map(() => ({ last: 0, count: 0, disorder: 0, epoch: undefined }));
      clients = new Array(list.length);
      let failed = 0;
      let firstError;
      const t0 = performance.now();
      await bounded(list.length, concurrency, async (i) => {
        try {
          const client = newClient(i, url, localAddress);
          clients[i] = client;
          await client.connect();
          const reply = await client.emitWithAck("subscribe", list[i].subscribe);
          if (!reply?.ok || reply.failed?.length) throw new Error(`subscribe refused: ${JSON.stringify(reply)}`);
          if (list[i].trades) {
            trades[i].epoch = reply.subscribed[0].epoch;
            trades[i].last = reply.subscribed[0].offset;
          }
          for (const s of list[i].symbols ?? []) next[i * symbols + s] = 0;
        } catch (err) {
          failed++;
          firstError ??= String(err?.message ?? err);
        }
      });
      return { ms: performance.now() - t0, connected: list.length - failed, failed, firstError };
    },

    /** Starts a measured phase: the next seq expected of each symbol, counters and latencies from zero. */
    reset({ start, record = true }) {
      for (let i = 0; i < clients.length; i++) {
        for (let s = 0; s < symbolCount; s++) if (next[i * symbolCount + s] >= 0) next[i * symbolCount + s] = start[s];
      }
      received = gaps = dups = offsetMismatch = 0;
      hist.reset();
      recording = record;
      return true;
    },

    counts() {
      return { received, gaps, dups, offsetMismatch, closedUnexpectedly, lastReceiveAt };
    },

    /** Counters, what is still missing against `target` (the next seq each symbol should be at), and the latencies. */
    result({ target }) {
      let missing = 0;
      for (let i = 0; i < clients.length; i++) {
        for (let s = 0; s < symbolCount; s++) {
          const n = next[i * symbolCount + s];
          if (n >= 0 && n < target[s]) missing += target[s] - n;
        }
      }
      recording = false;
      return { received, gaps, dups, offsetMismatch, closedUnexpectedly, missing, lastReceiveAt, latency: hist.toJSON() };
    },

    /** Trades channel positions (reconnect storm). */
    positions() {
      return trades.map((t) => ({ last: t.last, epoch: t.epoch, count: t.count, disorder: t.disorder }));
    },

    /** Resolves once every client's connection is closed (the server went away), or after `timeoutMs`. */
    async waitClosed({ timeoutMs = 30_000 }) {
      const until = performance.now() + timeoutMs;
      while (clients.some((c) => c && !c.closed) && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
      return clients.filter((c) => c && !c.closed).length;
    },

    /**
     * Reconnects every client at once, at wall-clock `at` (ms), and subscribes
     * again: trades clients with `since` their last offset, expecting `replayed`
     * trades before the reply. Resolves with when each client was done.
     */
    async reconnect({ url, localAddress, at, replayed }) {
      const done = new Histogram();
      let failed = 0;
      let firstError;
      let notRecovered = 0;
      let disorder = 0;
      const delay = Math.max(0, at - nowMs());
      await new Promise((r) => setTimeout(r, delay));
      const start = nowMs();
      await bounded(clients.length, 0, async (i) => {
        const spec = specs[i];
        const t = trades[i];
        try {
          const client = newClient(i, url, localAddress);
          clients[i] = client;
          await client.connect();
          const before = t.last;
          t.count = 0;
          const payload = spec.trades ? { channels: [{ channel: "trades", since: { offset: t.last, epoch: t.epoch } }] } : spec.subscribe;
          const reply = await client.emitWithAck("subscribe", payload);
          if (!reply?.ok || reply.failed?.length) throw new Error(`subscribe refused: ${JSON.stringify(reply)}`);
          if (spec.trades) {
            const s = reply.subscribed[0];
            if (s.recovered !== true || s.replayed !== replayed || t.count !== replayed || t.last !== before + replayed) notRecovered++;
            if (t.disorder > 0) disorder++;
          }
          done.add(nowMs() - start);
        } catch (err) {
          failed++;
          firstError ??= String(err?.message ?? err);
        }
      });
      return { startedAt: start, lateStartMs: start - at, failed, firstError, notRecovered, disorder, done: done.toJSON() };
    },

    /** Closes every client (expected: not counted as an unexpected close). */
    closeAll() {
      for (const c of clients) {
        if (!c) continue;
        c.expectClose = true;
        c.close();
      }
      return true;
    },

    /** Marks the coming closes as expected (the server is being stopped). */
    expectClose() {
      for (const c of clients) if (c) c.expectClose = true;
      return true;
    },
  },
  () => {
    for (const c of clients) c?.close();
  },
);
