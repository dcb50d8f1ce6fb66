import { TickwireError, type NamespaceDefinition } from "@tickwire/protocol";
import type { Logger } from "../observability/logger.js";
import type { ChannelSource, SourceContext, SourceReceipt, SourceTarget } from "./channel-source.js";
import type { Engine } from "./engine.js";
import type { ChannelPosition, Publication } from "./publication.js";

/**
 * Channels the engine numbers (kind `event`: history after a position is what
 * a recovering subscriber is owed). The engine assigns offsets, keeps history
 * and fans out between nodes.
 */
export class EventSource implements ChannelSource {
  constructor(
    protected readonly engine: Engine,
    private readonly logger: Logger,
  ) {}

  async publish(target: SourceTarget, context: SourceContext): Promise<SourceReceipt> {
    const { channel, namespace, event, data } = target;
    let publication;
    try {
      publication = await this.engine.publish(channel, namespace, { event, data, ts: context.ts, traceId: context.traceId });
    } catch (err) {
      this.logger.error({ err, channel, traceId: context.traceId }, "publish failed");
      throw new TickwireError("UNAVAILABLE", "The publication could not be stored; retry with the same idempotency key.", { cause: err });
    }
    return { channel, offset: publication.offset, epoch: publication.epoch };
  }

  position(channel: string, namespace: NamespaceDefinition): Promise<ChannelPosition> {
    return this.engine.position(channel, namespace);
  }

  attach(channel: string, namespace: NamespaceDefinition): Promise<void> {
    return this.engine.subscribe(channel, namespace);
  }

  detach(channel: string, namespace: NamespaceDefinition): Promise<void> {
    return this.engine.unsubscribe(channel, namespace);
  }
}

/** Channels the engine numbers that keep a latest value (kind `state`): a fresh subscriber gets it first. */
export class StateSource extends EventSource {
  latest(channel: string, namespace: NamespaceDefinition): Promise<Publication | undefined> {
    return this.engine.latest(channel, namespace);
  }
}
