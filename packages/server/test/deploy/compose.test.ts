import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_OPTIONS } from "@tickwire/server";
import {
  COMPOSE_ENV_EXAMPLE,
  COMPOSE_FILE,
  exists,
  NGINX_CONF,
  nginxFind,
  type NginxNode,
  optionsOf,
  parseEnvFile,
  parseNginx,
  parseYaml,
  path,
  proxyHeaders,
  read,
  runs,
  seconds,
  toolAvailable,
  unknownEnvNames,
} from "./kit.js";

/** `docker compose` (the v2 plugin) or else `docker-compose`: the one that answers here. */
function composeCommand(): string[] | undefined {
  if (runs("docker", ["compose", "version"])) return ["docker", "compose"];
  if (runs("docker-compose", ["version"])) return ["docker-compose"];
  return undefined;
}

/** The environment without the variables compose.yaml reads, so only the env file given counts. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TICKWIRE_|POSTGRES_|REDIS_|COMPOSE_|HTTPS?_PORT$)/.test(k)));
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tickwire-deploy-"));
  dirs.push(dir);
  return dir;
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  stop_grace_period?: string;
  ulimits?: { nofile?: { soft: number; hard: number } | number };
  ports?: unknown[];
  volumes?: unknown[];
  command?: string[] | string;
}

const compose = composeCommand();
const hasCompose = toolAvailable("docker compose (or docker-compose)", compose !== undefined, "the `docker compose config` check of deploy/compose/compose.yaml");

function composeConfig(envFile: string): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(compose![0]!, [...compose!.slice(1), "-f", path(COMPOSE_FILE), "--env-file", envFile, "config"], { env: cleanEnv(), encoding: "utf8", timeout: 60_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

const raw = parseYaml(read(COMPOSE_FILE)) as { services: Record<string, ComposeService> };
const tickwireServices = Object.keys(raw.services).filter((name) => /^tickwire-\d+$/.test(name));

describe.runIf(hasCompose)("deploy/compose/compose.yaml through `docker compose config`", () => {
  it("is accepted with the variables of .env.example", () => {
    const out = composeConfig(path(COMPOSE_ENV_EXAMPLE));
    expect(out.stderr + out.stdout).not.toBe("");
    expect(out.status, out.stderr).toBe(0);
    const config = parseYaml(out.stdout) as { services: Record<string, ComposeService> };
    expect(Object.keys(config.services).sort()).toEqual(["nginx", "postgres", "redis", ...tickwireServices].sort());
    // The secrets arrive from the env file.
    const example = parseEnvFile(read(COMPOSE_ENV_EXAMPLE));
    for (const name of tickwireServices) {
      const env = config.services[name]!.environment!;
      expect(env.TICKWIRE_JWT_SECRET).toBe(example.TICKWIRE_JWT_SECRET);
      expect(env.TICKWIRE_API_KEYS).toBe(example.TICKWIRE_API_KEYS);
      expect(env.TICKWIRE_DATABASE_URL).toContain(`:${example.POSTGRES_PASSWORD}@`);
      expect(env.TICKWIRE_REDIS_URL).toContain(`:${example.REDIS_PASSWORD}@`);
    }
  });

  it("is refused without the secrets, naming the missing variable", () => {
    const empty = join(tempDir(), "empty.env");
    writeFileSync(empty, "# nothing\n");
    const out = composeConfig(empty);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/TICKWIRE_JWT_SECRET|TICKWIRE_API_KEYS|POSTGRES_PASSWORD|REDIS_PASSWORD/);
  });

  it("gives every Tickwire node a production configuration the gateway accepts", () => {
    const config = parseYaml(composeConfig(path(COMPOSE_ENV_EXAMPLE)).stdout) as { services: Record<string, ComposeService> };
    for (const name of tickwireServices) {
      const env = config.services[name]!.environment!;
      expect(unknownEnvNames(Object.keys(env)), name).toEqual([]);
      const options = optionsOf(env);
      expect(options.mode).toBe("production");
      // Many nodes: the shared store and engine are the compose services.
      expect(new URL(options.databaseUrl!).hostname).toBe("postgres");
      expect(new URL(options.redisUrl!).hostname).toBe("redis");
      expect(options.expectedNodes).toBe(tickwireServices.length);
      // X-Forwarded-For is trusted from nginx, and only from nginx.
      expect(options.trustedProxies).toEqual([(config.services.nginx as { networks: { default: { ipv4_address: string } } }).networks.default.ipv4_address]);
      // docker stop waits longer than the gateway's own shutdown budget.
      expect(seconds(config.services[name]!.stop_grace_period!)).toBeGreaterThan(options.shutdownTimeoutMs / 1000);
    }
  });
});

describe("deploy/compose/compose.yaml", () => {
  it("runs two Tickwire nodes built from deploy/Dockerfile behind nginx", () => {
    expect(tickwireServices).toEqual(["tickwire-1", "tickwire-2"]);
    for (const name of tickwireServices) {
      const s = raw.services[name]!;
      expect(s.build).toEqual({ context: "../..", dockerfile: "deploy/Dockerfile" });
      expect(exists("deploy/Dockerfile")).toBe(true);
      expect(s.environment!.NODE_ENV).toBe("production");
      // Secrets are never written into the file: they are ${…} from .env.
      for (const secret of ["TICKWIRE_JWT_SECRET", "TICKWIRE_API_KEYS"]) expect(s.environment![secret]).toMatch(/^\$\{\w+:\?[^}]+\}$/);
      for (const dep of ["postgres", "redis"]) expect(s.depends_on![dep]).toEqual({ condition: "service_healthy" });
      const nofile = s.ulimits?.nofile;
      expect(typeof nofile === "object" ? nofile.soft : nofile).toBeGreaterThanOrEqual(65536);
    }
    const nginx = raw.services.nginx!;
    for (const name of tickwireServices) expect(nginx.depends_on![name]).toEqual({ condition: "service_healthy" });
    expect(nginx.volumes).toContain("./nginx/tickwire.conf:/etc/nginx/conf.d/default.conf:ro");
    expect(nginx.volumes).toContain("./certs:/etc/nginx/certs:ro");
    expect(exists("deploy/compose/make-cert.sh")).toBe(true);
  });

  it("has a healthcheck on every service; the nodes' ones ask the gateway's probe routes", () => {
    for (const [name, s] of Object.entries(raw.services)) expect(s.healthcheck, name).toBeDefined();
    for (const name of tickwireServices) {
      const test = raw.services[name]!.healthcheck!.test as string[];
      expect(test.slice(0, 3)).toEqual(["CMD", "node", "/app/healthcheck.mjs"]);
      expect(["/healthz", "/readyz"]).toContain(test[3]);
    }
  });

  it("keeps the real .env and the TLS pair out of git", () => {
    const ignore = read("deploy/compose/.gitignore");
    expect(ignore).toMatch(/^certs\/$/m);
    expect(ignore).toMatch(/^\.env$/m);
    // Every variable compose.yaml requires is in .env.example.
    const required = [...read(COMPOSE_FILE).matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!);
    const example = parseEnvFile(read(COMPOSE_ENV_EXAMPLE));
    for (const name of new Set(required)) expect(example[name], name).toBeTruthy();
  });
});

// ---------------------------------------------------------------- nginx

const conf = parseNginx(read(NGINX_CONF));
const upstream = nginxFind(conf, "upstream", "tickwire")[0];
const servers = nginxFind(conf, "server");
const tls = servers.find((s) => nginxFind(s.children, "listen").some((l) => l.args.includes("ssl")));
const location = (server: NginxNode | undefined, where: string): NginxNode | undefined => nginxFind(server?.children, "location").find((l) => l.args.join(" ") === where);

describe("deploy/compose/nginx/tickwire.conf", () => {
  it("balances over the compose nodes on the gateway's port, sticky by client address", () => {
    expect(upstream).toBeDefined();
    const sticky = nginxFind(upstream!.children, "ip_hash").length + nginxFind(upstream!.children, "hash", "$remote_addr").length;
    expect(sticky).toBe(1);
    const targets = nginxFind(upstream!.children, "server").map((s) => s.args[0]!);
    const port = optionsOf({ TICKWIRE_PORT: raw.services["tickwire-1"]!.environment!.TICKWIRE_PORT, TICKWIRE_JWT_SECRET: "0123456789abcdef0123", TICKWIRE_API_KEYS: "k" }).port;
    expect(targets.sort()).toEqual(tickwireServices.map((name) => `${name}:${port}`).sort());
  });

  it("upgrades WebSocket connections on /socket.io/ and holds long-polls longer than Socket.IO's ping", () => {
    const io = location(tls, "/socket.io/");
    expect(io).toBeDefined();
    expect(nginxFind(io!.children, "proxy_pass")[0]?.args).toEqual(["http://tickwire"]);
    expect(nginxFind(io!.children, "proxy_http_version")[0]?.args).toEqual(["1.1"]);
    const headers = proxyHeaders(io!);
    expect(headers.upgrade).toBe("$http_upgrade");
    expect(headers.connection).toBe("$connection_upgrade");
    const map = nginxFind(conf, "map", "$http_upgrade", "$connection_upgrade")[0];
    expect(nginxFind(map?.children, "default")[0]?.args).toEqual(["upgrade"]);
    // Socket.IO's defaults: a ping every 25 s, 20 s to answer it.
    expect(seconds(nginxFind(io!.children, "proxy_read_timeout")[0]!.args[0]!)).toBeGreaterThan(45);
  });

  it("forwards the client's address and scheme from every proxied location", () => {
    // nginx drops the server's proxy_set_header lines in a location that sets its own, so each sets all.
    const proxied = nginxFind(tls!.children, "location").filter((l) => nginxFind(l.children, "proxy_pass").length > 0);
    expect(proxied.length).toBeGreaterThanOrEqual(2);
    for (const l of proxied) {
      const headers = proxyHeaders(l);
      for (const h of ["host", "x-forwarded-for", "x-forwarded-proto", "x-real-ip", "connection"]) expect(headers[h], `${l.args.join(" ")}: ${h}`).toBeDefined();
    }
  });

  it("terminates TLS with the certificate compose mounts, redirects plain HTTP and keeps /metrics private", () => {
    expect(tls).toBeDefined();
    for (const directive of ["ssl_certificate", "ssl_certificate_key"]) expect(nginxFind(tls!.children, directive)[0]?.args[0]).toMatch(/^\/etc\/nginx\/certs\/tls\.(crt|key)$/);
    const body = nginxFind(tls!.children, "client_max_body_size")[0]!.args[0]!;
    expect(Number(/^(\d+)m$/.exec(body)![1]) * 2 ** 20).toBeGreaterThanOrEqual(DEFAULT_OPTIONS.maxBodyBytes);
    const plain = servers.find((s) => s !== tls)!;
    expect(nginxFind(location(plain, "/")?.children, "return")[0]?.args).toEqual(["301", "https://$host$request_uri"]);
    expect(nginxFind(location(plain, "= /nginx-health")?.children, "return")[0]?.args[0]).toBe("200");
    expect(nginxFind(location(tls, "= /metrics")?.children, "return")[0]?.args).toEqual(["404"]);
  });
});

// Debian puts nginx in /usr/sbin, which a user's PATH may lack.
const nginxBin = ["nginx", "/usr/sbin/nginx"].find((bin) => runs(bin, ["-v"]));
const hasNginx = toolAvailable("nginx", nginxBin !== undefined, "`nginx -t` of deploy/compose/nginx/tickwire.conf");
const hasOpenssl = toolAvailable("openssl", runs("openssl", ["version"]), "the self-signed certificate of the `nginx -t` check");

describe.runIf(hasNginx && hasOpenssl)("nginx -t", () => {
  /**
   * The compose front end as nginx would load it: the file inside an http {} block, with the
   * compose service names pointed at 127.0.0.1 (nginx resolves upstream names while testing),
   * the certificate a fresh self-signed pair made by make-cert.sh, every path under a prefix.
   */
  function nginxTest(edit: (conf: string) => string = (c) => c): { status: number | null; output: string } {
    const dir = tempDir();
    const made = spawnSync("sh", [path("deploy/compose/make-cert.sh"), join(dir, "certs"), "tickwire.test"], { encoding: "utf8", timeout: 30_000 });
    expect(made.status, made.stderr).toBe(0);
    expect(readFileSync(join(dir, "certs/tls.crt"), "utf8")).toContain("BEGIN CERTIFICATE");
    let text = read(NGINX_CONF).replaceAll("/etc/nginx/certs/", `${join(dir, "certs")}/`);
    for (const name of tickwireServices) text = text.replaceAll(`server ${name}:`, "server 127.0.0.1:");
    writeFileSync(join(dir, "tickwire.conf"), edit(text));
    const temp = join(dir, "temp");
    writeFileSync(
      join(dir, "nginx.conf"),
      [
        `pid ${join(dir, "nginx.pid")};`,
        "error_log stderr;",
        "events {}",
        "http {",
        "  access_log off;",
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${temp};`),
        `  include ${join(dir, "tickwire.conf")};`,
        "}",
      ].join("\n"),
    );
    const out = spawnSync(nginxBin!, ["-t", "-e", "stderr", "-p", `${dir}/`, "-c", join(dir, "nginx.conf")], { encoding: "utf8", timeout: 30_000 });
    return { status: out.status, output: `${out.stdout}${out.stderr}` };
  }

  it("accepts the configuration with a self-signed certificate", () => {
    const out = nginxTest();
    expect(out.status, out.output).toBe(0);
    expect(out.output).toContain("test is successful");
  });

  it("refuses a broken copy (so the check above means something)", () => {
    const out = nginxTest((c) => c.replace("proxy_http_version 1.1;", "proxy_http_version 1.1"));
    expect(out.status).not.toBe(0);
    expect(out.output).toMatch(/emerg/);
  });
});
