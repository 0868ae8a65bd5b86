import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageOf, SluiceError } from '../../functions/core/errors.ts';

test('messageOf gives an Error its message and anything else thrown its text', () => {
  assert.equal(messageOf(new TypeError('bad type')), 'bad type');
  assert.equal(messageOf(new SluiceError('some_code', 'named problem')), 'named problem');
  assert.equal(messageOf('a string was thrown'), 'a string was thrown');
  assert.equal(messageOf(42), '42');
  assert.equal(messageOf(undefined), 'undefined');
});

test('a SluiceError keeps its code, its cause and its subclass name', () => {
  class ExampleError extends SluiceError {}
  const cause = new Error('root');
  const error = new ExampleError('example_code', 'outer', { cause });
  assert.equal(error.code, 'example_code');
  assert.equal(error.cause, cause);
  assert.equal(error.name, 'ExampleError');
});
