/**
 * The resolved Sluice configuration: `config/sluice.yaml` + environment overrides + schema
 * defaults, validated against `config/sluice.schema.json`.
 *
 * Keys stay snake_case so that one name is used everywhere: in the YAML, in the schema, in the
 * derived `SLUICE_*` variable names and in code. `test/config/sluice-yaml.test.ts` binds this
 * interface to the schema defaults, so a key added to one and not the other fails the tests.
 */
export interface SluiceConfig {
  /** Google Cloud project id; empty when neither the YAML nor the environment names one. */
  readonly project: string;
  readonly region: string;
  /** Prefix of every cloud resource name. */
  readonly name_prefix: string;
  /** Labels put on every cloud resource. */
  readonly labels: Readonly<Record<string, string>>;
  /** Function sizing, ingress and Terraform state: read only by the CDKTF stack. */
  readonly deploy: DeployConfig;
  /** Iglu registry roots, asked in order; the first hit wins. */
  readonly registries: readonly string[];
  readonly sink: SinkKind;
  readonly valid_topic: string;
  readonly invalid_topic: string;
  /** Subscription on the invalid topic that the replay tool reads; the stack creates it. */
  readonly replay_subscription: string;
  readonly bigquery: BigQueryConfig;
  /** Alert policies, their notification channels and thresholds: read only by the CDKTF stack. */
  readonly alerts: AlertsConfig;
  readonly purge: PurgeConfig;
  readonly snowplow: SnowplowConfig;
  readonly cookie: CookieConfig;
  readonly cloudevents: CloudEventsConfig;
  readonly segment: SegmentConfig;
  readonly pixel: PixelConfig;
  readonly cors: CorsConfig;
  readonly privacy: PrivacyConfig;
  readonly client_ip: ClientIpConfig;
  readonly enrichments: EnrichmentsConfig;
  readonly webhooks: WebhooksConfig;
  readonly logging: LoggingConfig;
  readonly pubsub: PubsubConfig;
  readonly limits: LimitsConfig;
  readonly registry: RegistryClientConfig;
  readonly cache: SchemaCacheConfig;
  readonly validation: ValidationConfig;
  readonly local: LocalSinkConfig;
}

export type SinkKind = 'local' | 'pubsub';

export interface DeployConfig {
  /** Memory per function instance, e.g. `512Mi`. */
  readonly function_memory: string;
  /** vCPUs per function instance, e.g. `1` or `0.5`. */
  readonly function_cpu: string;
  readonly min_instances: number;
  readonly max_instances: number;
  /** Requests one instance serves at once. */
  readonly concurrency: number;
  readonly timeout_seconds: number;
  readonly ingress: 'public' | 'internal';
  /** GCS bucket for the Terraform state; empty means `<project>-sluice-tfstate`, created by npm run deploy. */
  readonly state_bucket: string;
  /** Keep the Terraform state in a local file instead (an explicit choice). */
  readonly local_state: boolean;
}

export interface BigQueryConfig {
  /** Dataset of the events and invalid_events tables and the views. */
  readonly dataset: string;
  /** Dataset location (multi-region or region). */
  readonly location: string;
  /** Days a day partition is kept; 0 keeps every partition. */
  readonly partition_expiration_days: number;
  /** Refuse to delete the tables, and the dataset while it holds tables. */
  readonly deletion_protection: boolean;
}

export interface AlertsConfig {
  /** Each gets an email notification channel; every policy notifies them. */
  readonly notification_emails: readonly string[];
  /** Existing channels by full id (projects/<p>/notificationChannels/<n>), notified by every policy. */
  readonly notification_channels: readonly string[];
  /** A dead-letter subscription holding more messages than this opens an incident. */
  readonly dead_letter_messages: number;
  /** Oldest unwritten message of a BigQuery subscription, in seconds, above which it is behind. */
  readonly backlog_age_seconds: number;
  readonly backlog_window_seconds: number;
  /** Share (0..1] of requests answered 5xx. */
  readonly error_ratio: number;
  readonly error_window_seconds: number;
  /** Share (0..1] of published events that are invalid. */
  readonly invalid_ratio: number;
  readonly invalid_window_seconds: number;
}

