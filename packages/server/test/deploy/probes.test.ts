import { afterAll, describe, expect, it } from "vitest";
import { TestBed } from "../helpers.js";
import { COMPOSE_FILE, DOCKERFILE, healthcheckOf, parseDockerfile, parseYaml, read, yamlDocuments } from "./kit.js";

/** Every HTTP path the kit checks a node on, and where it is used. */
function probePaths(): { where: string; path: string }[] {
  const out: { where: string; path: string }[] = [];
  const runtime = parseDockerfile(read(DOCKERFILE)).stages.at(-1)!;
  out.push({ where: "Dockerfile HEALTHCHECK", path: healthcheckOf(runtime)[2]! });
  const compose = parseYaml(read(COMPOSE_FILE)) as { services: Record<string, { healthcheck?: { test: string[] } }> };
  for (const [name, s] of Object.entries(compose.services)) {
    const test = s.healthcheck?.test ?? [];
    if (test.includes("/app/healthcheck.mjs")) out.push({ where: `compose ${name} healthcheck`, path: test[test.indexOf("/app/healthcheck.mjs") + 1]! });
  }
  const deployment = yamlDocuments("deploy/kubernetes/deployment.yaml")[0] as { spec: { template: { spec: { containers: Record<string, { httpGet: { path: string } }>[] } } } };
  for (const c of deployment.spec.template.spec.containers) {
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) out.push({ where: `Kubernetes ${probe}`, path: c[probe]!.httpGet.path });
  }
  return out;
}

describe("the kit's health and readiness paths", () => {
  const bed = new TestBed();
  afterAll(() => bed.cleanup());

  it("are routes of a real gateway that answer 200 while it is healthy", async () => {
    const gw = await bed.gateway();
    const probes = probePaths();
    expect(probes.length).toBeGreaterThanOrEqual(6);
    expect(new Set(probes.map((p) => p.path))).toEqual(new Set(["/healthz", "/readyz"]));
    for (const probe of probes) {
      const res = await fetch(`${gw.url}${probe.path}`);
      expect(res.status, `${probe.where}: GET ${probe.path}`).toBe(200);
    }
    // A path the gateway does not have fails the same check.
    expect((await fetch(`${gw.url}/health`)).status).toBe(404);
  });
});
