import { PostgresStore, type Store } from "@tickwire/server";
import { createTestSchema, describePostgres, dropTestSchema, PG_TEST_URL, postgresUnavailable } from "./pg-test-db.js";
import { storeContract } from "./store-contract.js";

const schemas: string[] = [];

async function open(schema: string): Promise<Store> {
  const store = new PostgresStore({ url: PG_TEST_URL, schema, poolSize: 4 });
  await store.init();
  return store;
}

describePostgres("postgres store", await postgresUnavailable(), () => {
  storeContract("postgres", {
    async create() {
      schemas.push(await createTestSchema());
      return open(schemas[schemas.length - 1]!);
    },
    async reopen() {
      return open(schemas[schemas.length - 1]!);
    },
    async cleanup() {
      for (const schema of schemas.splice(0)) await dropTestSchema(schema);
    },
  });
});