export interface PurgeConfig {
  /** Path of the collector's purge route. */
  readonly path: string;
  /** Bearer token the route requires; empty turns the route off. */
  readonly token: string;
}

export interface SnowplowConfig {
  readonly post_paths: readonly string[];
  readonly redirect_enabled: boolean;
  readonly redirect_allowed_domains: readonly string[];
}

export interface CookieConfig {
  readonly enabled: boolean;
  readonly name: string;
  readonly domain: string;
  readonly path: string;
  readonly ttl_days: number;
  readonly same_site: 'None' | 'Lax' | 'Strict';
  readonly secure: boolean;
}

export interface CloudEventsConfig {
  readonly path: string;
  /** Event `type` (exact, or a prefix ending in `*`) → Iglu URI, for events without an Iglu dataschema. */
  readonly type_schemas: Readonly<Record<string, string>>;
  /** A `dataschema` that is not an Iglu URI (exact, or a prefix ending in `*`) → Iglu URI; such URLs are never fetched. */
  readonly dataschema_schemas: Readonly<Record<string, string>>;
  /** Iglu URI for events that nothing above names a schema for; empty means they are schema_not_found rows. */
  readonly fallback_schema: string;
}

/** The Segment-compatible API (`core/protocols/segment.ts`). */
export interface SegmentConfig {
  /** Accepted write keys; empty accepts any. */
  readonly write_keys: readonly string[];
  /** app_id of events whose `context.app` has no name. */
  readonly app_id: string;
  /** Events the plan does not name become schema_not_found instead of using the built-in schemas. */
  readonly require_plan: boolean;
  readonly tracking_plan: SegmentTrackingPlan;
}

/** Iglu URIs per Segment call; empty strings and absent names fall back to the built-in schemas. */
export interface SegmentTrackingPlan {
  /** Track event name → Iglu URI of its properties. */
  readonly track: Readonly<Record<string, string>>;
  readonly page: string;
  readonly screen: string;
  readonly identify: string;
  readonly group: string;
  readonly alias: string;
  /** Key in `context` → Iglu URI of that entity. */
  readonly context: Readonly<Record<string, string>>;
}

export interface PixelConfig {
  readonly redirect_allowed_domains: readonly string[];
}

export interface CorsConfig {
  /** Origins accepted from browsers (exact, or `https://*.example.com`); empty echoes any origin. */
  readonly allowed_origins: readonly string[];
}

export type IpAnonymization = 'none' | 'truncate' | 'drop';

export interface PrivacyConfig {
  readonly ip_anonymization: IpAnonymization;
  readonly drop_useragent: boolean;
}

export interface ClientIpConfig {
  /** Proxies that append to X-Forwarded-For: the client is the entry this many places from the right; 0 ignores the header. */
  readonly trusted_hops: number;
}

export interface EnrichmentsConfig {
  readonly url_parts: { readonly enabled: boolean };
  readonly campaign: CampaignConfig;
  readonly referer: RefererConfig;
  readonly user_agent: UserAgentConfig;
  readonly geo: MaxMindConfig;
  readonly asn: MaxMindConfig;
}

export interface CampaignConfig {
  readonly enabled: boolean;
  /** Query parameters per mkt_* column, the first one present winning. */
  readonly mkt_source: readonly string[];
  readonly mkt_medium: readonly string[];
  readonly mkt_campaign: readonly string[];
  readonly mkt_term: readonly string[];
  readonly mkt_content: readonly string[];
  /** Click-id parameter -> network, added to the built-in ones. */
  readonly click_ids: Readonly<Record<string, string>>;
}

