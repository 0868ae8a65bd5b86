/**
 * Size and time limits, in one place so that they are chosen deliberately and easy to review.
 */

/**
 * Largest schema document a registry may return. Real Iglu schemas are a few KiB (the largest of the
 * 660 in Iglu Central is 31 KiB), so 1 MiB leaves ample room while making sure a misconfigured
 * registry (a URL that serves a video, an endless stream) cannot make us buffer unbounded data.
 * A larger document is an InvalidSchemaDocumentError.
 */
export const MAX_SCHEMA_DOCUMENT_BYTES = 1024 * 1024;

/**
 * How long one registry lookup (connect, redirects and body) may take. Lookups happen while an
 * event request waits, so a hung registry must fail fast and let the next registry in the chain
 * answer, well within the function's own request timeout.
 */
export const DEFAULT_REGISTRY_TIMEOUT_MS = 5000;

/** Redirects an HTTP registry may send before we give up: the fetch standard's own limit. */
export const MAX_REGISTRY_REDIRECTS = 20;

/**
 * Registry lookups running at once per instance. Lookups happen for schemas not in the cache: a
 * flood of made-up schema names (each a cache miss) must not turn into a flood of registry requests
 * (GCS bills each, Iglu Central is someone else's server). Eight keep a cold start quick (a page's
 * events name a handful of schemas) while capping what one instance asks of a registry.
 */
export const MAX_CONCURRENT_REGISTRY_LOOKUPS = 8;

/**
 * Registry lookups that may wait for one of those slots. Beyond this, a lookup fails at once as
 * "registry unavailable": its event becomes a `registry_unavailable` invalid row that replay can
 * recover, instead of a growing queue holding requests and memory.
 */
export const MAX_QUEUED_REGISTRY_LOOKUPS = 256;

/**
 * Most elements of a JSON batch (a self-describing, webhook or CloudEvents array, a payload_data
 * `data` array) a protocol reads one by one. A 1 MiB body can hold 500,000 tiny elements, and each
 * element read costs a parse, a rejection or a row: read one by one, that is hundreds of MiB and
 * seconds of CPU for one request. A bigger batch is refused whole, as `size_exceeded`, after one
 * cheap scan. `limits.max_events_per_request` (at most this) then bounds every request's rows.
 */
export const MAX_BATCH_ELEMENTS = 10_000;

/**
 * Publish requests the REST Pub/Sub transport has on the wire at once per instance. The keep-alive
 * agent keeps one connection per request in flight alive for reuse, so this also bounds the sockets an
 * instance holds to Pub/Sub; more batches wait for a free request (within their retry budget).
 * A Publish request carries up to 1,000 messages, so 16 at once is far more than one instance
 * produces (the gRPC library multiplexes everything over one HTTP/2 connection).
 */
export const MAX_CONCURRENT_PUBSUB_REQUESTS = 16;

/**
 * Bytes of one Publish request's batch. Pub/Sub refuses messages and Publish requests over 10 MB
 * (https://cloud.google.com/pubsub/quotas#resource_limits); the Node client caps a batch at 9 MiB
 * (`BATCH_LIMITS.maxBytes`) to leave room for the request envelope, and so does Sluice, in both
 * transports and for the largest single message.
 */
export const MAX_PUBSUB_REQUEST_BYTES = 9 * 1024 * 1024;

/**
 * The most `limits.max_raw_bytes` may be (config/sluice.schema.json's maximum). Where a raw part is
 * cut from a large body or message, only this many leading bytes are decoded: whatever the
 * configured value, the row cannot keep more.
 */
export const MAX_RAW_BYTES_CEILING = 64 * 1024;
