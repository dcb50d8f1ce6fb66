import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchProject, packAll, PACKAGES, run, runJson, serve, TSC, type PackageName, type PackedPackage, type Served } from "./scratch-project.js";

/*
 * What an outside project sees: the three packages packed with `npm pack`,
 * installed together from their tarballs into a fresh app outside the
 * repository, compiled there under strict TypeScript without skipLibCheck, and
 * run: a server from the server tarball, the SDK and the React hooks (on React
 * 18.3) from the client tarball, publications over the HTTP API.
 */

interface Manifest {
  name: string;
  version: string;
  type?: string;
  sideEffects?: boolean;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  bin?: Record<string, string>;
}

let root: string;
let app: string;
let packed: Map<PackageName, PackedPackage>;
const manifest = (name: PackageName): Manifest => JSON.parse(readFileSync(join(app, "node_modules", name, "package.json"), "utf8")) as Manifest;
const installed = (name: PackageName, ...path: string[]) => join(app, "node_modules", name, ...path);

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "tickwire-packaging-"));
  app = join(root, "app");
  packed = await packAll(join(root, "tarballs"));
  await createScratchProject(app, PACKAGES.map((name) => packed.get(name)!.path));
}, 300_000);

// The scratch project holds a whole node_modules: removing it takes long on a loaded machine.
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
}, 120_000);

describe("the tarballs", () => {
  it("hold the built entry points, their declarations and sources, and no tests or build state", () => {
    const expected: Record<PackageName, string[]> = {
      "@tickwire/protocol": ["dist/index.js", "dist/index.d.ts", "dist/core.js", "dist/core.d.ts", "src/index.ts", "src/core.ts"],
      "@tickwire/client": ["dist/index.js", "dist/index.d.ts", "dist/react/index.js", "dist/react/index.d.ts", "src/index.ts", "src/react/index.ts"],
      "@tickwire/server": ["dist/index.js", "dist/index.d.ts", "dist/cli.js", "bin/tickwire.js", "src/index.ts"],
    };
    for (const name of PACKAGES) {
      const files = packed.get(name)!.files;
      expect(files, name).toEqual(expect.arrayContaining(["package.json", "README.md", ...expected[name]]));
      expect(files.filter((f) => /(^|\/)test\/|\.test\.|tsbuildinfo/.test(f)), name).toEqual([]);
    }
  });

  it("are ESM with types for every entry point, and the browser packages are free of side effects", () => {
    for (const name of PACKAGES) {
      const m = manifest(name);
      expect(m.type, name).toBe("module");
      for (const [subpath, target] of Object.entries(m.exports)) {
        if (subpath === "./package.json") continue;
        expect(target, `${name} ${subpath}`).toEqual({ types: expect.stringMatching(/\.d\.ts$/), default: expect.stringMatching(/\.js$/) });
        if (typeof target !== "string") expect(existsSync(installed(name, target.types)) && existsSync(installed(name, target.default)), `${name} ${subpath}`).toBe(true);
      }
    }
    expect(Object.keys(manifest("@tickwire/protocol").exports)).toEqual([".", "./core", "./package.json"]);
    expect(Object.keys(manifest("@tickwire/client").exports)).toEqual([".", "./react", "./package.json"]);
    expect([manifest("@tickwire/protocol").sideEffects, manifest("@tickwire/client").sideEffects]).toEqual([false, false]);
  });

  it("depend on each other by exact version, accept React 18 and later, and run no install scripts", () => {
    const version = (name: PackageName) => manifest(name).version;
    expect(manifest("@tickwire/client").dependencies?.["@tickwire/protocol"]).toBe(version("@tickwire/protocol"));
    expect(manifest("@tickwire/server").dependencies?.["@tickwire/protocol"]).toBe(version("@tickwire/protocol"));
    expect(manifest("@tickwire/client").peerDependencies).toEqual({ react: ">=18" });
    for (const name of PACKAGES) expect(Object.keys(manifest(name).scripts ?? {}).filter((s) => /^(pre|post)?install$/.test(s)), name).toEqual([]);
  });
});

