import type { PublishOptions } from '@google-cloud/pubsub';
import type { PubsubTransport } from '../../core/config/config.ts';
import type { RowKind } from '../../core/contract/columns.ts';
import { MAX_PUBSUB_REQUEST_BYTES } from '../../core/limits.ts';
import { countPublishRequests } from './count-publish-requests.ts';
import { gaxPublishOptions, grpcClientConfig } from './grpc-settings.ts';
import { loadPubsub } from './load-pubsub.ts';
import type { PubsubClient, PubsubTopic } from './pubsub-client.ts';
import { PubsubRestClient } from './rest-client.ts';
import { publishRetryTiming } from './retry-timing.ts';

/** A Pub/Sub client and the two topics the sink publishes to through it. */
export interface PublishConnection {
  readonly client: PubsubClient;
  /** Made here, so closed by its user; false for an injected client, which its creator closes. */
  readonly owned: boolean;
  readonly topics: Readonly<Record<RowKind, PubsubTopic>>;
}

export interface PublishConnectionOptions {
  readonly projectId: string;
  readonly validTopic: string;
  readonly invalidTopic: string;
  readonly emulatorHost?: string;
  readonly apiEndpoint?: string;
  readonly publishTimeoutMs: number;
  readonly batchMaxMessages: number;
  readonly batchMaxMs: number;
  readonly transport: PubsubTransport;
  /** A ready client to use instead of making one. */
  readonly client?: PubsubClient;
}

/**
 * The client of the chosen transport (an injected one as it is; PubsubRestClient for rest; the
 * `@google-cloud/pubsub` library, loaded now, for grpc) and its two topics, batching at most
 * batchMaxMessages messages, MAX_PUBSUB_REQUEST_BYTES, or batchMaxMs of waiting, and retrying
 * within publishRetryTiming's budget. `onPublishRequest` is called once per Publish request sent.
 */
export async function openPublishConnection(
  options: PublishConnectionOptions,
  onPublishRequest: () => void,
): Promise<PublishConnection> {
  const injected = options.client;
  const timing = publishRetryTiming(options);
  let client: PubsubClient;
  if (injected !== undefined) {
    client = injected;
  } else if (options.transport === 'rest') {
    client = new PubsubRestClient({
      projectId: options.projectId,
      ...(options.emulatorHost === undefined ? {} : { emulatorHost: options.emulatorHost }),
      ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
      retry: timing,
      onPublishRequest,
    });
  } else {
    const { PubSub } = await loadPubsub();
    client = new PubSub(
      grpcClientConfig({
        projectId: options.projectId,
        emulatorHost: options.emulatorHost,
        apiEndpoint: options.apiEndpoint,
        publishTimeoutMs: options.publishTimeoutMs,
      }),
    );
  }
  const publishOptions: PublishOptions = {
    batching: {
      maxMessages: options.batchMaxMessages,
      maxMilliseconds: options.batchMaxMs,
      // The cap: a burst of large rows is split no more than needed.
      maxBytes: MAX_PUBSUB_REQUEST_BYTES,
    },
    gaxOpts: gaxPublishOptions(timing),
  };
  const topic = (name: string): PubsubTopic => {
    const created = client.topic(name, publishOptions);
    // The library's Topic is counted through its internals; the REST client calls onPublishRequest itself.
    countPublishRequests(created, onPublishRequest);
    return created;
  };
  return {
    client,
    owned: injected === undefined,
    topics: { valid: topic(options.validTopic), invalid: topic(options.invalidTopic) },
  };
}
