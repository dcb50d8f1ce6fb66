import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { TestBed } from "../helpers.js";
import { copiesOf, DOCKERFILE, dockerIgnored, envOf, execForm, exists, healthcheckOf, HEALTHCHECK_SCRIPT, optionsOf, parseDockerfile, path, read, unknownEnvNames } from "./kit.js";

const { stages } = parseDockerfile(read(DOCKERFILE));
const build = stages.find((s) => s.name === "build");
const runtime = stages[stages.length - 1]!;
const runs = (stage: typeof runtime): string => stage.instructions.filter((i) => i.cmd === "RUN").map((i) => i.args).join("\n");
const last = (stage: typeof runtime, cmd: string): string | undefined => stage.instructions.filter((i) => i.cmd === cmd).at(-1)?.args;

describe("deploy/Dockerfile", () => {
  it("has a build stage with better-sqlite3's toolchain and a runtime stage on the same base image", () => {
    expect(stages.map((s) => s.name)).toEqual(["build", "runtime"]);
    expect(build).toBeDefined();
    // The native addon compiled in `build` must load in `runtime`: same Node, same libc.
    expect(runtime.image).toBe(build!.image);
    expect(runtime.image).toMatch(/^node:20[-.\w]*-bookworm-slim$/);
    const buildRuns = runs(build!);
    for (const pkg of ["python3", "make", "g++"]) expect(buildRuns).toMatch(new RegExp(`apt-get install[^\\n]*\\s${pkg.replace("+", "\\+")}(\\s|$)`));
    expect(buildRuns).toContain("npm ci");
    expect(buildRuns).toContain("npm rebuild better-sqlite3");
    expect(buildRuns).toContain("npm run build");
    expect(buildRuns).toMatch(/npm prune --omit=dev/);
    // The image checks that the addon it ships loads.
    expect(buildRuns).toMatch(/require\('better-sqlite3'\)/);
  });

  it("copies every workspace's manifest before `npm ci`, so the lock file installs as is", () => {
    // The root package.json's workspaces are `folder/*` patterns.
    const workspaces = (JSON.parse(read("package.json")) as { workspaces: string[] }).workspaces;
    const manifests = workspaces.flatMap((pattern) => {
      expect(pattern).toMatch(/^[\w-]+\/\*$/);
      const folder = pattern.slice(0, -2);
      return readdirSync(path(folder))
        .map((name) => `${folder}/${name}/package.json`)
        .filter((manifest) => existsSync(join(path("."), manifest)));
    });
    expect(manifests.length).toBeGreaterThanOrEqual(4);
    const steps = build!.instructions;
    const install = steps.findIndex((i) => i.cmd === "RUN" && i.args.includes("npm ci"));
    const before = steps.slice(0, install).filter((i) => i.cmd === "COPY");
    const copied = before.flatMap((i) => copiesOf({ ...build!, instructions: [i] })[0]!.sources);
    for (const manifest of [...manifests, "package.json", "package-lock.json"]) expect(copied, manifest).toContain(manifest);
    // The sources come after the install, so editing them does not invalidate the dependency layer.
    expect(copied).not.toContain("packages/");
    const sourcesAt = steps.findIndex((i) => i.cmd === "COPY" && i.args.startsWith("packages/ "));
    expect(sourcesAt).toBeGreaterThan(install);
  });

  it("runs the gateway as a non-root user with production settings only", () => {
    const user = last(runtime, "USER");
    expect(user).toBeDefined();
    const [uid] = user!.split(":");
    expect(uid).toMatch(/^\d+$/); // numeric, so Kubernetes' runAsNonRoot can check it
    expect(Number(uid)).toBeGreaterThan(0);
    const runtimeRuns = runs(runtime);
    for (const tool of ["g++", "make", "python3", "npm ci", "npm install"]) expect(runtimeRuns).not.toContain(tool);
    const env = envOf(runtime);
    expect(env.NODE_ENV).toBe("production");
    expect(unknownEnvNames(Object.keys(env))).toEqual([]);
    // What the image sets is a valid configuration once the secrets are given.
    const options = optionsOf({ ...env, TICKWIRE_JWT_SECRET: "0123456789abcdef0123", TICKWIRE_API_KEYS: "k" });
    expect(options.mode).toBe("production");
    expect(options.host).toBe("0.0.0.0");
    expect(last(runtime, "EXPOSE")).toBe(String(options.port));
  });

  it("ships the production dependencies, the built packages and the built dashboard", () => {
    const fromBuild = copiesOf(runtime).filter((c) => c.from === "build");
    const sources = fromBuild.flatMap((c) => c.sources);
    for (const needed of ["/src/node_modules/", "/src/packages/protocol/dist/", "/src/packages/server/dist/", "/src/apps/dashboard/dist/"]) expect(sources).toContain(needed);
    // Nothing but build output and manifests comes from the build stage (no sources, no tests).
    for (const s of sources) expect(s).toMatch(/(\/dist\/|\/node_modules\/|\/bin\/|package\.json)$/);
    const env = envOf(runtime);
    const dashboard = fromBuild.find((c) => c.sources.includes("/src/apps/dashboard/dist/"))!;
    expect(`${last(runtime, "WORKDIR")}/${dashboard.dest}`.replace(/\/+$/, "")).toBe(env.TICKWIRE_DASHBOARD_DIR);
    // The command is the CLI the server package builds.
    const cmd = execForm(last(runtime, "CMD")!);
    expect(cmd).toEqual(["node", "packages/server/dist/cli.js", "start"]);
    expect(exists("packages/server/dist/cli.js")).toBe(true);
  });

  it("stops node with SIGTERM through tini, keeps data in a volume and checks /healthz", () => {
    expect(last(runtime, "STOPSIGNAL")).toBe("SIGTERM");
    expect(runs(runtime)).toMatch(/apt-get install[^\n]*\stini(\s|$)/);
    const entrypoint = execForm(last(runtime, "ENTRYPOINT")!);
    expect(entrypoint[0]).toBe("/usr/bin/tini");
    expect(entrypoint).toContain("--");
    const volume = execForm(last(runtime, "VOLUME")!);
    expect(volume).toEqual([envOf(runtime).TICKWIRE_DATA_DIR]);
    expect(runs(runtime)).toContain(`chown tickwire:tickwire ${volume[0]}`);
    const hc = healthcheckOf(runtime);
    expect(hc.slice(0, 2)).toEqual(["node", "/app/healthcheck.mjs"]);
    expect(hc[2]).toBe("/healthz");
    const copied = copiesOf(runtime).find((c) => c.sources.includes(HEALTHCHECK_SCRIPT));
    expect(copied).toBeDefined();
    expect(`${last(runtime, "WORKDIR")}/${copied!.dest.replace(/^\.\//, "")}`).toBe(hc[1]);
  });

  it("copies from the build context only what exists and .dockerignore lets through", () => {
    const ignore = read(".dockerignore");
    const fromContext = stages.flatMap((s) => copiesOf(s).filter((c) => c.from === undefined).flatMap((c) => c.sources));
    expect(fromContext.length).toBeGreaterThan(5);
    for (const source of fromContext) {
      expect(exists(source), source).toBe(true);
      expect(dockerIgnored(ignore, source), `${source} is excluded by .dockerignore`).toBe(false);
    }
    for (const kept of ["packages/server/src/cli.ts", "apps/dashboard/index.html", "apps/dashboard/src/app.tsx", "tsconfig.base.json"]) {
      expect(dockerIgnored(ignore, kept), kept).toBe(false);
    }
    // Local builds, state and secrets never enter the context.
    for (const left of ["node_modules/vite/package.json", "packages/server/node_modules/x", "packages/server/dist/cli.js", "apps/dashboard/dist/index.html", ".git/HEAD", ".env", "deploy/compose/.env", "deploy/compose/certs/tls.key", "data/tickwire.db", "packages/server/tsconfig.tsbuildinfo"]) {
      expect(dockerIgnored(ignore, left), left).toBe(true);
    }
  });
});

