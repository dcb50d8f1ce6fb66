// The servers every fan-out scenario runs against, side by side: Tickwire
// (optionally with a write window), plain Socket.IO 4 and the corked raw-`ws`
// ceiling. A target is one server child plus the load-generator pool holding
// its clients, and the last seq published on each symbol.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { LoadGen } from "./loadgen.mjs";
import { memoryOf } from "./proc.mjs";
import { startChild } from "./rpc.mjs";

const servers = new URL("../servers/", import.meta.url);

/** The kinds of server, by target name. */
export const KINDS = {
  tickwire: { module: new URL("tickwire-server.mjs", servers), label: "Tickwire", subscribe: (symbols) => ({ channels: symbols.map((s) => `quotes:${s}`) }) },
  socketio: { module: new URL("baseline-server.mjs", servers), label: "Socket.IO 4.8", subscribe: (symbols) => ({ symbols }) },
  ceiling: { module: new URL("ws-ceiling-server.mjs", servers), label: "corked ws", subscribe: (symbols) => ({ symbols }) },
};

/** Symbol names S000…: quote payloads carry them, the load generator reads the number back. */
export const symbolName = (i) => `S${String(i).padStart(3, "0")}`;

/**
 * The target names of a scenario: Tickwire, Tickwire with `windowMs` (when > 0),
 * Tickwire built from `beforeDist` (when given: a before/after comparison in the
 * same run), Socket.IO and the ceiling.
 */
export function targetNames(windowMs, beforeDist = "") {
  return ["tickwire", ...(windowMs > 0 ? ["tickwire-window"] : []), ...(beforeDist ? ["tickwire-before"] : []), "socketio", "ceiling"];
}

/** The label of a target in tables. */
export function labelOf(name, windowMs) {
  if (name === "tickwire-window") return `Tickwire, ${windowMs} ms window`;
  if (name === "tickwire-before") return "Tickwire (before)";
  return KINDS[name].label;
}

/**
 * Starts one target: its server child, and `clients` load-generator clients,
 * client i subscribed to `symbolsOf(i)` (indices), connected and subscribed.
 */
export async function openTarget(name, { clients, symbolCount, symbolsOf, windowMs = 0, workers = 2, firstAddress = 10, seed = 42, concurrency = 100, log = () => {}, execArgv = [], beforeDist = "" }) {
  const kind = KINDS[name.startsWith("tickwire") ? "tickwire" : name];
  const gateway = name === "tickwire-window" ? { writeWindowMs: { navigator: windowMs, participant: windowMs, builder: windowMs, operator: windowMs } } : undefined;
  const dist = name === "tickwire-before" ? beforeDist : undefined;
  const child = await startChild(kind.module, { seed, gateway, dist }, { execArgv });
  let pool;
  try {
    const tokens = await child.call("tokens", { prefix: `${name}-`, count: clients, tier: "operator" });
    await child.call("gc");
    const rssBefore = memoryOf(child.pid).rssKb;
    pool = await LoadGen.start(workers, { firstAddress });
    const specs = tokens.map((token, i) => {
      const symbols = symbolsOf(i);
      return { token, symbols, subscribe: kind.subscribe(symbols.map(symbolName)) };
    });
    const opened = await pool.open(child.info.url, specs, { symbols: symbolCount, concurrency });
    if (opened.failed > 0) throw new Error(`${name}: ${opened.failed} of ${clients} clients failed to connect: ${opened.firstError}`);
    await child.call("gc");
    const rssAfter = memoryOf(child.pid).rssKb;
    const subscribers = new Array(symbolCount).fill(0);
    for (const spec of specs) for (const s of spec.symbols) subscribers[s]++;
    log(`  ${labelOf(name, windowMs)}: ${clients} clients connected and subscribed in ${(opened.ms / 1000).toFixed(1)} s`);
    return {
      name,
      label: labelOf(name, windowMs),
      child,
      pool,
      subscribers,
      symbolCount,
      /** Last seq published per symbol. */
      seq: new Array(symbolCount).fill(0),
      connect: { ms: opened.ms, perSec: (clients * 1000) / opened.ms },
      memory: { rssBeforeKb: rssBefore, rssAfterKb: rssAfter, perConnectionKb: (rssAfter - rssBefore) / clients },
      async close() {
        await pool?.stop();
        await child.stop();
      },
    };
  } catch (err) {
    await pool?.stop();
    await child.stop();
    throw err;
  }
}

/**
 * The targets of a fan-out scenario (targetNames) opened with the bench's
 * options: `load` gives the clients, their symbols and the write window.
 */
export function openScenarioTargets(opts, log, { clients, symbolCount, symbolsOf, windowMs = 0 }) {
  return openTargets(targetNames(windowMs, opts.beforeDist), { clients, symbolCount, symbolsOf, windowMs, workers: opts.loadgenWorkers, seed: opts.seed, beforeDist: opts.beforeDist, log });
}

/** Opens every target (in order, so that only one connects at a time); closes the opened ones if one fails. */
export async function openTargets(names, options) {
  const out = [];
  try {
    for (let k = 0; k < names.length; k++) out.push(await openTarget(names[k], { ...options, firstAddress: 10 + k * (options.workers ?? 2) }));
    return out;
  } catch (err) {
    for (const t of out) await t.close();
    throw err;
  }
}

/** The order of run r: targets rotate so that a change of the machine's load hits each of them. */
export function rotation(targets, r) {
  const k = r % targets.length;
  return [...targets.slice(k), ...targets.slice(0, k)];
}

/**
 * With --cpu-prof: starts a CPU profile in every server (call it after the warm-up);
 * the returned function writes them as {server}-{scenario}.cpuprofile in profDir.
 */
export async function profileTargets(targets, opts, scenario) {
  if (!opts.cpuProf) return async () => [];
  mkdirSync(opts.profDir, { recursive: true });
  for (const t of targets) await t.child.call("startProfile");
  return () => Promise.all(targets.map((t) => t.child.call("stopProfile", { file: join(resolve(opts.profDir), `${t.name}-${scenario}.cpuprofile`) })));
}
