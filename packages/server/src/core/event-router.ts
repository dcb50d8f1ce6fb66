import type { TSchema, Static } from "@sinclair/typebox";
import { CLIENT_EVENT_SCHEMAS, TickwireError, type ClientEventName } from "@tickwire/protocol";
import type { Logger } from "../observability/logger.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import type { Session } from "./session.js";
import { validate } from "./validator.js";

/** Handles one client event; returns the reply without `ok`, or throws a TickwireError. */
export type EventHandler<S extends TSchema = TSchema> = (session: Session, request: Static<S>) => Promise<Record<string, unknown>> | Record<string, unknown>;

type Ack = (reply: unknown) => void;

/**
 * Routes client events to their handlers: validates the payload against the
 * protocol schema, and answers every event through its acknowledgement
 * (`{ ok: true, … }` or `{ ok: false, error }`), or with an `error` event when
 * the client sent none. A handler that throws never crashes the process.
 */
export class EventRouter {
  private readonly handlers = new Map<string, { schema: TSchema; handler: EventHandler }>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Registers the handler of a protocol event. */
  register<E extends ClientEventName>(event: E, handler: EventHandler<(typeof CLIENT_EVENT_SCHEMAS)[E]>): void {
    this.handlers.set(event, { schema: CLIENT_EVENT_SCHEMAS[event], handler: handler as EventHandler });
  }

  /** True when `event` is a client event this server handles. */
  knows(event: string): boolean {
    return this.handlers.has(event);
  }

  /** Handles one incoming event with its raw arguments (payload first, ack last). */
  async handle(session: Session, event: string, args: unknown[]): Promise<void> {
    const ack = typeof args[args.length - 1] === "function" ? (args.pop() as Ack) : undefined;
    const entry = this.handlers.get(event);
    try {
      if (!entry) throw new TickwireError("UNKNOWN_EVENT", `"${event}" is not a Tickwire event.`);
      const payload = args.length === 0 || args[0] === undefined || args[0] === null ? {} : args[0];
      const request = validate(entry.schema, payload);
      const reply = await entry.handler(session, request);
      ack?.({ ok: true, ...reply });
    } catch (err) {
      this.reject(session, event, err, ack);
    }
  }

  /** Answers a refused event. */
  reject(session: Session, event: string, err: unknown, ack: Ack | undefined): void {
    const e = err instanceof TickwireError ? err : new TickwireError("INTERNAL", undefined, { cause: err });
    if (e.code === "INTERNAL") this.logger.error({ err, event, userId: session.userId }, "client event failed");
    this.metrics.refusedEvents.inc({ code: e.code });
    const error = e.toWire();
    if (ack) ack({ ok: false, error });
    else if (!session.closed) session.connection.emit("error", { ...error, event });
  }
}
