import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRegistry } from '../../functions/adapters/registry/registry-from-url.ts';
import { parseSchemaKey } from '../../functions/core/iglu/schema-key.ts';
import { createValidationEngine } from '../../functions/core/validation/validation-engine.ts';

/** Every file under schemas/ must be a compilable schema stored at the key its self block names. */
const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas', import.meta.url));

function shippedUris(): string[] {
  return readdirSync(SCHEMAS_DIR, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `iglu:${join(entry.parentPath, entry.name).slice(SCHEMAS_DIR.length + 1)}`);
}

describe('schemas/', () => {
  const { validator, cache } = createValidationEngine({
    registry: createRegistry(pathToFileURL(SCHEMAS_DIR).href),
    ttlMs: 60_000,
    negativeTtlMs: 0,
    errorTtlMs: 0,
    maxEntries: 1000,
    allErrors: true,
    maxErrors: 20,
  });

  test('every file is an Iglu schema that compiles at its own key', async () => {
    const uris = shippedUris();
    assert.ok(uris.length > 0);
    for (const uri of uris) {
      const lookup = await cache.get(parseSchemaKey(uri));
      assert.equal(lookup.status, 'found', `${uri}: ${'error' in lookup ? lookup.error.message : ''}`);
    }
  });

  test('the example checkout schema accepts a checkout and rejects a malformed one', async () => {
    const uri = 'iglu:com.example/checkout/jsonschema/1-0-0';
    assert.equal(
      (await validator.validate(uri, { order_id: 'A-1', total: 30, currency: 'EUR', items: 2 })).valid,
      true,
    );
    const bad = await validator.validate(uri, { order_id: 'A-1', total: '30', currency: 'eur' });
    assert.deepEqual(bad.valid ? [] : bad.issues.map((issue) => issue.path).sort(), ['$.currency', '$.total']);
  });
});
