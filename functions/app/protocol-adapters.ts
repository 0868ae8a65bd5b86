import type { SluiceConfig } from '../core/config/config.ts';
import { createCloudEventsAdapter } from '../core/protocols/cloudevents.ts';
import { createPixelAdapter } from '../core/protocols/pixel.ts';
import type { ProtocolAdapter } from '../core/protocols/protocol.ts';
import { createSegmentAdapter } from '../core/protocols/segment.ts';
import { createSelfDescribingAdapter } from '../core/protocols/self-describing.ts';
import { createSnowplowAdapter } from '../core/protocols/snowplow.ts';
import { createWebhookAdapter } from '../core/protocols/webhook.ts';

/** Every input protocol, in the order requests are matched against them. */
export function createProtocolAdapters(config: SluiceConfig): ProtocolAdapter[] {
  return [
    createSnowplowAdapter(config.snowplow),
    createCloudEventsAdapter(config.cloudevents),
    createSegmentAdapter(config.segment),
    createSelfDescribingAdapter(),
    createPixelAdapter(config.pixel),
    createWebhookAdapter(),
  ];
}
