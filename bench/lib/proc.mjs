// Process measurements read from /proc (Linux) and process.cpuUsage.
import { readFileSync } from "node:fs";

/** VmRSS and VmHWM of a process in KiB, from /proc/<pid>/status; undefined fields when /proc is unavailable. */
export function memoryOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
      return m ? Number(m[1]) : undefined;
    };
    return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
  } catch {
    return { rssKb: undefined, hwmKb: undefined };
  }
}

/** A CPU-time mark of this process: diff two with `cpuSince`. */
export function cpuMark() {
  return { cpu: process.cpuUsage(), at: performance.now() };
}

/** CPU ms (user + system) and wall ms since `mark`. */
export function cpuSince(mark) {
  const d = process.cpuUsage(mark.cpu);
  return { userMs: d.user / 1000, systemMs: d.system / 1000, cpuMs: (d.user + d.system) / 1000, wallMs: performance.now() - mark.at };
}

/** Wall-clock time in ms with sub-ms resolution, comparable between processes of one machine. */
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

/** Aggregate CPU jiffies of the machine from /proc/stat (busy, total), or undefined off Linux. */
export function machineMark() {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = v[3] + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    // irq and softirq: on loopback much of TCP's receive path runs there, charged to no process.
    return { busy: total - idle, total, irq: (v[5] ?? 0) + (v[6] ?? 0) };
  } catch {
    return undefined;
  }
}

/** Busy CPU of the whole machine since `mark`, in % of one core (2 busy cores = 200). */
export function machineBusySince(mark, cores) {
  const now = machineMark();
  if (!mark || !now || now.total === mark.total) return undefined;
  return ((now.busy - mark.busy) / (now.total - mark.total)) * 100 * cores;
}

/** Interrupt and softirq CPU of the machine since `mark`, in % of one core (kernel network work on loopback). */
export function machineIrqSince(mark, cores) {
  const now = machineMark();
  if (!mark || !now || now.total === mark.total) return undefined;
  return ((now.irq - mark.irq) / (now.total - mark.total)) * 100 * cores;
}

/**
 * Measures what the rest of the machine used while a phase ran: start it, then
 * `stop(childCpuMs)` gives other processes' CPU in % of one core (this process
 * and the measured child are subtracted). The noise figure of a shared machine.
 */
export function noiseMeter(cores) {
  const machine = machineMark();
  const own = process.cpuUsage();
  const at = performance.now();
  return {
    stop(childCpuMs) {
      const wallMs = performance.now() - at;
      const busy = machineBusySince(machine, cores);
      const d = process.cpuUsage(own);
      const ownMs = (d.user + d.system) / 1000;
      return {
        wallMs,
        loadgenCpuPct: (ownMs / wallMs) * 100,
        otherCpuPct: busy === undefined ? undefined : Math.max(0, busy - ((ownMs + childCpuMs) / wallMs) * 100),
      };
    },
  };
}

/** CPU ms (user + system) a process used so far, from /proc/<pid>/stat; 0 off Linux or once it is gone. */
export function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the line (11 and 12 after the command), in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
