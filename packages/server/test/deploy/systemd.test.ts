import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optionsOf, parseEnvFile, read, runs, seconds, SYSTEMD_ENV, SYSTEMD_UNIT, toolAvailable, unknownEnvNames } from "./kit.js";

/** A unit file's sections: every key with the values it is given, in order. */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = sections[section[1]!] = {};
      continue;
    }
    const eq = line.indexOf("=");
    if (!current || eq <= 0) throw new Error(`not a unit line: ${line}`);
    (current[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return sections;
}

const unit = parseUnit(read(SYSTEMD_UNIT));
const service = unit.Service!;
const value = (key: string): string | undefined => service[key]?.at(-1);
const envFile = parseEnvFile(read(SYSTEMD_ENV));
const options = optionsOf({ ...envFile, TICKWIRE_DATA_DIR: /^TICKWIRE_DATA_DIR=(.*)$/.exec(value("Environment") ?? "")?.[1] });

describe("deploy/systemd/tickwire.service", () => {
  it("runs the CLI as a dedicated user with its settings from an EnvironmentFile", () => {
    expect(value("User")).toBe("tickwire");
    expect(value("User")).not.toBe("root");
    expect(value("EnvironmentFile")).toBe("/etc/tickwire/tickwire.env");
    const exec = value("ExecStart")!.split(/\s+/);
    expect(exec[0]).toMatch(/^\/.*\/node$/);
    expect(exec.slice(1)).toEqual([`${value("WorkingDirectory")}/packages/server/dist/cli.js`, "start"]);
    expect(value("Restart")).toBe("on-failure");
    expect(unit.Install?.WantedBy).toEqual(["multi-user.target"]);
  });

  it("stops with SIGTERM and waits longer than the gateway's shutdown timeout", () => {
    expect(value("KillSignal")).toBe("SIGTERM");
    expect(seconds(value("TimeoutStopSec")!)).toBeGreaterThan(options.shutdownTimeoutMs / 1000);
  });

  it("allows a file descriptor per connection and keeps the data folder in its StateDirectory", () => {
    expect(Number(value("LimitNOFILE"))).toBeGreaterThanOrEqual(65536);
    expect(`/var/lib/${value("StateDirectory")}`).toBe(options.dataDir);
  });

  it("is hardened, without the options that break node", () => {
    for (const [key, want] of Object.entries({ NoNewPrivileges: "yes", ProtectSystem: "strict", ProtectHome: "yes", PrivateTmp: "yes", RestrictSUIDSGID: "yes" })) expect(value(key), key).toBe(want);
    expect(value("CapabilityBoundingSet")).toBe("");
    // V8's JIT writes executable memory: MemoryDenyWriteExecute=yes makes node crash.
    expect(value("MemoryDenyWriteExecute") ?? "no").toBe("no");
    const families = value("RestrictAddressFamilies")!.split(/\s+/);
    // AF_NETLINK: Fastify lists the network interfaces when it listens on 0.0.0.0.
    for (const f of ["AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"]) expect(families).toContain(f);
  });
});

describe("deploy/systemd/tickwire.env.example", () => {
  it("sets only variables the gateway reads, to a valid production configuration", () => {
    expect(unknownEnvNames(Object.keys(envFile))).toEqual([]);
    expect(options.mode).toBe("production");
    expect(options.host).toBe("127.0.0.1");
  });
});

const hasAnalyze = toolAvailable("systemd-analyze", runs("systemd-analyze", ["--version"]), "`systemd-analyze verify` of deploy/systemd/tickwire.service");

describe.runIf(hasAnalyze)("systemd-analyze verify", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  /** Verifies a copy whose ExecStart runs this machine's node (verify checks that it exists). */
  function verify(edit: (text: string) => string = (t) => t): { status: number | null; problems: string[] } {
    const dir = mkdtempSync(join(tmpdir(), "tickwire-unit-"));
    dirs.push(dir);
    const file = join(dir, "tickwire.service");
    writeFileSync(file, edit(read(SYSTEMD_UNIT).replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`)));
    const out = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8", timeout: 60_000 });
    // verify exits 0 on unknown keys and bad values, but reports them, naming the file.
    const problems = `${out.stdout}${out.stderr}`.split("\n").filter((l) => l.includes("tickwire.service"));
    return { status: out.status, problems };
  }

  it("finds nothing to report in the unit", () => {
    const out = verify();
    expect(out.problems).toEqual([]);
    expect(out.status).toBe(0);
  });

  it("reports a misspelt or bad setting (so the check above means something)", () => {
    expect(verify((t) => t.replace("NoNewPrivileges=yes", "NoNewPrivilegez=yes")).problems.join("\n")).toContain("NoNewPrivilegez");
    expect(verify((t) => t.replace("KillSignal=SIGTERM", "KillSignal=SIGNOPE")).problems.join("\n")).toContain("SIGNOPE");
  });
});
