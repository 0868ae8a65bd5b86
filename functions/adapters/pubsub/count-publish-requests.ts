import type { PubsubTopic } from './pubsub-client.ts';

/**
 * Calls `onPublish` for each Publish request `topic` sends, by wrapping the topic's `request`
 * method, through which the library's batching queue sends each batch
 * (publisher/message-queues.js, `MessageQueue._publish`, in 6.3.0). It is not a documented hook:
 * if a library update bypasses it, nothing is counted and the emulator test that expects
 * batching fails, rather than anything breaking. A topic without a `request` method (the REST
 * client's, a test's stand-in) is left as it is.
 */
export function countPublishRequests(topic: PubsubTopic, onPublish: () => void): void {
  type Request = (config: { method?: string }, ...rest: unknown[]) => unknown;
  const target = topic as PubsubTopic & { request?: Request };
  const original = target.request;
  if (typeof original !== 'function') return;
  target.request = (config, ...rest) => {
    if (config?.method === 'publish') onPublish();
    return original.call(topic, config, ...rest);
  };
}
