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
