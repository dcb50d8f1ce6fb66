import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { TSchema, Static } from "@sinclair/typebox";
import { TickwireError } from "@tickwire/protocol";

const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: false });
const cache = new WeakMap<TSchema, ValidateFunction>();

function describe(error: ErrorObject | undefined): string {
  if (!error) return "invalid payload";
  const where = error.instancePath === "" ? "payload" : error.instancePath.slice(1).replace(/\//g, ".");
  if (error.keyword === "additionalProperties") return `${where}: unknown property "${String(error.params.additionalProperty)}"`;
  return `${where} ${error.message ?? "is invalid"}`;
}

/**
 * Checks `value` against a schema from packages/protocol.
 * @throws TickwireError BAD_REQUEST naming the first problem
 * @example const req = validate(SubscribeRequestSchema, payload);
 */
export function validate<S extends TSchema>(schema: S, value: unknown): Static<S> {
  let check = cache.get(schema);
  if (!check) {
    check = ajv.compile(schema);
    cache.set(schema, check);
  }
  if (!check(value)) throw new TickwireError("BAD_REQUEST", `Invalid request: ${describe(check.errors?.[0])}.`);
  return value as Static<S>;
}
