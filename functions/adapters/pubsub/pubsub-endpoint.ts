/** The project id used against an emulator when none is configured (the emulator accepts any). */
export const LOCAL_PROJECT_ID = 'sluice-local';

/** The client settings that say where Pub/Sub is: the project, and for an emulator how to reach it. */
export interface PubsubEndpoint {
  projectId?: string;
  apiEndpoint?: string;
  emulatorMode?: boolean;
  universeDomain?: string;
}

/**
 * Where the collector's sink and the replay tool's subscriber connect: the configured emulator
 * host, else `PUBSUB_EMULATOR_HOST`, else real Pub/Sub; the configured project, else (emulator
 * only) {@link LOCAL_PROJECT_ID}, else the library's detection from the environment.
 */
export function pubsubEndpoint(
  projectId: string,
  emulatorHost: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): PubsubEndpoint {
  const host = emulatorHost?.trim() || env.PUBSUB_EMULATOR_HOST?.trim() || undefined;
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
  }
  return endpoint;
}
