import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageSize } from '../../../functions/adapters/pubsub/message-size.ts';

test('a message counts its data and every attribute name and value, in bytes', () => {
  assert.equal(messageSize({ data: Buffer.from('abc'), attributes: {} }), 3);
  assert.equal(messageSize({ data: Buffer.alloc(10), attributes: { valid: 'true', schema: 'x' } }), 10 + 5 + 4 + 6 + 1);
  // UTF-8 bytes, not characters: "é" is 2 bytes, "😀" 4.
  assert.equal(messageSize({ data: Buffer.from('é'), attributes: { é: '😀' } }), 2 + 2 + 4);
});
