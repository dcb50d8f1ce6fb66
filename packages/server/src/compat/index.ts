export { LegacyEventsComponent } from "./legacy-events-component.js";
export { LegacySubscriber, type LegacyItem, type LegacyFailure } from "./legacy-subscriber.js";
export { RRR_STREAMS } from "./rrr-events.js";
export { STACKMOTIVE_NOTIFICATION_EVENT } from "./stackmotive-events.js";
export { pongOf } from "./heartbeat-events.js";
export { toStreamData, type StreamData } from "./mystocks-events.js";
