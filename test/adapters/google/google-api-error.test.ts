import assert from 'node:assert/strict';
import { test } from 'node:test';
import { googleApiError } from '../../../functions/adapters/google/google-api-error.ts';

test('googleApiError reads message and status of a Google JSON error body, and nothing from anything else', () => {
  assert.deepEqual(
    googleApiError('{"error":{"code":404,"message":"Resource not found (resource=events).","status":"NOT_FOUND"}}'),
    { message: 'Resource not found (resource=events).', status: 'NOT_FOUND' },
  );
  assert.deepEqual(googleApiError('{"error":{"code":404,"message":"The specified bucket does not exist."}}'), {
    message: 'The specified bucket does not exist.',
  });
  for (const text of [
    '<html>Bad Gateway</html>',
    '',
    'null',
    '{"error":"flat"}',
    '{"error":{"message":5,"status":["x"]}}',
  ])
    assert.deepEqual(googleApiError(text), {}, text);
});