describe("installed together into a fresh project", () => {
  it("resolve to one copy of each package with every dependency met", async () => {
    const tree = JSON.parse(await run("npm", ["ls", "--all", "--json"], { cwd: app, timeoutMs: 60_000 })) as {
      dependencies: Record<string, { version: string; resolved?: string; dependencies?: Record<string, unknown> }>;
    };
    for (const name of PACKAGES) {
      expect(tree.dependencies[name]?.version, name).toBe("0.1.0");
      expect(existsSync(installed(name, "node_modules", "@tickwire")), `${name} has no nested copy of a sibling`).toBe(false);
    }
  });

  it("compile under strict TypeScript with skipLibCheck off: Node code on the server and the SDK, browser code on the SDK and the hooks (React 18 types)", async () => {
    // tsconfig.node.json: NodeNext, types ["node"]; tsconfig.browser.json: Bundler, types [] (no Node types), JSX.
    await run(process.execPath, [TSC, "-p", "tsconfig.node.json"], { cwd: app, timeoutMs: 120_000 });
    await run(process.execPath, [TSC, "-p", "tsconfig.browser.json"], { cwd: app, timeoutMs: 120_000 });
    const browserFiles = await run(process.execPath, [TSC, "-p", "tsconfig.browser.json", "--listFilesOnly"], { cwd: app, timeoutMs: 60_000 });
    expect(browserFiles).toContain("node_modules/@tickwire/client/dist/react/index.d.ts");
    expect(browserFiles).not.toContain("node_modules/@types/node/");
  }, 240_000);

  it("publish declarations that import only dependencies with types (none of pg, better-sqlite3, opossum, ws, typed by dev-only @types)", () => {
    const builtins = new Set(builtinModules);
    /** True when an installed package has its own declarations. */
    const shipsTypes = (pkg: string) => {
      const m = JSON.parse(readFileSync(join(app, "node_modules", pkg, "package.json"), "utf8")) as Record<string, unknown>;
      return m.types !== undefined || m.typings !== undefined || JSON.stringify(m.exports ?? {}).includes('"types"') || existsSync(join(app, "node_modules", pkg, "index.d.ts"));
    };
    for (const name of PACKAGES) {
      const m = manifest(name);
      const deps = new Set(Object.keys(m.dependencies ?? {}));
      const typesOf = (pkg: string) => `@types/${pkg.replace(/^@([^/]+)\//, "$1__")}`;
      // A peer (react) comes with its types from the app that installs it (@types/react).
      const allowed = new Set([...[...deps].filter((pkg) => shipsTypes(pkg) || deps.has(typesOf(pkg))), ...Object.keys(m.peerDependencies ?? {})]);
      const offending: string[] = [];
      for (const file of filesUnder(installed(name, "dist"), ".d.ts")) {
        const text = readFileSync(file, "utf8");
        for (const [, spec] of text.matchAll(/(?:from\s+|import\(\s*|reference types=)"([^"]+)"/g)) {
          if (spec!.startsWith(".")) continue;
          const pkg = spec!.startsWith("@") ? spec!.split("/").slice(0, 2).join("/") : spec!.split("/")[0]!;
          const builtin = spec!.startsWith("node:") || builtins.has(pkg);
          // Node's own modules are fine for the server, never for the browser packages.
          if (builtin ? name !== "@tickwire/server" : !allowed.has(pkg)) offending.push(`${file.slice(app.length)}: ${spec}`);
        }
      }
      expect(offending, name).toEqual([]);
    }
  });

  it("ship source maps and declaration maps whose sources ship too", () => {
    let maps = 0;
    const missing: string[] = [];
    for (const name of PACKAGES) {
      for (const map of filesUnder(installed(name, "dist"), ".map")) {
        maps += 1;
        const { sources, sourceRoot = "" } = JSON.parse(readFileSync(map, "utf8")) as { sources: string[]; sourceRoot?: string };
        for (const source of sources) if (!existsSync(resolve(dirname(map), sourceRoot, source))) missing.push(`${map.slice(app.length)} -> ${source}`);
      }
      for (const js of [...filesUnder(installed(name, "dist"), ".js"), ...filesUnder(installed(name, "dist"), ".d.ts")]) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(js, "utf8"))?.[1];
        if (url !== undefined && !existsSync(join(dirname(js), url))) missing.push(`${js.slice(app.length)} -> ${url}`);
      }
    }
    expect(maps).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });
});

