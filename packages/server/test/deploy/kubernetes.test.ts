import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DEFAULT_OPTIONS } from "@tickwire/server";
import { benchmarkFigures, DOCKERFILE, envOf, exists, KiB, KUSTOMIZATION, MiB, optionsOf, parseDockerfile, path, quantity, read, runs, SECRET_EXAMPLE, unknownEnvNames, yamlDocuments } from "./kit.js";

/** Kubernetes objects, read as plain YAML. */
type Obj = Record<string, any>;

const kustomization = yamlDocuments(KUSTOMIZATION)[0] as Obj;
const resources = (kustomization.resources as string[]).map((file) => `deploy/kubernetes/${file}`);
const objects: Obj[] = resources.flatMap((file) => yamlDocuments(file) as Obj[]);
const one = (kind: string): Obj => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const secret = yamlDocuments(SECRET_EXAMPLE)[0] as Obj;

const deployment = (): Obj => one("Deployment");
const pod = (): Obj => deployment().spec.template.spec;
const container = (): Obj => {
  const containers = pod().containers as Obj[];
  expect(containers).toHaveLength(1);
  return containers[0]!;
};
/** The environment the container starts with: its envFrom sources and env entries. */
function containerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container().envFrom as Obj[]) {
    if (from.configMapRef) {
      const cm = one("ConfigMap");
      expect(from.configMapRef.name).toBe(cm.metadata.name);
      Object.assign(env, cm.data);
    } else if (from.secretRef) {
      expect(from.secretRef.name).toBe(secret.metadata.name);
      Object.assign(env, secret.stringData);
    } else throw new Error(`unexpected envFrom ${JSON.stringify(from)}`);
  }
  for (const e of (container().env ?? []) as Obj[]) env[e.name] = e.value ?? "from-reference";
  return env;
}
const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("deploy/kubernetes", () => {
  it("lists files that exist and parse, one object of each kind the kit needs", () => {
    for (const file of resources) expect(exists(file), file).toBe(true);
    expect(objects.map((o) => o.kind).sort()).toEqual(["ConfigMap", "Deployment", "Ingress", "Namespace", "PodDisruptionBudget", "Service"]);
    for (const o of objects) {
      expect(typeof o.apiVersion).toBe("string");
      expect(typeof o.metadata?.name).toBe("string");
    }
    expect(kustomization.namespace).toBe(one("Namespace").metadata.name);
    // The Secret is an example to copy, never applied with placeholder values.
    expect(secret.kind).toBe("Secret");
    expect(resources).not.toContain(SECRET_EXAMPLE);
    expect(secret.metadata.namespace).toBe(kustomization.namespace);
  });

  it("configures the container with variables the gateway reads, valid in production", () => {
    const env = containerEnv();
    expect(unknownEnvNames(Object.keys(env))).toEqual([]);
    const options = optionsOf(env);
    expect(options.mode).toBe("production");
    expect(options.databaseUrl).toBeDefined();
    expect(options.redisUrl).toBeDefined();
    expect(options.expectedNodes).toBe(deployment().spec.replicas);
    // Behind the ingress controller, X-Forwarded-For is read from the pod network only.
    expect(options.trustedProxies).toEqual(["10.0.0.0/8"]);
    // Secrets live in the Secret, not the ConfigMap.
    const cm = one("ConfigMap").data as Record<string, string>;
    for (const name of ["TICKWIRE_JWT_SECRET", "TICKWIRE_API_KEYS", "TICKWIRE_DATABASE_URL", "TICKWIRE_REDIS_URL"]) {
      expect(cm[name], name).toBeUndefined();
      expect(secret.stringData[name], name).toBeDefined();
    }
  });

  it("probes /healthz for liveness and /readyz for readiness on the gateway's port", () => {
    const c = container();
    const options = optionsOf(containerEnv());
    const http = (c.ports as Obj[]).find((p) => p.name === "http")!;
    expect(http).toBeDefined();
    expect(http.containerPort).toBe(options.port);
    expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    expect(c.startupProbe.httpGet.path).toBe("/healthz");
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) expect([http.name, http.containerPort]).toContain(probe.httpGet.port);
    // A pod leaves the endpoints sooner than it is restarted.
    expect(c.readinessProbe.periodSeconds * c.readinessProbe.failureThreshold).toBeLessThan(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold);
  });

  it("gives the pod more time to stop than the preStop sleep plus the gateway's shutdown timeout", () => {
    const options = optionsOf(containerEnv());
    const preStop = container().lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe("sleep");
    const sleep = Number(preStop[1]);
    expect(sleep).toBeGreaterThanOrEqual(3);
    expect(pod().terminationGracePeriodSeconds).toBeGreaterThan(sleep + options.shutdownTimeoutMs / 1000);
    // Rolling updates never go below the wanted number of ready pods.
    expect(deployment().spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it("sizes requests and limits from docs/benchmarks.md", () => {
    // deployment.yaml is sized for this load per pod (its comment and docs/deployment.md say so).
    const connections = 5000;
    const deliveriesPerSecond = 20_000;
    const bench = benchmarkFigures();
    const { requests, limits } = container().resources;
    const cpuNeeded = (deliveriesPerSecond * bench.cpuMsPer1000Deliveries) / 1000 / 1000; // cores
    expect(cpuNeeded).toBeCloseTo((bench.cpuPercentAt20kDeliveries / 100) * (deliveriesPerSecond / 20_000), 1);
    expect(quantity(requests.cpu)).toBeGreaterThanOrEqual(cpuNeeded);
    expect(quantity(limits.cpu)).toBeGreaterThanOrEqual(quantity(requests.cpu));
    const memoryNeeded = bench.idleRssMiB * MiB + connections * bench.perConnectionKiB * KiB;
    expect(quantity(requests.memory)).toBeGreaterThanOrEqual(memoryNeeded);
    expect(quantity(limits.memory)).toBeGreaterThanOrEqual(quantity(requests.memory));
    // V8's heap cap leaves the idle process's memory free under the limit.
    const heap = /--max-old-space-size=(\d+)/.exec(containerEnv().NODE_OPTIONS ?? "");
    expect(heap, "NODE_OPTIONS=--max-old-space-size").not.toBeNull();
    expect(Number(heap![1]) * MiB + bench.idleRssMiB * MiB).toBeLessThanOrEqual(quantity(limits.memory));
  });

  it("runs as the image's non-root user with a read-only root and the data folder mounted", () => {
    const runtime = parseDockerfile(read(DOCKERFILE)).stages.at(-1)!;
    const imageUser = runtime.instructions.filter((i) => i.cmd === "USER").at(-1)!.args;
    const sc = pod().securityContext;
    expect(sc.runAsNonRoot).toBe(true);
    expect(`${sc.runAsUser}:${sc.runAsGroup}`).toBe(imageUser);
    expect(container().securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container().securityContext.allowPrivilegeEscalation).toBe(false);
    const mounts = (container().volumeMounts as Obj[]).map((m) => m.mountPath);
    expect(mounts).toContain(envOf(runtime).TICKWIRE_DATA_DIR);
    expect(mounts).toContain("/tmp");
    const image = (kustomization.images as Obj[]).find((i) => i.name === container().image);
    expect(image, "kustomization images[] rewrites the container's image").toBeDefined();
  });

  it("routes the Service and the Ingress to the pods' http port", () => {
    const labels = deployment().spec.template.metadata.labels;
    expect(matches(deployment().spec.selector.matchLabels, labels)).toBe(true);
    const service = one("Service");
    expect(matches(service.spec.selector, labels)).toBe(true);
    const ports = service.spec.ports as Obj[];
    for (const p of ports) expect((container().ports as Obj[]).map((c) => c.name)).toContain(p.targetPort);
    const backends = (one("Ingress").spec.rules as Obj[]).flatMap((r) => r.http.paths.map((p: Obj) => p.backend.service));
    expect(backends.length).toBeGreaterThan(0);
    for (const b of backends) {
      expect(b.name).toBe(service.metadata.name);
      expect(ports.map((p) => p.name)).toContain(b.port.name);
    }
  });

  it("makes the nginx Ingress sticky for long-polling and patient with WebSockets", () => {
    const ingress = one("Ingress");
    expect(ingress.spec.ingressClassName).toBe("nginx");
    const a = ingress.metadata.annotations as Record<string, string>;
    const key = (name: string): string => `nginx.ingress.kubernetes.io/${name}`;
    expect(a[key("affinity")]).toBe("cookie");
    expect(a[key("session-cookie-name")]).toBeTruthy();
    // Above Socket.IO's ping interval + timeout (25 s + 20 s).
    for (const t of ["proxy-read-timeout", "proxy-send-timeout"]) expect(Number(a[key(t)])).toBeGreaterThan(45);
    expect(quantity(a[key("proxy-body-size")]!.replace(/m$/, "Mi"))).toBeGreaterThanOrEqual(DEFAULT_OPTIONS.maxBodyBytes);
    expect(ingress.spec.tls?.[0]?.secretName).toBeTruthy();
  });

  it("has a PodDisruptionBudget for the pods that lets a drain proceed one pod at a time", () => {
    const pdb = one("PodDisruptionBudget");
    expect(matches(pdb.spec.selector.matchLabels, deployment().spec.template.metadata.labels)).toBe(true);
    const replicas = deployment().spec.replicas as number;
    expect(replicas).toBeGreaterThanOrEqual(2);
    if (pdb.spec.maxUnavailable !== undefined) expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
    else expect(pdb.spec.minAvailable).toBeLessThan(replicas);
  });
});

const hasKubectl = runs("kubectl", ["version", "--client"]);
if (!hasKubectl) process.stdout.write("\n[skip] kubectl is not installed: `kubectl kustomize deploy/kubernetes` is not run (the YAML checks above still are).\n");

describe.runIf(hasKubectl)("kubectl kustomize deploy/kubernetes", () => {
  it("builds the kit into objects in the tickwire namespace with the registry image", () => {
    const out = spawnSync("kubectl", ["kustomize", path("deploy/kubernetes")], { encoding: "utf8", timeout: 60_000 });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/image: registry\.example\.com\/tickwire:0\.1\.0/);
    expect([...out.stdout.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).sort()).toEqual(objects.map((o) => o.kind).sort());
    expect([...out.stdout.matchAll(/^ {2}namespace: (\S+)$/gm)].every((m) => m[1] === "tickwire")).toBe(true);
  });
});
