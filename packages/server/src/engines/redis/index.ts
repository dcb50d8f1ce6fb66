export { RedisEngine, type FanOutCounters, type RedisEngineOptions } from "./redis-engine.js";
export { channelKeys, partitionOf, PARTITIONS, type ChannelKeys } from "./redis-keys.js";
export type { FeedCounters } from "./channel-feed.js";
