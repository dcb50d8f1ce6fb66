// In-process V8 CPU profiler for the server children: started and stopped by the
// bench around the measured runs only (setup, token signing and connects left out).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

let session;

/** Starts sampling (100 µs interval). */
export async function startProfile() {
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
}

/** Stops sampling and writes a .cpuprofile (open it in Chrome DevTools or bench/profile-summary.mjs). */
export async function stopProfile(file) {
  if (!session) return undefined;
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  session = undefined;
  writeFileSync(file, JSON.stringify(profile));
  return file;
}
