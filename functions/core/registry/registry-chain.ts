import { SluiceError } from '../errors.ts';
import type { SchemaKey } from '../iglu/schema-key.ts';
import { type RegistryLookup, RegistryUnavailableError, type SchemaRegistry } from './schema-registry.ts';

/**
 * Several registries asked in order (e.g. the team's own bucket, then Iglu Central); the first one
 * that has the key wins.
 *
 * An unavailable registry does not stop the search, since a later one may have the key. But if
 * none has it, the answer is "unavailable", never "not found": the registry that could not answer
 * might have had it, and rejecting an event as unknown because of an outage would lose it.
 * An invalid document is not skipped over: a broken schema file must be loud, not shadowed.
 */
export class RegistryChain implements SchemaRegistry {
  readonly url: string;
  readonly registries: readonly SchemaRegistry[];

  constructor(registries: readonly SchemaRegistry[]) {
    if (registries.length === 0) {
      throw new SluiceError(
        'no_schema_registry',
        'a registry chain needs at least one schema registry; configure one, e.g. file://./schemas or https://iglucentral.com/schemas',
      );
    }
    this.registries = [...registries];
    this.url = registries.map((registry) => registry.url).join(',');
  }

  async lookup(key: SchemaKey): Promise<RegistryLookup> {
    const unavailable: RegistryUnavailableError[] = [];
    const answered: string[] = [];
    for (const registry of this.registries) {
      try {
        const lookup = await registry.lookup(key);
        if (lookup.found) return lookup;
        answered.push(registry.url);
      } catch (error) {
        if (!(error instanceof RegistryUnavailableError)) throw error;
        unavailable.push(error);
      }
    }
    if (unavailable.length === 0) return { found: false };
    const [first] = unavailable as [RegistryUnavailableError];
    // A chain of one adds nothing to the registry's own message.
    if (this.registries.length === 1) throw first;
    const searched = answered.length === 0 ? 'no registry could answer' : `${answered.join(',')} do not have it`;
    throw new RegistryUnavailableError(
      unavailable.map((error) => error.registry).join(','),
      `cannot tell whether ${key.uri} exists: ${searched}, and ${unavailable.length} could not be asked: ` +
        unavailable.map((error) => error.message).join('; '),
      {
        cause:
          unavailable.length === 1
            ? first
            : new AggregateError(unavailable, `${unavailable.length} schema registries are unavailable`),
      },
    );
  }
}
