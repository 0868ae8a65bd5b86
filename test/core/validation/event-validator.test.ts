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

describe('EventValidator: every problem of a failed event, in a second pass (validation.all_errors_max_bytes)', () => {
  const SHOP = 'iglu:com.acme/shop_checkout/jsonschema/1-0-0';
  const ITEMS = 'iglu:com.acme/shop_items/jsonschema/1-0-0';
  const registry = () =>
    new MemoryRegistry({
      [SHOP]: igluSchema(SHOP, {
        type: 'object',
        properties: { order_id: { type: 'string' }, total: { type: 'number' }, currency: { type: 'string' } },
        required: ['order_id', 'total', 'currency'],
        additionalProperties: false,
      }),
      [ITEMS]: igluSchema(ITEMS, {
        type: 'object',
        properties: { items: { type: 'array', items: { type: 'string' } } },
      }),
    });
  const twoPass = (allErrorsMaxBytes: number, maxErrors = 20) =>
    createValidationEngine({
      registry: registry(),
      ttlMs: 60_000,
      negativeTtlMs: 1_000,
      errorTtlMs: 1_000,
      maxEntries: 100,
      allErrors: false,
      maxErrors,
      allErrorsMaxBytes,
    }).validator;
  const problems = (outcome: Awaited<ReturnType<ReturnType<typeof twoPass>['validate']>>) =>
    outcome.valid ? [] : outcome.issues.map((issue) => `${issue.path} ${issue.message}`).sort();

  test("the issue's example names both the missing currency and the wrong total", async () => {
    const outcome = await twoPass(16_384).validate(SHOP, { order_id: 'A-1', total: 'thirty' });
    assert.deepEqual(problems(outcome), ["$ must have required property 'currency'", '$.total must be number']);
  });

  test('with the bound at 0, only the first problem, as before', async () => {
    const outcome = await twoPass(0).validate(SHOP, { order_id: 'A-1', total: 'thirty' });
    assert.equal(problems(outcome).length, 1);
  });

  test('an event over the bound keeps the first problem only: a hostile event cannot make Ajv allocate an error per element', async () => {
    const validator = twoPass(1_000);
    const small = await validator.validate(ITEMS, { items: [1, 2, 3] });
    assert.deepEqual(problems(small), [
      '$.items[0] must be string',
      '$.items[1] must be string',
      '$.items[2] must be string',
    ]);
    const large = await validator.validate(ITEMS, { items: new Array(100_000).fill(0) });
    assert.deepEqual(problems(large), ['$.items[0] must be string']);
  });

  test('at most validation.max_errors problems', async () => {
    const outcome = await twoPass(16_384, 5).validate(ITEMS, { items: new Array(50).fill(0) });
    assert.equal(problems(outcome).length, 5);
  });

  test('valid events never compile the second validator; the first failure does, and later ones are answered at once', async () => {
    const validator = twoPass(16_384);
    assert.equal((await validator.validate(SHOP, { order_id: 'A-1', total: 1, currency: 'EUR' })).valid, true);
    assert.equal(validator.validateNow(SHOP, { order_id: 'A-2', total: 2, currency: 'EUR' })?.valid, true);
    // The second validator is not compiled yet: the hot path hands over to validate().
    assert.equal(validator.validateNow(SHOP, { total: 'x' }), undefined);
    assert.equal(problems(await validator.validate(SHOP, { total: 'x' })).length, 3);
    const now = validator.validateNow(SHOP, { order_id: 7 });
    assert.ok(now !== undefined, 'compiled once, the second pass is synchronous');
    assert.deepEqual(problems(now), [
      "$ must have required property 'currency'",
      "$ must have required property 'total'",
      '$.order_id must be string',
    ]);
  });
});
