import CircuitBreaker from "opossum";
import { isErrorCode, TickwireError, type ErrorCode } from "@tickwire/protocol";

/** What a backend answered: Centrifugo's proxy shape, `{ result }` or `{ error: { code, message } }`. */
export type BackendAnswer = { readonly result: unknown } | { readonly error: BackendError };

/** An error the backend answered with: its own code (a string or a number) and message. */
export interface BackendError {
  readonly code: string;
  readonly message: string;
}

/** Options of a BackendPost. */
export interface BackendPostOptions {
  /** Names the proxy in errors and stats (`rpc`, `subscribe`). */
  readonly name: string;
  /** Time allowed for one call, connection to last byte. */
  readonly timeoutMs: number;
  /** Largest answer body read; a larger one is BAD_GATEWAY. */
  readonly maxAnswerBytes: number;
  /** Failing share of calls (percent) that opens the breaker. @default 50 */
  readonly errorThresholdPercentage?: number;
  /** Calls in the rolling window before the breaker may open. @default 5 */
  readonly volumeThreshold?: number;
  /** How long an open breaker refuses calls before it tries one. @default 10000 */
  readonly resetTimeoutMs?: number;
}

/** Most characters of a backend error message passed on. */
const MAX_MESSAGE = 512;
/** Most characters of a backend error code passed on. */
const MAX_CODE = 64;

/** The answer could not be read: counted as a failure of the backend by the breaker. */
class BadAnswer extends Error {}

/**
 * POSTs JSON to the platform's backend and reads `{ result }` or `{ error }`:
 * bounded by a timeout, behind one circuit breaker per URL (opossum), so a
 * backend that keeps failing is refused at once with UNAVAILABLE instead of
 * holding every caller for the timeout. Never hangs, never throws anything but
 * a TickwireError: UNAVAILABLE (unreachable, timed out, breaker open) or
 * BAD_GATEWAY (an HTTP error status, or an answer that is not the shape).
 */
export class BackendPost {
  private readonly breakers = new Map<string, CircuitBreaker<[string, unknown, string], BackendAnswer>>();

  constructor(private readonly options: BackendPostOptions) {}

  /** Calls `url` with `body`; `traceId` travels as the `x-trace-id` header. @throws TickwireError */
  async call(url: string, body: unknown, traceId: string): Promise<BackendAnswer> {
    try {
      return await this.breaker(url).fire(url, body, traceId);
    } catch (err) {
      if (err instanceof BadAnswer) throw new TickwireError("BAD_GATEWAY", `The ${this.options.name} backend's answer was refused: ${err.message}`);
      const code = (err as { code?: unknown }).code;
      const why = code === "EOPENBREAKER" ? "it failed repeatedly and is given a rest" : code === "ETIMEDOUT" || (err as Error).name === "TimeoutError" ? `it did not answer within ${this.options.timeoutMs} ms` : "it cannot be reached";
      throw new TickwireError("UNAVAILABLE", `The ${this.options.name} backend is unavailable (${why}); try again later.`, { cause: err });
    }
  }

  /** Breaker states by URL, for stats and readiness. */
  state(): Array<{ url: string; breaker: "open" | "halfOpen" | "closed" }> {
    return [...this.breakers].map(([url, b]) => ({ url, breaker: b.opened ? "open" : b.halfOpen ? "halfOpen" : "closed" }));
  }

  close(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }

  private breaker(url: string): CircuitBreaker<[string, unknown, string], BackendAnswer> {
    let breaker = this.breakers.get(url);
    if (!breaker) {
      breaker = new CircuitBreaker((u: string, body: unknown, traceId: string) => this.post(u, body, traceId), {
        timeout: this.options.timeoutMs,
        errorThresholdPercentage: this.options.errorThresholdPercentage ?? 50,
        volumeThreshold: this.options.volumeThreshold ?? 5,
        resetTimeout: this.options.resetTimeoutMs ?? 10_000,
      });
      this.breakers.set(url, breaker);
    }
    return breaker;
  }

  private async post(url: string, body: unknown, traceId: string): Promise<BackendAnswer> {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "x-trace-id": traceId },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs),
      redirect: "error",
    });
    const text = await readBounded(res, this.options.maxAnswerBytes);
    if (!res.ok) throw new BadAnswer(`HTTP ${res.status}.`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BadAnswer("it is not JSON.");
    }
    return answerOf(json);
  }
}

/** Reads at most `max` bytes of the body. @throws BadAnswer when it is longer */
async function readBounded(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new BadAnswer(`it is larger than ${max} bytes.`);
  }
  if (!res.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new BadAnswer(`it is larger than ${max} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** `{ result }` or `{ error: { code, message } }`, nothing else. @throws BadAnswer */
export function answerOf(json: unknown): BackendAnswer {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new BadAnswer("it is not an object.");
  const o = json as Record<string, unknown>;
  if (o.error !== undefined && o.error !== null) {
    const e = o.error as Record<string, unknown>;
    const code = typeof e === "object" ? e.code : undefined;
    const message = typeof e === "object" ? e.message : undefined;
    if ((typeof code !== "string" && typeof code !== "number") || String(code).length === 0 || String(code).length > MAX_CODE) throw new BadAnswer("`error.code` must be a string or a number.");
    if (message !== undefined && typeof message !== "string") throw new BadAnswer("`error.message` must be a string.");
    return { error: { code: String(code), message: (message ?? "").slice(0, MAX_MESSAGE) } };
  }
  if (!Object.hasOwn(o, "result")) throw new BadAnswer("it has neither `result` nor `error`.");
  return { result: o.result };
}

/** Registry codes a backend may answer with and the client then gets as they are; others are BACKEND_REFUSED. */
const PASSED_CODES: readonly ErrorCode[] = ["BAD_REQUEST", "NOT_FOUND", "CONFLICT", "FORBIDDEN", "RATE_LIMITED", "LIMIT_EXCEEDED", "UNAVAILABLE"];

/** The backend's error as a TickwireError: a registry code it may use stays, any other is BACKEND_REFUSED; its message is kept. */
export function backendErrorOf(error: BackendError, fallback: ErrorCode = "BACKEND_REFUSED"): TickwireError {
  const code = isErrorCode(error.code) && PASSED_CODES.includes(error.code) ? error.code : fallback;
  return new TickwireError(code, error.message === "" ? undefined : error.message, { details: { backendCode: error.code } });
}
