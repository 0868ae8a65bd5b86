/**
 * What Google's services and client libraries do under failure, as Google documents it, so that
 * tests of Sluice's own Pub/Sub REST client, metadata-server credentials and Cloud Storage reader
 * check them against Google's behaviour rather than against themselves.
 *
 * Sources (the values below cite them):
 * [P1] https://cloud.google.com/pubsub/docs/reference/error-codes — "Error codes common to all
 *      methods": each error's HTTP code and client action. 409 ABORTED, 499 CANCELLED, 500
 *      INTERNAL, 502 BAD_GATEWAY, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED and 429
 *      RESOURCE_EXHAUSTED: "the client can retry"; 400 INVALID_ARGUMENT / FAILED_PRECONDITION, 403
 *      PERMISSION_DENIED, 404 NOT_FOUND: not without a change.
 * [P2] The Pub/Sub library's generated client settings, publisher_client_config.json (shipped in
 *      @google-cloud/pubsub and @google-cloud/pubsub-api; e.g.
 *      https://unpkg.com/browse/@google-cloud/pubsub@3.1.0/build/src/v1/publisher_client_config.json):
 *      Publish retries "cancelled_unknown_deadline_exceeded_resource_exhausted_aborted_internal_unavailable".
 *      https://cloud.google.com/pubsub/docs/retry-requests and the sample "pubsub-publisher-retry-settings"
 *      list the same seven codes.
 * [P3] google.rpc.Code (https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto,
 *      rendered e.g. at https://cloud.google.com/dotnet/docs/reference/Google.Api.CommonProtos/latest/Google.Rpc.Code):
 *      the HTTP mapping of each code (CANCELLED 499, UNKNOWN/INTERNAL/DATA_LOSS 500, ABORTED and
 *      ALREADY_EXISTS 409, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, RESOURCE_EXHAUSTED 429, ...).
 * [P4] https://cloud.google.com/pubsub/docs/reference/service_apis_overview — "Pub/Sub endpoints":
 *      the global REST endpoint https://pubsub.googleapis.com and locational endpoints
 *      `<region>-pubsub.googleapis.com`; Google's client samples ("Override Publisher Default
 *      Endpoint", e.g. https://cloud.google.com/cpp/docs/reference/pubsub/latest/Publisher-endpoint-snippet)
 *      also use `private.googleapis.com` for Private Google Access.
 * [P5] @google-cloud/pubsub, PubSub.determineBaseUrl_ (build/src/pubsub.js): `apiEndpoint` and
 *      PUBSUB_EMULATOR_HOST lose a leading `http(s)://` and trailing slashes before use.
 * [M1] gcp-metadata (the metadata client of google-auth-library), documented at
 *      https://cloud.google.com/nodejs/docs/reference/gcp-metadata/latest/overview: HOST_ADDRESS
 *      http://169.254.169.254 (every request goes there unless GCE_METADATA_IP / GCE_METADATA_HOST
 *      is set; the DNS name metadata.google.internal. is only raced against it when detecting),
 *      HEADER_NAME Metadata-Flavor, HEADER_VALUE Google, sent on every request and required on
 *      every answer ("Invalid response from metadata service: incorrect Metadata-Flavor header");
 *      METADATA_SERVER_DETECTION: assume-present / none / bios-only / ping-only; a 3 s request
 *      timeout off Google Cloud.
 * [M2] gcp-metadata, gcp-residency: Google Cloud serverless is recognised by CLOUD_RUN_JOB,
 *      FUNCTION_NAME, K_SERVICE or CLOUD_RUN_WORKER_POOL (isGoogleCloudServerless);
 *      https://cloud.google.com/run/docs/container-contract#env-vars. FUNCTION_TARGET is not
 *      among them (the Functions Framework sets it wherever it runs).
 * [M3] https://cloud.google.com/run/docs/container-contract#metadata-server and
 *      https://cloud.google.com/compute/docs/access/authenticate-workloads#applications: the token
 *      is at instance/service-accounts/default/token with `expires_in`; the metadata server caches
 *      a token until 5 minutes before it expires, then returns a new one.
 * [M4] https://cloud.google.com/docs/authentication/application-default-credentials — ADC looks at
 *      GOOGLE_APPLICATION_CREDENTIALS first, then the gcloud file, then the metadata server; a
 *      quota project in the credentials goes with each request as `x-goog-user-project`
 *      (https://cloud.google.com/docs/quotas/set-quota-project).
 * [S1] https://cloud.google.com/storage/docs/retry-strategy — "Response": HTTP 408, 429 and 5xx
 *      answers, socket timeouts and TCP disconnects are transient and worth retrying;
 *      "Idempotency": a GET (read) is always idempotent; retry with exponential backoff and jitter.
 * [S2] https://cloud.google.com/storage/docs/json_api/v1/status-codes — 401 means the credentials
 *      are missing or invalid (an expired token): get a new one.
 * [S3] https://cloud.google.com/storage/docs/regional-endpoints and
 *      https://cloud.google.com/vpc/docs/private-google-access: Cloud Storage at regional
 *      (`storage.<region>.rep.googleapis.com`) and private endpoints.
 * [H1] https://nodejs.org/api/http.html#requestreusedsocket — a request on a reused keep-alive
 *      socket can fail with ECONNRESET when the server closed it meanwhile; Node advises sending it
 *      again. https://nodejs.org/api/http.html#serverkeepalivetimeout — Node's server closes idle
 *      connections after 5 s by default.
 */