describe("deploy/docker/healthcheck.mjs (the image's HEALTHCHECK)", () => {
  const bed = new TestBed();
  afterAll(() => bed.cleanup());
  // Asynchronous: the gateway answering it runs in this process.
  const check = (port: number, route: string): Promise<{ status: number | null; stderr: string }> =>
    new Promise((done) => {
      execFile(process.execPath, [path(HEALTHCHECK_SCRIPT), route], { env: { ...process.env, TICKWIRE_PORT: String(port) }, timeout: 10_000 }, (err, _stdout, stderr) => {
        done({ status: err === null ? 0 : typeof err.code === "number" ? err.code : null, stderr });
      });
    });

  it("exits 0 while a gateway answers /healthz and /readyz, 1 on an error status", async () => {
    const gw = await bed.gateway();
    expect((await check(gw.port, "/healthz")).status).toBe(0);
    expect((await check(gw.port, "/readyz")).status).toBe(0);
    const missing = await check(gw.port, "/no-such-route");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("HTTP 404");
  });

  it("exits 1 when nothing listens", async () => {
    const server = createServer();
    const port = await new Promise<number>((resolvePort) => server.listen(0, "127.0.0.1", () => resolvePort((server.address() as { port: number }).port)));
    await new Promise<void>((done) => server.close(() => done()));
    const out = await check(port, "/healthz");
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("/healthz");
  });
});
