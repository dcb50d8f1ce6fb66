import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { TokenVerifier, type Gateway } from "@tickwire/server";
import { api, API_KEY, record, SECRET, TestBed, until } from "../helpers.js";
import { describeEachStore, inboxGateway, type Backing } from "./backends.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** The gateway as `npm start` runs it (packages/server/dist, built by `npm install` / `npm run build`), in its own process. */
async function startProcess(backing: Backing, children: ChildProcess[]): Promise<{ child: ChildProcess; remote: Gateway }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  const child = spawn(process.execPath, [CLI, "start"], {
    env: {
      ...process.env,
      NODE_ENV: "test",
      TICKWIRE_PORT: "0",
      TICKWIRE_HOST: "127.0.0.1",
      TICKWIRE_JWT_SECRET: SECRET,
      TICKWIRE_API_KEYS: API_KEY,
      TICKWIRE_SIMULATOR: "off",
      TICKWIRE_LOG_LEVEL: "info",
      ...backing.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"Tickwire listening"/.exec(output);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`gateway process exited (${code}) before listening:\n${output}`)));
  });
  // Only `url` is read by the helpers.
  return { child, remote: { url } as Gateway };
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describeEachStore("durability across a hard kill", (backend) => {
  const bed = new TestBed();
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map(kill));
    await bed.cleanup();
    await backend.cleanup();
  });

  it("keeps a notification accepted just before SIGKILL, and read state, after a restart", async () => {
    const backing = await backend.create(bed);
    const { child, remote } = await startProcess(backing, children);
    const token = await new TokenVerifier({ secret: SECRET }).sign({ sub: "alice", tier: "builder" });
    const send = (message: string) => api(remote, "POST", "/api/v1/notifications", { userId: "alice", type: "info", message }).then((r) => r.body.ids[0] as string);

    const read = await send("read before the crash");
    const kept = await send("unread before the crash");
    const { socket } = await bed.connect(remote.url, { token });
    expect(await socket.emitWithAck("notifications:ack", { ids: [read] })).toEqual({ ok: true, acknowledged: 1 });
    socket.close();
    const last = await send("accepted just before the kill");
    await kill(child); // no graceful shutdown, no checkpoint: what the API answered must be on disk
    expect(child.signalCode).toBe("SIGKILL");

    const { gw } = await inboxGateway(bed, backing);
    const listed = await api(gw, "GET", "/api/v1/notifications?userId=alice");
    expect(listed.body.unread).toBe(2);
    expect(listed.body.items.map((n: { id: string; read: boolean }) => [n.id, n.read])).toEqual([
      [last, false],
      [kept, false],
      [read, true],
    ]);

    const again = await bed.connectAs(gw, "alice");
    const seen = record(again, "notification:new");
    const reply = await again.emitWithAck("subscribe", { channels: ["notifications"] });
    expect(reply.subscribed[0].offset).toBe(3);
    await until(() => seen.length === 2);
    expect(seen.map((s) => [(s.payload as { id: string }).id, s.meta.offset])).toEqual([
      [kept, 2],
      [last, 3],
    ]);
  });
});
