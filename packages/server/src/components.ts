import { LegacyEventsComponent } from "./compat/legacy-events-component.js";
import type { GatewayOptions } from "./config/options.js";
import type { GatewayComponent } from "./core/component.js";
import type { RpcCaller } from "./proxy/rpc-proxy.js";
import { RedisStreamIngest } from "./ingest/redis-stream-ingest.js";
import { UpstreamFeed } from "./ingest/upstream-feed.js";
import { NotificationService } from "./notifications/notification-service.js";
import { Simulator } from "./simulator/simulator.js";
import { StreamsComponent } from "./streams/streams-component.js";

/** The components the options turn on (simulator, ingest, feed, notifications, legacy client events). */
export function defaultComponents(options: GatewayOptions, parts: { readonly rpc?: RpcCaller } = {}): GatewayComponent[] {
  const components: GatewayComponent[] = [];
  // The gateway starts them in the order their `startsAfter` gives (core/component.ts, orderComponents).
  components.push(new StreamsComponent());
  const notifications = new NotificationService({
    dedupWindowMs: options.notificationDedupWindowMs,
    retentionMs: options.notificationRetentionMs,
    maxPerUser: options.notificationMaxPerUser,
    maxDataBytes: options.maxPublicationBytes,
    maxDataDepth: options.maxInputDepth,
  });
  components.push(notifications);
  if (options.legacyEvents) components.push(new LegacyEventsComponent({ rpc: parts.rpc, inbox: () => notifications.inbox, rrrStreams: options.rrrStreams }));
  if (options.ingestRedisUrl !== undefined || options.ingestRedisClusterNodes !== undefined) {
    const target = options.ingestRedisClusterNodes !== undefined ? { clusterNodes: options.ingestRedisClusterNodes } : { url: options.ingestRedisUrl! };
    const streams = options.ingestStream.split(",").map((s) => s.trim());
    components.push(new RedisStreamIngest({ ...target, streams, group: options.ingestGroup, consumer: options.ingestConsumer, maxEntryBytes: options.maxBodyBytes }));
  }
  if (options.feedUrl !== undefined) {
    components.push(new UpstreamFeed({ url: options.feedUrl, reconnectMinMs: options.feedReconnectMinMs, reconnectMaxMs: options.feedReconnectMaxMs, maxMessageBytes: options.maxBodyBytes, onDemand: options.feedOnDemand }));
  }
  if (options.simulator) components.push(new Simulator({ onDemand: options.simulatorOnDemand }));
  return components;
}
