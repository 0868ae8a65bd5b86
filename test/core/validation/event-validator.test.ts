import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createValidationEngine } from '../../../functions/core/validation/validation-engine.ts';
import { igluSchema, MemoryRegistry } from '../../support/memory-registry.ts';

const CHECKOUT = 'iglu:com.acme/checkout/jsonschema/1-0-0';

function engine(registry: MemoryRegistry) {
  return createValidationEngine({
    registry,
    ttlMs: 60_000,
    negativeTtlMs: 1_000,
    errorTtlMs: 1_000,
    maxEntries: 100,
    allErrors: true,
    maxErrors: 20,
  });
}

describe('EventValidator', () => {
  const registry = new MemoryRegistry({
    [CHECKOUT]: igluSchema(CHECKOUT, {
      type: 'object',
      properties: { total: { type: 'number', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
      required: ['total', 'currency'],
      additionalProperties: false,
    }),
  });
  const { validator } = engine(registry);

  test('valid data', async () => {
    const outcome = await validator.validate(CHECKOUT, { total: 12.5, currency: 'EUR' });
    assert.equal(outcome.valid, true);
    assert.equal(outcome.key?.name, 'checkout');
  });

  test('invalid data: validation_failed with every issue', async () => {
    const outcome = await validator.validate(CHECKOUT, { total: -1, currency: 'euro', coupon: 'X' });
    assert.equal(outcome.valid, false);
    if (outcome.valid) return;
    assert.equal(outcome.errorType, 'validation_failed');
    assert.deepEqual(outcome.issues.map((issue) => `${issue.path} ${issue.keyword}`).sort(), [
      '$ additionalProperties',
      '$.currency pattern',
      '$.total minimum',
    ]);
  });

  test('unknown schema: schema_not_found naming the key', async () => {
    const outcome = await validator.validate('iglu:com.acme/refund/jsonschema/1-0-0', {});
    assert.deepEqual(outcome.valid ? null : [outcome.errorType, outcome.key?.uri, outcome.issues[0]?.keyword], [
      'schema_not_found',
      'iglu:com.acme/refund/jsonschema/1-0-0',
      'schema',
    ]);
  });

  test('malformed or hostile reference: protocol_violation, no registry lookup', async () => {
    const before = registry.lookups.length;
    for (const reference of ['iglu:../../etc/passwd/jsonschema/1-0-0', 'com.acme/checkout', 17, undefined, '']) {
      const outcome = await validator.validate(reference, {});
      assert.equal(outcome.valid ? 'valid' : outcome.errorType, 'protocol_violation');
      assert.equal(outcome.valid ? null : outcome.key, null);
    }
    assert.equal(registry.lookups.length, before);
  });

  test('registry down and nothing cached: registry_unavailable, never valid', async () => {
    const down = new MemoryRegistry({ [CHECKOUT]: igluSchema(CHECKOUT, {}) });
    down.down = true;
    const outcome = await engine(down).validator.validate(CHECKOUT, {});
    assert.equal(outcome.valid ? 'valid' : outcome.errorType, 'registry_unavailable');
  });

  test('a schema that cannot compile: schema_invalid', async () => {
    const broken = new MemoryRegistry({ [CHECKOUT]: igluSchema(CHECKOUT, { type: 'number', minimum: 'zero' }) });
    const outcome = await engine(broken).validator.validate(CHECKOUT, 1);
    assert.equal(outcome.valid ? 'valid' : outcome.errorType, 'schema_invalid');
  });
});
