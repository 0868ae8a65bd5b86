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

/** Longest accepted schema URI; Iglu sets no limit, but request-borne keys must be bounded. */
export const MAX_SCHEMA_URI_LENGTH = 512;

/** Longest header value kept in an invalid row's `request` summary; a hostile client can send huge ones. */
export const MAX_SUMMARY_HEADER_LENGTH = 512;

/**
 * Longest query string kept in an invalid row's `request` summary (the full part that failed goes
 * in `raw`); replay treats a query this long as possibly cut.
 */
export const MAX_SUMMARY_QUERY_LENGTH = 2048;

/** Longest sender-supplied event id kept; a longer one is replaced by a generated UUID. */
export const MAX_EVENT_ID_LENGTH = 128;

/** Longest user agent parsed; longer strings are cut first (real ones are a few hundred characters). */
export const MAX_PARSED_USER_AGENT_LENGTH = 1024;

/**
 * Longest enrichment cache key kept. Page URLs and user agents come from senders and can be as long as a request
 * allows: values over this are worked out every time rather than kept, so that the bound on
 * entries is also a bound on memory (10,000 entries of at most 2 KiB keys).
 */
export const MAX_CACHED_KEY_LENGTH = 2048;

/** Distinct page URLs, referrers, user agents and addresses each remembered per instance. */
export const ENRICHMENT_CACHE_ENTRIES = 10_000;

/** Pub/Sub's documented limit on an attribute value (1024 bytes); longer values are cut. */
export const MAX_ATTRIBUTE_VALUE_BYTES = 1024;

/**
 * Deepest nesting of arrays and objects accepted in a JSON document: BigQuery's limit for its JSON
 * type (https://cloud.google.com/bigquery/docs/json-data#limitations). Anything deeper could never
 * be stored, and it would overflow the stack of every recursive JSON walk on the way there
 * (JSON.stringify throws a RangeError from a few thousand levels), so it is refused at the door.
 */
export const MAX_JSON_DEPTH = 500;

/**
 * Pub/Sub's limits on one Publish request: 1,000 messages and 10 MB
 * (https://cloud.google.com/pubsub/quotas#resource_limits). Over REST the 10 MB is the JSON body,
 * where data is base64 (4/3 of its size); a batch is closed before its body passes maxBytes.
 */
export const MAX_MESSAGES_PER_PUBLISH_REQUEST = 1000;

/**
 * Largest MaxMind database read. GeoLite2 City is about 60 MB and GeoIP2 City about 130 MB; the cap keeps
 * a wrong URL (a bucket of videos) from filling the instance's memory.
 */
export const MAX_MMDB_BYTES = 512 * 1024 * 1024;

/** How long reading a gs:// MaxMind database may take at start-up. */
export const MMDB_DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * The functions framework reads every body that has a Content-Type with body-parser before the
 * function runs, with a limit of 1024 MB (server.js: "larger than 32MB, which is maximum limit of
 * higher level layers anyway"). That limit counts *decoded* bytes: a gzip bomb of 1 MiB that
 * inflates to 1 GiB is inflated in memory up to 1 GiB before anything of Sluice runs, which can
 * take a 512 MiB instance down. Cloud Run caps a request at 32 MiB on the wire
 * (https://cloud.google.com/run/quotas#cloud_run_limits), but not what it decodes to.
 *
 * The framework offers no setting for it, so Sluice lowers the limit of the framework's own
 * body-parser parsers to this many bytes of decoded body: the same 32 MiB a
 * request may have anyway, and no less than the largest `limits.max_request_bytes`. Bodies up to
 * that still reach the collector, which answers 413 with a size_exceeded row past its own limit;
 * only a compressed body that decodes to more is answered 413 by the framework, with no row.
 *
 * functions/app/http/framework-body-limit.ts applies it to the framework's parsers.
 */
export const FRAMEWORK_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/** Shortest accepted purge token: anything shorter can be guessed. */
export const MIN_PURGE_TOKEN_LENGTH = 16;

/**
 * Attempts of one gs:// registry lookup: the first and up to two retries, as long as the lookup's budget lasts.
 * Cloud Storage's retry strategy: a GET is idempotent, and 408, 429, 5xx, timeouts and dropped
 * connections are transient.
 */
export const MAX_GCS_LOOKUP_ATTEMPTS = 3;

/**
 * Local sink (`/local/*`): when the rows a query returns are spread over more than this many bytes, they are read one by
 * one instead of as one span (a filter that picks rare rows out of a large file).
 */
export const MAX_LOCAL_QUERY_SPAN_BYTES = 16 * 1024 * 1024;

/**
 * How long one metadata-server request may take. It is the shared fetch's own timeout, not any
 * caller's: a caller with little time left stops waiting without cancelling it for the others.
 * gcp-metadata allows 3 s off Google Cloud.
 */
export const METADATA_TIMEOUT_MS = 3_000;

/** What is left of Cloud Run's 10 s after SIGTERM for requests to finish, leaving time to flush. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 8_000;

/**
 * The most `limits.max_raw_bytes` may be (config/sluice.schema.json's maximum). Where a raw part is
 * cut from a large body or message, only this many leading bytes are decoded: whatever the
 * configured value, the row cannot keep more, and a 10 MB body never becomes a 10 MB string
 * first (the `raw` of a row that stands for a whole request: over-size, too many events, an
 * adapter failure).
 */
export const MAX_RAW_BYTES_CEILING = 64 * 1024;

/**
 * Local sink: largest line buffer kept for the next group once written: one group at a time is collected and
 * one written, so at most two per file are kept; a burst that needed more gives it back.
 */
export const MAX_KEPT_LINE_BUFFER_BYTES = 4 * 1024 * 1024;