/** [P2] Publish's retry codes in the library's settings, and the name of that list. */
export const PUBLISH_RETRY = {
  codesName: 'cancelled_unknown_deadline_exceeded_resource_exhausted_aborted_internal_unavailable',
  codes: ['CANCELLED', 'UNKNOWN', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ABORTED', 'INTERNAL', 'UNAVAILABLE'],
} as const;

/** [P1][P3] Pub/Sub answers by HTTP status and status name, and whether the client may retry Publish. */
export const PUBSUB_ANSWERS: ReadonlyArray<{ http: number; status: string; retry: boolean }> = [
  { http: 400, status: 'INVALID_ARGUMENT', retry: false },
  { http: 400, status: 'FAILED_PRECONDITION', retry: false },
  { http: 403, status: 'PERMISSION_DENIED', retry: false },
  { http: 404, status: 'NOT_FOUND', retry: false },
  { http: 409, status: 'ABORTED', retry: true },
  { http: 429, status: 'RESOURCE_EXHAUSTED', retry: true },
  { http: 499, status: 'CANCELLED', retry: true },
  { http: 500, status: 'INTERNAL', retry: true },
  { http: 500, status: 'UNKNOWN', retry: true },
  { http: 502, status: 'UNAVAILABLE', retry: true },
  { http: 503, status: 'UNAVAILABLE', retry: true },
  { http: 504, status: 'DEADLINE_EXCEEDED', retry: true },
];

/** [P3] The status name a bare HTTP status (no Google JSON body, e.g. a proxy's page) stands for. */
export const HTTP_STATUS_NAMES: ReadonlyArray<{ http: number; status: string }> = [
  { http: 400, status: 'INVALID_ARGUMENT' },
  { http: 401, status: 'UNAUTHENTICATED' },
  { http: 403, status: 'PERMISSION_DENIED' },
  { http: 404, status: 'NOT_FOUND' },
  { http: 409, status: 'ABORTED' },
  { http: 429, status: 'RESOURCE_EXHAUSTED' },
  { http: 499, status: 'CANCELLED' },
  { http: 500, status: 'INTERNAL' },
  { http: 501, status: 'UNIMPLEMENTED' },
  { http: 503, status: 'UNAVAILABLE' },
  { http: 504, status: 'DEADLINE_EXCEEDED' },
];

/** [M1][M2] How Google's libraries find and talk to the metadata server. */
export const METADATA_SERVER = {
  address: '169.254.169.254',
  flavorHeader: 'Metadata-Flavor',
  flavorValue: 'Google',
  serverlessVariables: ['CLOUD_RUN_JOB', 'FUNCTION_NAME', 'K_SERVICE', 'CLOUD_RUN_WORKER_POOL'],
  offGoogleTimeoutMs: 3_000,
} as const;

/** [S1] Cloud Storage answers worth retrying on an idempotent GET; [S2] 401 wants a new token. */
export const STORAGE_TRANSIENT_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504];
export const STORAGE_FINAL_STATUSES: readonly number[] = [400, 403];

/** [P4] A locational Pub/Sub endpoint as Google names them. */
export const REGIONAL_PUBSUB_ENDPOINT = 'europe-west1-pubsub.googleapis.com';
/** [S3] A regional Cloud Storage endpoint as Google names them. */
export const REGIONAL_STORAGE_ENDPOINT = 'storage.europe-west1.rep.googleapis.com';

/** [H1] Node's http server's default keep-alive timeout: a client's idle timeout must be shorter. */
export const NODE_SERVER_KEEP_ALIVE_MS = 5_000;