describe("running from the tarballs", () => {
  interface Ready {
    url: string;
    token: string;
    apiKey: string;
    store: string;
    required: string[];
  }
  let server: Served<Ready>;
  let env: Record<string, string>;

  beforeAll(async () => {
    // The programs compiled by the strict build above (out/), run with plain node.
    if (!existsSync(join(app, "out/server.js"))) await run(process.execPath, [TSC, "-p", "tsconfig.node.json"], { cwd: app, timeoutMs: 120_000 });
    server = await serve<Ready>(app, "out/server.js", { DATA_DIR: join(root, "data") });
    env = { TICKWIRE_URL: server.ready.url, TICKWIRE_TOKEN: server.ready.token, TICKWIRE_API_KEY: server.ready.apiKey };
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  it("a server from the server tarball starts on its embedded SQLite store and reads the protocol's schemas", () => {
    expect(server.ready).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), store: "sqlite", required: ["channel", "data"] });
  });

  it("a client from the client tarball receives what a publisher posts to the HTTP API, and gets the registry's errors", async () => {
    const seen = await runJson<Record<string, unknown>>(app, "out/client-smoke.js", env);
    const trade = { tradeId: "t-1", symbol: "AAPL", side: "buy", status: "executed", quantity: 10, executedPrice: 190.5 };
    const epoch = (seen.published as { epoch: string }).epoch;
    expect(seen).toEqual({
      status: 200,
      published: { channel: "trades:alice", offset: 1, epoch: expect.any(String) },
      ready: { channel: "trades:alice", offset: 0, epoch },
      received: { trade, meta: { channel: "trades:alice", offset: 1, epoch, ts: expect.any(Number), event: "trade:executed", live: true } },
      session: expect.objectContaining({ userId: "alice", tier: "builder", api_version: "1" }),
      refused: { code: "FORBIDDEN", statusCode: 403 },
    });
  });

  it("a gateway from the server tarball attaches to the app's own HTTP server: the app's route, a client and the API on one port", async () => {
    const embedded = await serve<{ url: string; token: string; apiKey: string }>(app, "out/embedded.js", { DATA_DIR: join(root, "data-embedded") });
    try {
      const { url, token, apiKey } = embedded.ready;
      expect(await (await fetch(`${url}/hello`)).json()).toEqual({ app: "scratch", path: "/hello" });
      const socket = io(url, { path: "/rt/socket.io", auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
      try {
        const connected = await new Promise<Record<string, unknown>>((ok, fail) => {
          socket.once("connected", ok);
          socket.once("connect_error", fail);
        });
        expect(connected).toMatchObject({ userId: "alice", tier: "builder" });
        expect(await socket.emitWithAck("subscribe", { channels: ["trades"] })).toMatchObject({ ok: true, subscribed: [{ channel: "trades:alice" }] });
        const delivered = new Promise<unknown[]>((ok) => socket.once("trade:update", (...args: unknown[]) => ok(args)));
        const res = await fetch(`${url}/rt/api/publish`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: JSON.stringify({ channel: "trades:alice", data: { tradeId: "e-1" } }) });
        expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { channel: "trades:alice", offset: 1, epoch: expect.any(String) } });
        // payload, meta, and the resumption token a plain socket.io-client sends back when it reconnects.
        expect(await delivered).toEqual([{ tradeId: "e-1" }, expect.objectContaining({ channel: "trades:alice", offset: 1 }), expect.any(String)]);
        // The API's default path is the app's here.
        expect(await (await fetch(`${url}/api/v1/publish`, { method: "POST" })).json()).toEqual({ app: "scratch", path: "/api/v1/publish" });
      } finally {
        socket.close();
      }
    } finally {
      await embedded.stop();
    }
  });

  it("the React hooks run on React 18.3: connection state, the latest value on subscribe, then live updates", async () => {
    const seen = await runJson<Record<string, unknown>>(app, "out/react-smoke.js", env);
    expect(seen).toEqual({ react: "18.3.1", states: ["disconnected", "connecting", "connected"], seen: { state: "connected", totalValue: 1250 } });
  });
});

describe("the browser bundle", () => {
  /** Bundles `code` in the scratch app as a browser app would (ESM, minified) and measures it. */
  async function bundle(code: string, external: string[] = []): Promise<{ bytes: number; gzip: number; packages: Set<string> }> {
    const result = await build({
      stdin: { contents: code, resolveDir: app, loader: "js" },
      absWorkingDir: app,
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      external,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const output = result.outputFiles[0]!.contents;
    // The packages that put at least one byte into the output (a module read and shaken away does not count).
    const inputs = Object.entries(Object.values(result.metafile.outputs)[0]!.inputs).filter(([, input]) => input.bytesInOutput > 0);
    const packages = new Set(inputs.map(([path]) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path));
    return { bytes: output.length, gzip: gzipSync(output).length, packages };
  }

  it("SDK + socket.io-client minified is at most 1.5 x socket.io-client alone, and holds no TypeBox", async () => {
    const alone = await bundle('export * from "socket.io-client";');
    const withSdk = await bundle('export * from "@tickwire/client";');
    const sizes = `socket.io-client ${alone.bytes} B (${alone.gzip} B gzipped), with the SDK ${withSdk.bytes} B (${withSdk.gzip} B gzipped)`;
    expect(withSdk.packages, sizes).toContain("@tickwire/protocol");
    expect(withSdk.packages, sizes).not.toContain("@sinclair/typebox");
    expect(withSdk.bytes, sizes).toBeLessThanOrEqual(1.5 * alone.bytes);
  });

  it("the React hooks add no TypeBox either (React itself left to the app)", async () => {
    const hooks = await bundle('export * from "@tickwire/client/react";', ["react"]);
    expect(hooks.packages).toContain("@tickwire/client");
    expect(hooks.packages).not.toContain("@sinclair/typebox");
  });

  it("the protocol tree-shakes: one constant from the full entry bundles without TypeBox, the registry or the catalogue", async () => {
    const one = await bundle('import { TIERS } from "@tickwire/protocol"; console.log(TIERS);');
    expect(one.packages).not.toContain("@sinclair/typebox");
    expect(one.bytes).toBeLessThan(200);
    const nothing = await bundle('import "@tickwire/protocol"; import "@tickwire/protocol/core";');
    expect(nothing.bytes).toBe(0);
  });
});