export interface RefererConfig {
  readonly enabled: boolean;
  readonly internal_domains: readonly string[];
  /** Referring sites added to Sluice's list, keyed by host. */
  readonly sources: Readonly<Record<string, RefererSourceConfig>>;
}

export interface RefererSourceConfig {
  readonly medium: 'search' | 'social' | 'email';
  readonly source: string;
  readonly parameters?: readonly string[];
}

export interface UserAgentConfig {
  readonly enabled: boolean;
  /** Distinct user agents whose parsed columns are kept. */
  readonly cache_entries: number;
}

export interface MaxMindConfig {
  /** file:// or gs:// URL of the .mmdb database; empty turns the enrichment off. */
  readonly database: string;
}

export type WebhookAuthType = 'shared_secret' | 'hmac_sha256';

/** How one named webhook proves its requests come from its sender. */
export interface WebhookAuthConfig {
  readonly type: WebhookAuthType;
  /** Header carrying the secret or the signature. */
  readonly header: string;
  /** Text before the secret or signature in the header (`sha256=`, `Bearer `). */
  readonly prefix: string;
  /** How an HMAC signature is written. */
  readonly encoding: 'hex' | 'base64';
  /** Environment variable holding the secret (never the secret itself). */
  readonly secret_env: string;
}

export interface WebhooksConfig {
  /** Keyed by the webhook's `<vendor>/<name>`. */
  readonly auth: Readonly<Record<string, WebhookAuthConfig>>;
  readonly require_auth: boolean;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export interface LoggingConfig {
  readonly level: LogLevel;
  /** Add the start of request bodies to error entries. */
  readonly log_payloads: boolean;
}

export interface PubsubConfig {
  /** `host:port` of a Pub/Sub emulator; empty means real Pub/Sub. */
  readonly emulator_host: string;
  /** Real Pub/Sub at a regional or private endpoint; empty means pubsub.googleapis.com. */
  readonly api_endpoint: string;
  readonly publish_timeout_ms: number;
  readonly batch_max_messages: number;
  readonly batch_max_ms: number;
  /** rest: Publish through the REST API with node:http(s); grpc: through @google-cloud/pubsub. */
  readonly transport: PubsubTransport;
}

export type PubsubTransport = 'rest' | 'grpc';

export interface LimitsConfig {
  readonly max_request_bytes: number;
  /** How much of an unparseable request part an invalid row keeps. */
  readonly max_raw_bytes: number;
  /** Bytes of messages being published at once before requests are shed with 503. */
  readonly max_in_flight_bytes: number;
  /** Requests waiting for Pub/Sub at once before more are shed with 503. */
  readonly max_in_flight_requests: number;
  /** Events (and unreadable parts) one request may carry. */
  readonly max_events_per_request: number;
}

export interface RegistryClientConfig {
  readonly timeout_ms: number;
  /** Cloud Storage's JSON API at another address for gs:// registries; empty means storage.googleapis.com. */
  readonly storage_api_endpoint: string;
}

export interface SchemaCacheConfig {
  /** After this a cached schema is refreshed in the background while the old copy keeps serving. */
  readonly ttl_seconds: number;
  /** How long "schema not found" is remembered. */
  readonly negative_ttl_seconds: number;
  /** How long "registry unavailable" is remembered for a schema never loaded. */
  readonly error_ttl_seconds: number;
  /** LRU bound. */
  readonly max_entries: number;
}

export interface ValidationConfig {
  /** Collect every error of every event in one pass, instead of the two passes below. */
  readonly all_errors: boolean;
  /** Errors kept per invalid row. */
  readonly max_errors: number;
  /** Largest failed event (as JSON) validated a second time to list every problem; 0 = first problem only. */
  readonly all_errors_max_bytes: number;
}

export interface LocalSinkConfig {
  /** Where the local sink writes valid.ndjson / invalid.ndjson. */
  readonly dir: string;
}
