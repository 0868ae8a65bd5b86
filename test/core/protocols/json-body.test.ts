import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MAX_BATCH_ELEMENTS, MAX_JSON_DEPTH } from '../../../functions/core/limits.ts';
import { parseJson, parseJsonParts } from '../../../functions/core/protocols/json-body.ts';
import { jsonNestingDepth, splitJsonArray } from '../../../functions/core/protocols/json-scan.ts';

describe('splitJsonArray', () => {
  test('splits a JSON array into its element texts, brackets and commas in strings included', () => {
    assert.deepEqual(splitJsonArray(' [ 1 , "a,]}" ,{"b":[2,3]}, "\\"", null ]\n'), [
      '1',
      '"a,]}"',
      '{"b":[2,3]}',
      '"\\""',
      'null',
    ]);
    assert.deepEqual(splitJsonArray('[]'), []);
    assert.deepEqual(splitJsonArray('[ \n ]'), []);
    assert.deepEqual(splitJsonArray('[1,]'), ['1', '']);
  });

  test('with a limit, stops once that many elements are found', () => {
    assert.deepEqual(splitJsonArray('[1,2,3,4,5]', 2), ['1', '2']);
    assert.deepEqual(splitJsonArray('[1,2]', 5), ['1', '2']);
  });

  test('a batch of more than MAX_BATCH_ELEMENTS elements is one size_exceeded rejection, found without reading them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MAX_BATCH_ELEMENTS + 1, max: MAX_BATCH_ELEMENTS * 3 }),
        fc.constantFrom('0', '{}', '{"a":', '"x"'),
        (count, element) => {
          const parsed = parseJsonParts(Buffer.from(`[${new Array(count).fill(element).join(',')}]`), 'the batch');
          assert.equal(parsed.ok, false);
          if (!parsed.ok) assert.equal(parsed.rejection.errorType, 'size_exceeded');
        },
      ),
      { numRuns: 20 },
    );
    const atTheLimit = parseJsonParts(
      Buffer.from(`[${new Array(MAX_BATCH_ELEMENTS).fill('0').join(',')}]`),
      'the batch',
    );
    assert.ok(atTheLimit.ok && atTheLimit.value.parts.length === MAX_BATCH_ELEMENTS);
  });

  test('is undefined for text that is not one bracketed array', () => {
    for (const text of ['', '{}', '1', '[', '[1', '[1]]', '[1}, 2]', '["]', '[1] [2]', '"[1]"']) {
      assert.equal(splitJsonArray(text), undefined, text);
    }
  });

  test('agrees with JSON.parse on every JSON array', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.boolean(), (values, pretty) => {
        const text = pretty ? JSON.stringify(values, null, 2) : JSON.stringify(values);
        const elements = splitJsonArray(text);
        assert.ok(elements);
        assert.deepEqual(
          elements.map((element) => JSON.parse(element) as unknown),
          JSON.parse(text),
        );
      }),
      { numRuns: 300 },
    );
  });

  test('never throws on any text, and what it splits rejoins into a valid array when every element parses', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('[', ']', '{', '}', ',', '"', '\\', '1', ' ') })),
        (text) => {
          const elements = splitJsonArray(text);
          if (elements === undefined) return;
          const parsed = elements.map((element) => {
            try {
              return JSON.parse(element) as unknown;
            } catch {
              return undefined;
            }
          });
          if (elements.length > 0 && parsed.every((value) => value !== undefined))
            JSON.parse(`[${elements.join(',')}]`);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('jsonNestingDepth', () => {
  test('counts nested arrays and objects, ignoring brackets in strings', () => {
    assert.equal(jsonNestingDepth('1'), 0);
    assert.equal(jsonNestingDepth('[]'), 1);
    assert.equal(jsonNestingDepth('{"a":[{"b":"[[[["}]}'), 3);
    assert.equal(jsonNestingDepth('['.repeat(1_000_000)), 1_000_000);
  });
});

describe('parseJson', () => {
  test('refuses nesting deeper than BigQuery accepts, and accepts exactly that deep', () => {
    assert.equal(MAX_JSON_DEPTH, 500);
    assert.equal(parseJson(`${'['.repeat(500)}${']'.repeat(500)}`, 'x').ok, true);
    const deep = parseJson(`${'['.repeat(501)}${']'.repeat(501)}`, 'the body');
    assert.equal(deep.ok, false);
    assert.equal(deep.ok ? undefined : deep.rejection.errorType, 'size_exceeded');
  });

  test('names what it parsed and where in the message of an unparseable rejection', () => {
    const result = parseJson('{"a":', 'element 2 of the batch', '$[2]');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.rejection.errorType, 'unparseable');
    assert.equal(result.rejection.raw, '{"a":');
    assert.match(result.rejection.issues[0]?.message ?? '', /^element 2 of the batch is not valid JSON: /);
    assert.equal(result.rejection.issues[0]?.path, '$[2]');
  });
});

describe('parseJsonParts', () => {
  test('a single document is one part; an array one part per element', () => {
    const single = parseJsonParts(Buffer.from('{"a":1}'), 'the body');
    assert.ok(single.ok);
    assert.deepEqual([single.value.isArray, single.value.parts.map((part) => part.raw)], [false, ['{"a":1}']]);
    const many = parseJsonParts(Buffer.from('[{"a":1}, x]'), 'the body');
    assert.ok(many.ok);
    assert.deepEqual(
      many.value.parts.map((part) => [part.raw, part.parsed.ok, part.path]),
      [
        ['{"a":1}', true, '$[0]'],
        ['x', false, '$[1]'],
      ],
    );
  });
});
