import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Iglu Central corpus that sits beside the project in ../shared (never copied into it).
 * Tests read it in place; a missing corpus fails loudly rather than skipping.
 */
export const IGLU_CENTRAL_DIR = fileURLToPath(new URL('../../../shared/iglu-central/schemas', import.meta.url));

export function igluCentralUris(): string[] {
  if (!existsSync(IGLU_CENTRAL_DIR)) {
    throw new Error(
      `the Iglu Central corpus is missing at ${IGLU_CENTRAL_DIR}; the tests expect ../shared/iglu-central beside the project`,
    );
  }
  const uris: string[] = [];
  for (const vendor of readdirSync(IGLU_CENTRAL_DIR)) {
    for (const name of readdirSync(join(IGLU_CENTRAL_DIR, vendor))) {
      for (const format of readdirSync(join(IGLU_CENTRAL_DIR, vendor, name))) {
        for (const version of readdirSync(join(IGLU_CENTRAL_DIR, vendor, name, format))) {
          uris.push(`iglu:${vendor}/${name}/${format}/${version}`);
        }
      }
    }
  }
  return uris.sort();
}
