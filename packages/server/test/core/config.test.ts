import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_OPTIONS, ENV_VARIABLES, optionsFromEnv, resolveOptions, unknownEnvVariables } from "@tickwire/server";

describe("configuration", () => {
  it("reads the TICKWIRE_* variables of the protocol", () => {
    const input = optionsFromEnv({
      TICKWIRE_PORT: "9000",
      TICKWIRE_HOST: "127.0.0.1",
      TICKWIRE_JWT_SECRET: "a-long-enough-secret",
      TICKWIRE_API_KEYS: "k1, k2 ,",
      TICKWIRE_SIMULATOR: "off",
      TICKWIRE_CORS_ORIGINS: "https://app.example,https://admin.example",
      TICKWIRE_DATA_DIR: "/var/lib/tickwire",
      TICKWIRE_RATE_LIMIT: "navigator=10:20,operator=100:200",
    });
    const { options, generatedSecret, generatedApiKey } = resolveOptions(input);
    expect(options).toMatchObject({
      port: 9000,
      host: "127.0.0.1",
      jwtSecret: "a-long-enough-secret",
      apiKeys: ["k1", "k2"],
      simulator: false,
      corsOrigins: ["https://app.example", "https://admin.example"],
      dataDir: "/var/lib/tickwire",
      rateLimit: { navigator: { eventsPerSecond: 10, burst: 20 }, participant: { eventsPerSecond: 50, burst: 100 }, operator: { eventsPerSecond: 100, burst: 200 } },
    });
    expect({ generatedSecret, generatedApiKey }).toEqual({ generatedSecret: false, generatedApiKey: false });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it("generates a secret and an API key in dev mode, with the simulator on and any origin", () => {
    const { options, generatedSecret, generatedApiKey } = resolveOptions({});
    expect(generatedSecret).toBe(true);
    expect(generatedApiKey).toBe(true);
    expect(options.jwtSecret).toMatch(/^[\w-]{40,}$/);
    expect(options.apiKeys).toHaveLength(1);
    expect(options.simulator).toBe(true);
    expect(options.corsOrigins).toEqual(["*"]);
  });

  it("refuses to start in production without a secret and API keys, naming both", () => {
    expect(() => resolveOptions(optionsFromEnv({ NODE_ENV: "production" }))).toThrow(ConfigError);
    try {
      resolveOptions(optionsFromEnv({ NODE_ENV: "production" }));
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        "Production mode needs TICKWIRE_JWT_SECRET (or TICKWIRE_JWT_PUBLIC_KEY / TICKWIRE_JWKS_FILE) to verify client tokens.",
        "Production mode needs TICKWIRE_API_KEYS (comma-separated) for the HTTP API.",
      ]);
    }
  });

  it("lists every bad value instead of starting with a silent default", () => {
    try {
      resolveOptions(optionsFromEnv({ TICKWIRE_PORT: "eighty", TICKWIRE_SIMULATOR: "maybe", TICKWIRE_REDIS_URL: "http://x", TICKWIRE_RATE_LIMIT: "fast" }));
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        'port must be a whole number ≥ 0 (got "eighty").',
        "redisUrl must be a redis:// URL.",
        'TICKWIRE_SIMULATOR must be "on" or "off" (got "maybe").',
        'TICKWIRE_RATE_LIMIT "fast" is not "rate:burst" or "tier=rate:burst,…".',
      ]);
    }
  });

  it("refuses two verification methods at once and unknown options", () => {
    expect(() => resolveOptions({ jwtSecret: "x".repeat(20), jwksFile: "/k.json" })).toThrow(/Set only one of/);
    expect(() => resolveOptions({ nope: 1 } as never)).toThrow(/Unknown option "nope"/);
  });

  it("lists every option in docs/configuration.md", () => {
    const doc = readFileSync(resolve(import.meta.dirname, "../../../../docs/configuration.md"), "utf8");
    const missing = Object.keys(DEFAULT_OPTIONS).filter((key) => !doc.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });

  it("reads exactly the TICKWIRE_* variables docs/configuration.md lists (no other one is warned about as unknown)", () => {
    const doc = readFileSync(resolve(import.meta.dirname, "../../../../docs/configuration.md"), "utf8");
    const documented = [...new Set([...doc.matchAll(/^\| `(TICKWIRE_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!))].sort();
    expect(Object.keys(ENV_VARIABLES).sort()).toEqual(documented);
    expect(unknownEnvVariables(Object.fromEntries(documented.map((name) => [name, "x"])))).toEqual([]);
  });

  it("names the closest known variable for a mistyped one, and none for a name far from all", () => {
    expect(unknownEnvVariables({ TICKWIRE_PROT: "1", TICKWIRE_REDIS_ULR: "x", TICKWIRE_LOGLEVEL: "x", TICKWIRE_BANANA: "x", PORT: "1", TICKWIRE_PORT: "1" })).toEqual([
      { name: "TICKWIRE_BANANA", suggestion: undefined },
      { name: "TICKWIRE_LOGLEVEL", suggestion: "TICKWIRE_LOG_LEVEL" },
      { name: "TICKWIRE_PROT", suggestion: "TICKWIRE_PORT" },
      { name: "TICKWIRE_REDIS_ULR", suggestion: "TICKWIRE_REDIS_URL" },
    ]);
  });

  it("says what an unknown option was likely meant to be: the embedding entry points, or the closest option", () => {
    const problems = (input: Record<string, unknown>): readonly string[] => {
      try {
        resolveOptions({ jwtSecret: "s".repeat(20), apiKeys: ["k"], ...input } as never);
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    };
    const embed = "to use a server the app already has, call attach(server, options), or register tickwirePlugin in a Fastify app (docs/embedding.md).";
    expect(problems({ server: {}, httpServer: {}, path: "/ws", prefix: "/rt", prot: 1, maxEvntBytes: 1, banana: 1 })).toEqual([
      `Unknown option "server": ${embed}`,
      `Unknown option "httpServer": ${embed}`,
      'Unknown option "path": the Socket.IO path is "socketPath".',
      'Unknown option "prefix": the HTTP API prefix is "apiPrefix".',
      'Unknown option "prot" (did you mean "port"?).',
      'Unknown option "maxEvntBytes" (did you mean "maxEventBytes"?).',
      'Unknown option "banana".',
    ]);
  });

  it("documents a default for every option", () => {
    expect(Object.keys(DEFAULT_OPTIONS).sort()).toMatchSnapshot();
  });
});
