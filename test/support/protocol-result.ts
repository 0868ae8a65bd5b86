import assert from 'node:assert/strict';
import type { ProtocolResult } from '../../functions/core/protocols/protocol.ts';

/**
 * The error types a protocol may give a rejection (the rest belong to validation);
 * schema_not_found is a CloudEvent that no configured mapping names a schema for.
 */
export const REJECTION_ERROR_TYPES: ReadonlySet<string> = new Set([
  'unparseable',
  'protocol_violation',
  'size_exceeded',
  'unauthorized',
  'schema_not_found',
]);

/**
 * Checks what every protocol result must be, whatever the input: events and rejections as lists,
 * each rejection with a protocol error type, at least one well-formed issue and its raw part, every
 * JSON column value serializable (no cycles, no nesting deep enough to overflow the stack), an HTTP
 * status, and Object.prototype untouched.
 */
export function assertWellFormedResult(result: ProtocolResult): void {
  assert.ok(Array.isArray(result.events), 'events is an array');
  assert.ok(Array.isArray(result.rejections), 'rejections is an array');
  for (const rejection of result.rejections) {
    assert.ok(REJECTION_ERROR_TYPES.has(rejection.errorType), `unexpected errorType ${rejection.errorType}`);
    assert.ok(rejection.issues.length > 0, 'a rejection has at least one issue');
    for (const issue of rejection.issues) {
      assert.equal(typeof issue.path, 'string');
      assert.equal(typeof issue.keyword, 'string');
      assert.equal(typeof issue.message, 'string');
      assert.ok(issue.message.length > 0);
    }
    assert.equal(typeof rejection.raw, 'string', 'a rejection keeps its raw part');
    JSON.stringify(rejection);
  }
  for (const event of result.events) {
    assert.ok('schema' in event);
    JSON.stringify([event.data, event.source ?? null, event.contexts ?? null]);
  }
  assert.ok(Number.isInteger(result.response.status) && result.response.status >= 100 && result.response.status <= 599);
  assertPrototypeClean();
}

/** Object.prototype has gained no property (a `__proto__` key reached a prototype). */
export function assertPrototypeClean(): void {
  const probe: Record<string, unknown> = {};
  for (const name of ['polluted', 'x', 'a', 'isAdmin', 'schema', 'data'])
    assert.equal(probe[name], undefined, `Object.prototype.${name} was set`);
  assert.deepEqual(Object.keys(Object.prototype), []);
}
