import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineBuffer } from '../../../functions/adapters/sink/line-buffer.ts';

describe('LineBuffer', () => {
  test('lines are UTF-8 with a newline each, multi-byte and astral characters included', () => {
    const lines = new LineBuffer(4);
    const texts = ['{"a":1}', '{"title":"Product 7 – Shop"}', '{"e":"😀 café"}', ''];
    for (const text of texts) lines.appendLine(text);
    assert.equal(lines.bytes().toString('utf8'), `${texts.join('\n')}\n`);
    assert.equal(lines.length, Buffer.byteLength(`${texts.join('\n')}\n`));
  });

  test('grows past its first size and keeps what it held', () => {
    const lines = new LineBuffer(16);
    const expected: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const text = `{"n":${n},"s":"${'é'.repeat(n % 50)}"}`;
      lines.appendLine(text);
      expected.push(text);
    }
    assert.ok(lines.capacity > 16);
    assert.deepEqual(lines.bytes().toString('utf8').trimEnd().split('\n'), expected);
  });

  test('truncate drops only what came after the mark; clear empties it for reuse', () => {
    const lines = new LineBuffer(8);
    lines.appendLine('kept');
    const mark = lines.length;
    lines.appendLine('dropped');
    lines.appendLine('dropped too');
    lines.truncate(mark);
    lines.appendLine('after');
    assert.equal(lines.bytes().toString('utf8'), 'kept\nafter\n');
    const capacity = lines.capacity;
    lines.clear();
    assert.equal(lines.length, 0);
    lines.appendLine('next group');
    assert.equal(lines.bytes().toString('utf8'), 'next group\n');
    assert.equal(lines.capacity, capacity, 'the memory is reused');
  });
});
