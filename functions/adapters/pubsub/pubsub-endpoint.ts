/** The project id used against an emulator when none is configured (the emulator accepts any). */
export const LOCAL_PROJECT_ID = 'sluice-local';

/** The client settings that say where Pub/Sub is: the project, and for an emulator or another endpoint how to reach it. */
export interface PubsubEndpoint {
  projectId?: string;
  /** `host[:port]` without a scheme, as the library's gRPC client takes it. */
  apiEndpoint?: string;
  emulatorMode?: boolean;
  universeDomain?: string;
}

/**
 * `host[:port]` of an endpoint written with or without `http(s)://` and trailing slashes: the
 * library strips both from `apiEndpoint` and PUBSUB_EMULATOR_HOST (PubSub.determineBaseUrl_), so
 * `http://127.0.0.1:8085` works there and must work here.
 */
export function stripScheme(endpoint: string): string {
  return endpoint
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '');
}

/**
 * Where the collector's sink and the replay tool's subscriber connect: the configured emulator
 * host, else `PUBSUB_EMULATOR_HOST`, else `apiEndpoint` (pubsub.api_endpoint: a regional or
 * private endpoint of real Pub/Sub, e.g. `europe-west1-pubsub.googleapis.com`), else the global
 * endpoint; the configured project, else (emulator only) {@link LOCAL_PROJECT_ID}, else the
 * library's detection from the environment.
 */
export function pubsubEndpoint(
  projectId: string,
  emulatorHost: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  apiEndpoint?: string,
): PubsubEndpoint {
  const configured = emulatorHost?.trim() || env.PUBSUB_EMULATOR_HOST?.trim() || undefined;
  const host = configured === undefined ? undefined : stripScheme(configured) || undefined;
  const project = projectId.trim() || (host === undefined ? undefined : LOCAL_PROJECT_ID);
  const endpoint: PubsubEndpoint = project === undefined ? {} : { projectId: project };
  if (host !== undefined) {
    endpoint.apiEndpoint = host;
    // Plaintext gRPC without credentials, whatever the host name looks like.
    endpoint.emulatorMode = true;
    // Without it gax asks google-auth-library for the universe domain, which looks for
    // Application Default Credentials and probes the GCE metadata server: a slow first call (and
    // a MetadataLookupWarning) off Google Cloud, for credentials the emulator never reads.
    endpoint.universeDomain = 'googleapis.com';
  } else if (apiEndpoint?.trim()) {
    // Real Pub/Sub at another address: TLS and credentials as usual (emulatorMode false keeps the
    // library from treating a name outside googleapis.com, e.g. a Private Service Connect one, as an emulator).
    endpoint.apiEndpoint = stripScheme(apiEndpoint);
    endpoint.emulatorMode = false;
  }
  return endpoint;
}
