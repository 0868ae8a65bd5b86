import { LocalSink } from '../adapters/sink/local-sink.ts';
import { createPubsubSink, type PubsubSinkOptions } from '../adapters/sink/pubsub-sink.ts';
import type { SluiceConfig } from '../core/config/config.ts';
import type { EventSink } from '../core/sink/event-sink.ts';

/** The sink the configuration names; the local one is also returned for the /local routes. */
export function createSinkFromConfig(config: SluiceConfig): { sink: EventSink; localSink?: LocalSink } {
  if (config.sink === 'local') {
    const localSink = new LocalSink(config.local.dir);
    return { sink: localSink, localSink };
  }
  return {
    sink: createPubsubSink({
      ...pubsubSinkOptions(config),
      maxInFlightBytes: config.limits.max_in_flight_bytes,
      maxInFlightRequests: config.limits.max_in_flight_requests,
      maxRawBytes: config.limits.max_raw_bytes,
    }),
  };
}

/**
 * Where and how the Pub/Sub sink publishes, from the configuration: the collector's sink and the
 * replay tool's publisher share these; the in-flight caps are the collector's alone.
 */
export function pubsubSinkOptions(config: SluiceConfig): PubsubSinkOptions {
  return {
    projectId: config.project,
    validTopic: config.valid_topic,
    invalidTopic: config.invalid_topic,
    ...(config.pubsub.emulator_host ? { emulatorHost: config.pubsub.emulator_host } : {}),
    ...(config.pubsub.api_endpoint ? { apiEndpoint: config.pubsub.api_endpoint } : {}),
    publishTimeoutMs: config.pubsub.publish_timeout_ms,
    batchMaxMessages: config.pubsub.batch_max_messages,
    batchMaxMs: config.pubsub.batch_max_ms,
    transport: config.pubsub.transport,
  };
}
