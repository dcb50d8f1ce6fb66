import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";

/** The PostgreSQL the tests use (trust auth); each test works in its own schema. */
export const PG_TEST_URL = process.env.TICKWIRE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

let probe: Promise<string | undefined> | undefined;

/** Why PostgreSQL cannot be used, or undefined when it can. */
export function postgresUnavailable(): Promise<string | undefined> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return undefined;
    } catch (err) {
      return `PostgreSQL at ${PG_TEST_URL} is unreachable (${(err as Error).message})`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probe;
}

/** Runs SQL outside any test schema. */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_TEST_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a fresh schema `tw_test_<random>` and returns its name. */
export async function createTestSchema(): Promise<string> {
  const name = `tw_test_${randomBytes(6).toString("hex")}`;
  await admin(`CREATE SCHEMA ${name}`);
  return name;
}

/** Drops a schema made by createTestSchema. */
export async function dropTestSchema(name: string): Promise<void> {
  if (!/^tw_test_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  await admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
}

/**
 * `describe` for suites that need PostgreSQL: skipped with a printed reason when
 * it is unreachable, except under CI (process.env.CI), where that is a failure.
 */
export function describePostgres(name: string, reason: string | undefined, body: () => void): void {
  if (reason === undefined) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it("needs PostgreSQL", () => {
        throw new Error(`${reason}; CI must provide PostgreSQL (set TICKWIRE_TEST_DATABASE_URL).`);
      });
    });
  } else {
    process.stdout.write(`[skip] ${name}: ${reason}\n`);
    describe.skip(name, body);
  }
}
