import { TickwireError, type ChannelKind, type NamespaceDefinition } from "@tickwire/protocol";
import type { ChannelSource } from "./channel-source.js";
import type { Publication } from "./publication.js";

/**
 * The channel source of each kind. The gateway registers the engine's (`event`,
 * `state`); a component registers the others (the notification service: `inbox`)
 * through its context. One source per kind: a second is refused.
 * @example sources.register("inbox", inboxSource)
 */
export class ChannelSources {
  private readonly byKind = new Map<ChannelKind, ChannelSource>();

  /** @param catalogue the namespaces, to find a publication's kind from its channel name */
  constructor(private readonly catalogue: ReadonlyMap<string, NamespaceDefinition>) {}

  /** Makes `source` serve the namespaces of `kind` (those it names in `namespaces`, else every one). @throws Error when the kind has a source already */
  register(kind: ChannelKind, source: ChannelSource): void {
    if (this.byKind.has(kind)) throw new Error(`Channels of kind "${kind}" have a source already; one source serves each kind.`);
    this.byKind.set(kind, source);
  }

  /** Whether a source serves `kind`. */
  serves(kind: ChannelKind): boolean {
    return this.byKind.has(kind);
  }

  /**
   * The source of the namespace's kind.
   * @throws TickwireError UNAVAILABLE when no source serves it (a gateway whose components leave the notification service out)
   */
  of(namespace: NamespaceDefinition): ChannelSource {
    const source = this.byKind.get(namespace.kind);
    if (!source || !serves(source, namespace)) throw new TickwireError("UNAVAILABLE", `No component of this gateway serves "${namespace.name}" channels (kind ${namespace.kind}).`);
    return source;
  }

  /**
   * Refuses namespaces whose kind no source serves (called at start with the
   * namespaces the operator declared: a channel nobody serves is a mistake of configuration).
   * @throws Error naming each such namespace and its kind
   */
  check(namespaces: readonly NamespaceDefinition[]): void {
    const unserved = namespaces.filter((n) => {
      const source = this.byKind.get(n.kind);
      return !source || !serves(source, n);
    });
    if (unserved.length === 0) return;
    const list = unserved.map((n) => `"${n.name}" (kind ${n.kind})`).join(", ");
    throw new Error(`No channel source serves ${list}: add the component that serves the kind (the notification service serves inbox channels of the namespace "notifications"), or change the namespace's kind.`);
  }

  /** Tells the source of the namespace's kind that `offset` of `channel` was written to a connection (see `ChannelSource.delivered`). */
  delivered(namespace: NamespaceDefinition, channel: string, offset: number): void {
    this.byKind.get(namespace.kind)?.delivered?.(channel, offset);
  }

  /** Hands a publication from the engine to its source's `receive`, else straight to `deliver`. */
  receive(publication: Publication, deliver: (publication: Publication) => void): void {
    const colon = publication.channel.indexOf(":");
    const namespace = this.catalogue.get(colon < 0 ? publication.channel : publication.channel.slice(0, colon));
    const source = namespace && this.byKind.get(namespace.kind);
    if (namespace && source?.receive && serves(source, namespace)) source.receive(publication);
    else deliver(publication);
  }
}

function serves(source: ChannelSource, namespace: NamespaceDefinition): boolean {
  return source.namespaces === undefined || source.namespaces.includes(namespace.name);
}
