import type { FastifySchema, FastifySchemaCompiler } from "fastify";
import type { TObject, TSchema } from "@sinclair/typebox";
import { HttpErrorBodySchema, TickwireError } from "@tickwire/protocol";
import { validate } from "../core/validator.js";

/** The sentence a URL parameter's refusal says (`BAD_REQUEST`), kept beside its schema. */
export const ERROR_MESSAGE = "x-error-message";

/** A query or path parameter: its schema and what a bad value is told. */
export function urlParam<S extends TSchema>(schema: S, message: string): S {
  return { ...schema, [ERROR_MESSAGE]: message };
}

/**
 * Fastify's validator compiler for Tickwire's routes. Bodies are checked by the
 * protocol's validator (`BAD_REQUEST` naming the first problem, as the socket
 * events are); query strings and path parameters arrive as text and are read
 * by their schema's type (integers and booleans converted; an empty value is
 * no value), a bad one answered `BAD_REQUEST` with the sentence of its schema.
 * The error is a TickwireError, so the error mapper answers it in the one shape.
 */
export const routeValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  if (httpPart === "body") {
    return (data: unknown) => {
      try {
        return { value: validate(schema, data) };
      } catch (err) {
        return { error: err as Error };
      }
    };
  }
  return (data: unknown) => {
    try {
      return { value: fromUrl(schema as TObject, (data ?? {}) as Record<string, unknown>) };
    } catch (err) {
      return { error: err as Error };
    }
  };
};

function fromUrl(schema: TObject, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties)) {
    const message = (prop as Record<string, unknown>)[ERROR_MESSAGE];
    const refuse = (): never => {
      throw new TickwireError("BAD_REQUEST", typeof message === "string" ? message : `\`${name}\` is invalid.`);
    };
    const raw = data[name];
    const type = (prop as { type?: string }).type;
    const converted = type === "integer" || type === "boolean";
    if (raw === undefined || (converted && raw === "")) {
      if (required.has(name)) refuse();
      delete out[name];
      continue;
    }
    if (typeof raw !== "string") refuse();
    const text = raw as string;
    if (type === "integer") {
      const n = Number(text);
      const { minimum, maximum } = prop as { minimum?: number; maximum?: number };
      if (!Number.isInteger(n) || (minimum !== undefined && n < minimum) || (maximum !== undefined && n > maximum)) refuse();
      out[name] = n;
    } else if (type === "boolean") {
      if (text === "true" || text === "1") out[name] = true;
      else if (text === "false" || text === "0") out[name] = false;
      else refuse();
    } else {
      const { minLength, maxLength, pattern, enum: values } = prop as { minLength?: number; maxLength?: number; pattern?: string; enum?: unknown[] };
      if ((minLength !== undefined && text.length < minLength) || (maxLength !== undefined && text.length > maxLength) || (pattern !== undefined && !new RegExp(pattern).test(text))) refuse();
      if (values !== undefined && !values.includes(text)) refuse();
    }
  }
  return out;
}

/** Who may call a route of the HTTP API (its `config.auth`); routes under /api/ without one need an API key. */
export type RouteAuth = "public" | "apiKey" | "apiKeyOrOperator";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call the route: checked in onRequest, before the body is read. @default "apiKey" under /api/, else "public" */
    auth?: RouteAuth;
  }
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "BAD_REQUEST: the request is malformed (the message names the first problem).",
  401: "UNAUTHORIZED: no or an unknown API key.",
  403: "FORBIDDEN: the credential may not do this.",
  404: "NOT_FOUND: no such channel namespace or resource.",
  409: "CONFLICT: the request conflicts with the current state (a room that exists already).",
  413: "PAYLOAD_TOO_LARGE: the body or the publication's data is over its limit.",
  429: "RATE_LIMITED: too many refused credentials from this address; wait (Retry-After).",
  503: "SHUTDOWN or UNAVAILABLE: the node is shutting down or a dependency is down; retry.",
};

/** The error answers a route documents besides its own reply: each in the one error shape. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, { ...HttpErrorBodySchema, description: ERROR_DESCRIPTIONS[status] ?? "An error." }]));
}

/** A route's schema as Fastify validates it plus, under `responses`, what the OpenAPI document says it answers. */
export interface DocumentedSchema extends FastifySchema {
  /** Replies by status: documentation only (Fastify does not serialize through them). */
  responses?: Record<number, TSchema | { description: string; content: Record<string, unknown> }>;
}
