import { SluiceError } from '../../core/errors.ts';
import type { SchemaRegistry } from '../../core/registry/schema-registry.ts';
import { FileRegistry, type FileRegistryOptions } from './file-registry.ts';
import { GcsRegistry, type GcsRegistryOptions } from './gcs-registry.ts';
import { HttpRegistry, type HttpRegistryOptions } from './http-registry.ts';

/** Options for whichever adapter the URL selects; each adapter ignores the others' options. */
export type RegistryOptions = FileRegistryOptions & GcsRegistryOptions & HttpRegistryOptions;

const ACCEPTED_FORMS =
  'a schema registry URL is one of file://<folder> (e.g. file://./schemas), ' +
  'gs://<bucket>[/<prefix>] (e.g. gs://my-bucket/schemas) or ' +
  'http(s)://<host>[/<path>] (e.g. https://iglucentral.com/schemas)';

/**
 * The registry adapter for a URL, chosen by its scheme. Throws a {@link SluiceError} with code
 * `invalid_registry_url` for an unsupported scheme or a malformed URL, listing the accepted forms.
 */
export function createRegistry(url: string, options: RegistryOptions = {}): SchemaRegistry {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  try {
    switch (scheme) {
      case 'file':
        return new FileRegistry(url, options);
      case 'gs':
        return new GcsRegistry(url, options);
      case 'http':
      case 'https':
        return new HttpRegistry(url, options);
      case undefined:
        throw new SluiceError(
          'invalid_registry_url',
          `invalid schema registry URL ${JSON.stringify(url)}: it has no scheme`,
        );
      default:
        throw new SluiceError(
          'invalid_registry_url',
          `invalid schema registry URL ${JSON.stringify(url)}: the scheme ${scheme}:// is not supported`,
        );
    }
  } catch (error) {
    // Adapters say what is wrong with their own form; add the full list so the fix is in one message.
    if (error instanceof SluiceError && error.code === 'invalid_registry_url') {
      throw new SluiceError('invalid_registry_url', `${error.message}. ${capitalize(ACCEPTED_FORMS)}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
