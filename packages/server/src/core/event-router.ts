import type { TSchema, Static } from "@sinclair/typebox";
import { CLIENT_EVENT_SCHEMAS, TickwireError, type ClientEventName } from "@tickwire/protocol";
import type { Logger } from "../observability/logger.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import type { Session } from "./session.js";
import { toTickwireError } from "./rules.js";
import { validate } from "./validator.js";

/** What a handler may know about the event besides its payload. */
export interface EventContext {
  /** True when the client passed an acknowledgement: the reply (and any refusal) goes there. */
  readonly acknowledged: boolean;
}

/** Handles one client event; returns the reply without `ok`, or throws a TickwireError. */
export type EventHandler<S extends TSchema = TSchema> = (
  session: Session,
  request: Static<S>,
  context: EventContext,
) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** Called after a protocol event was answered `ok` (side effects of legacy clients, such as `pong`). */
export type EventObserver = (session: Session, request: unknown, reply: Record<string, unknown>) => void;

type Ack = (reply: unknown) => void;

interface Route {
  readonly schema: TSchema;
  readonly handler: EventHandler;
}

/**
 * Routes client events to their handlers: validates the payload against the
 * protocol schema, and answers every event through its acknowledgement
 * (`{ ok: true, … }` or `{ ok: false, error }`), or with an `error` event when
 * the client sent none. A handler that throws never crashes the process.
 *
 * Beyond the protocol it takes extension events with their own schema, and
 * variants of protocol events: a payload the protocol schema refuses goes to
 * the first variant whose schema accepts it (legacy clients,
 * docs/legacy-clients.md); otherwise the protocol's BAD_REQUEST stands.
 */
export class EventRouter {
  private readonly handlers = new Map<string, Route>();
  private readonly variants = new Map<string, Route[]>();
  private readonly observers = new Map<string, EventObserver[]>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Registers the handler of a protocol event. */
  register<E extends ClientEventName>(event: E, handler: EventHandler<(typeof CLIENT_EVENT_SCHEMAS)[E]>): void {
    this.handlers.set(event, { schema: CLIENT_EVENT_SCHEMAS[event], handler: handler as EventHandler });
  }

  /**
   * Registers an event outside the protocol, validated against its own schema.
   * @throws Error when `event` is a protocol event (use registerVariant).
   * @example router.registerExtension("subscribe:portfolio", Type.Object({}), (session) => ({ channel: "portfolio:" + session.userId }));
   */
  registerExtension<S extends TSchema>(event: string, schema: S, handler: EventHandler<S>): void {
    if (Object.hasOwn(CLIENT_EVENT_SCHEMAS, event)) throw new Error(`"${event}" is a protocol event; register a variant instead.`);
    if (this.handlers.has(event)) throw new Error(`"${event}" is already registered.`);
    this.handlers.set(event, { schema, handler: handler as EventHandler });
  }

  /**
   * Registers a variant of a protocol event: it handles payloads the protocol
   * schema refuses and `schema` accepts. An event may have several variants,
   * tried in the order registered; their schemas should be disjoint (the first
   * that accepts a payload takes it).
   * @example router.registerVariant("subscribe", Type.Object({ streams: Type.Array(Type.String()) }), handler);
   */
  registerVariant<S extends TSchema>(event: ClientEventName, schema: S, handler: EventHandler<S>): void {
    this.variants.set(event, [...(this.variants.get(event) ?? []), { schema, handler: handler as EventHandler }]);
  }

  /** Calls `observer` after each `ok` answer of a protocol event handled by its protocol handler. */
  observe(event: ClientEventName, observer: EventObserver): void {
    this.observers.set(event, [...(this.observers.get(event) ?? []), observer]);
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
      const context: EventContext = { acknowledged: ack !== undefined };
      let request: unknown;
      try {
        request = validate(entry.schema, payload);
      } catch (err) {
        const variant = this.variants.get(event)?.find((v) => accepts(v.schema, payload));
        if (!variant) throw err;
        // Run before answering: `ack?.(…)` would skip the handler when there is no ack.
        const reply = await variant.handler(session, payload, context);
        ack?.({ ok: true, ...reply });
        return;
      }
      const reply = await entry.handler(session, request, context);
      ack?.({ ok: true, ...reply });
      this.notify(session, event, request, reply);
    } catch (err) {
      this.reject(session, event, err, ack);
    }
  }

  private notify(session: Session, event: string, request: unknown, reply: Record<string, unknown>): void {
    for (const observer of this.observers.get(event) ?? []) {
      try {
        observer(session, request, reply);
      } catch (err) {
        // The event was answered already: a failing side effect is logged, not reported twice.
        this.logger.error({ err, event, userId: session.userId }, "event observer failed");
      }
    }
  }

  /** Answers a refused event. */
  reject(session: Session, event: string, err: unknown, ack: Ack | undefined): void {
    const e = toTickwireError(err);
    if (e.code === "INTERNAL") this.logger.error({ err, event, userId: session.userId }, "client event failed");
    this.metrics.refusedEvents.inc({ code: e.code });
    const error = e.toWire();
    if (ack) ack({ ok: false, error });
    else if (!session.closed) session.connection.emit("error", { ...error, event });
  }
}

function accepts(schema: TSchema, payload: unknown): boolean {
  try {
    validate(schema, payload);
    return true;
  } catch {
    return false;
  }
}
