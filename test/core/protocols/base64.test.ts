import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, decodeBase64Url } from '../../../functions/core/protocols/base64.ts';

describe('decodeBase64 and decodeBase64Url', () => {
  test('round-trip any bytes, padded or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        assert.deepEqual(decodeBase64(buffer.toString('base64')), buffer);
        assert.deepEqual(decodeBase64(buffer.toString('base64').replace(/=+$/, '')), buffer);
        assert.deepEqual(decodeBase64Url(buffer.toString('base64url')), buffer);
        assert.deepEqual(decodeBase64Url(buffer.toString('base64')), buffer, 'the standard alphabet is tolerated');
      }),
      { numRuns: 300 },
    );
  });

  test('refuse what Buffer.from would silently skip or cut', () => {
    for (const text of ['ab*c', 'a', 'abcde', 'ab=c', 'ab==c', 'YQ===', 'YQ=', ' YQ', 'YQ\n']) {
      assert.equal(decodeBase64(text), undefined, text);
    }
    assert.equal(decodeBase64('a-_b'), undefined, 'the URL-safe alphabet is not standard base64');
    assert.equal(decodeBase64Url('a*b'), undefined);
  });

  test('decodeBase64Url reads a space as the + that query decoding turned into one', () => {
    assert.deepEqual(decodeBase64Url('+/8='.replace('+', ' ')), Buffer.from([0xfb, 0xff]));
  });
});
