/**
 * The CloudEvents adapter runs the SDK's compiled CloudEvents 1.0 schema directly instead of
 * loading the whole SDK for CloudEvent#validate() (see functions/core/protocols/cloudevents/conformance.ts).
 * This checks, on generated attribute sets, that it reaches the same verdict as the SDK's own
 * validate() and reports the same problems, so an SDK upgrade that changes the rule shows here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudEvent, ValidationError } from 'cloudevents';
import fc from 'fast-check';
import { sdkIssues } from '../../../../functions/core/protocols/cloudevents/conformance.ts';

const value = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '1.0',
    '',
    '/s',
    'https://example.com/a',
    'iglu:com.acme/x/jsonschema/1-0-0',
    'not a uri',
    '2026-01-15T10:00:00Z',
    'text/plain',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);
const name = fc.oneof(
  fc.constantFrom(
    'id',
    'source',
    'type',
    'subject',
    'time',
    'dataschema',
    'datacontenttype',
    'data_base64',
    'ext1',
    'Upper',
    'with-dash',
    'a_b',
    'validate',
    'constructor',
  ),
  fc.string({ maxLength: 10 }),
);
const attributes = fc
  .record({
    required: fc.record({ id: value, source: value, type: value }, { requiredKeys: [] }),
    extra: fc.dictionary(name, value, { maxKeys: 4 }),
  })
  .map(({ required, extra }) => ({ ...required, ...extra, specversion: '1.0' }));

/** The SDK's verdict on the attributes as received: the ajv errors of its schema, or its name-rule message. */
function sdkVerdict(
  candidate: Record<string, unknown>,
): { ok: true } | { ok: false; errors: unknown[]; message: string } {
  try {
    CloudEvent.prototype.validate.call(candidate as unknown as CloudEvent);
    return { ok: true };
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return { ok: false, errors: error.errors as unknown[], message: error.message.split('\n')[0] ?? '' };
  }
}

test("the adapter's CloudEvents 1.0 check agrees with the SDK's CloudEvent#validate()", () => {
  let rejected = 0;
  fc.assert(
    fc.property(attributes, (candidate) => {
      const ours = sdkIssues(candidate, '$');
      const sdk = sdkVerdict(candidate);
      assert.equal(
        ours.length === 0,
        sdk.ok,
        `${JSON.stringify(candidate)}: ours ${JSON.stringify(ours)}, SDK ${JSON.stringify(sdk)}`,
      );
      if (sdk.ok) return;
      rejected++;
      if (sdk.errors.length > 0) {
        // One issue per schema error, each naming the SDK error's keyword.
        assert.deepEqual(
          ours.map((issue) => issue.keyword),
          sdk.errors.map((error) => (error as { keyword: string }).keyword),
        );
      } else {
        assert.equal(ours.length, 1);
        assert.ok(ours[0]!.message.startsWith(sdk.message), `${ours[0]!.message} should start with ${sdk.message}`);
      }
    }),
    { numRuns: 2000 },
  );
  assert.ok(rejected > 200, `the generator must produce enough invalid sets to compare (${rejected})`);
});
