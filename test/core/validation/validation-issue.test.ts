import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { issuesFromAjv, jsonPathFromPointer } from '../../../functions/core/validation/validation-issue.ts';

test('JSON pointers become JSONPath, quoting keys that are not identifiers', () => {
  assert.equal(jsonPathFromPointer(''), '$');
  assert.equal(jsonPathFromPointer('/items/2/sku'), '$.items[2].sku');
  assert.equal(jsonPathFromPointer('/a b/0'), "$['a b'][0]");
  assert.equal(jsonPathFromPointer('/a~1b/c~0d'), "$['a/b']['c~d']");
  assert.equal(jsonPathFromPointer('/007'), "$['007']");
});

test('issues carry schema, path, keyword and a message naming the offending property or values', () => {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile({
    type: 'object',
    properties: { kind: { enum: ['a', 'b'] }, n: { type: 'integer' } },
    required: ['id'],
    additionalProperties: false,
  });
  validate({ kind: 'c', n: 'x', extra: 1 });
  const issues = issuesFromAjv('iglu:com.acme/x/jsonschema/1-0-0', validate.errors ?? [], 10);
  assert.deepEqual(
    issues.map((issue) => [issue.path, issue.keyword, issue.message]),
    [
      ['$', 'required', "must have required property 'id'"],
      ['$', 'additionalProperties', 'must NOT have additional property "extra"'],
      ['$.kind', 'enum', 'must be one of ["a","b"]'],
      ['$.n', 'type', 'must be integer'],
    ],
  );
  assert.ok(issues.every((issue) => issue.schema === 'iglu:com.acme/x/jsonschema/1-0-0'));
  assert.equal(issuesFromAjv('iglu:com.acme/x/jsonschema/1-0-0', validate.errors ?? [], 2).length, 2);
});
