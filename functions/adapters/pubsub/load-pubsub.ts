/**
 * The Pub/Sub SDK, imported on first use. From node_modules its exports are named; in the
 * deployable bundle (build/bundle-function.ts) the CommonJS package sits in its own chunk and
 * esbuild's interop puts them under `default`, since the package defines them with getters that
 * esbuild cannot see statically.
 */
export async function loadPubsub(): Promise<typeof import('@google-cloud/pubsub')> {
  const loaded = await import('@google-cloud/pubsub');
  return typeof loaded.PubSub === 'function' ? loaded : (loaded as unknown as { default: typeof loaded }).default;
}
