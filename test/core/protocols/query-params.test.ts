import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { firstQueryValues } from '../../../functions/core/protocols/query-params.ts';

/** What the Snowplow adapter used before: URLSearchParams, first value of each name. */
function viaUrlSearchParams(raw: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(raw)) if (!params.has(name)) params.set(name, value);
  return params;
}

const piece = fc.oneof(
  fc.constantFrom(
    '&',
    '=',
    '+',
    '%',
    '%2',
    '%20',
    '%2B',
    '%26',
    '%3D',
    '%C3%A9',
    '%C3',
    '%C3%28',
    '%E2%82%AC',
    '%F0%9F%98%80',
    '%ED%A0%80',
    '%FF',
    '%00',
    'e',
    'pv',
    'ue_px',
    '__proto__',
    'constructor',
    ' ',
    'é',
    '😀',
    '\uD800',
  ),
  fc.string({ maxLength: 6 }),
);
const rawQuery = fc.array(piece, { maxLength: 20 }).map((pieces) => pieces.join(''));

test('firstQueryValues decodes every query exactly as URLSearchParams, keeping the first value of a name', () => {
  fc.assert(
    fc.property(rawQuery, (raw) => assert.deepEqual(firstQueryValues(raw), viaUrlSearchParams(raw), raw)),
    { numRuns: 5000 },
  );
});

test('firstQueryValues on the usual cases', () => {
  assert.deepEqual(firstQueryValues(''), new Map());
  assert.deepEqual(
    firstQueryValues('e=pv&url=https%3A%2F%2Fshop.example%2Fa%3Fb%3Dc&page=Caf%C3%A9+Menu&e=se&flag&=x&&'),
    new Map([
      ['e', 'pv'],
      ['url', 'https://shop.example/a?b=c'],
      ['page', 'Café Menu'],
      ['flag', ''],
      ['', 'x'],
    ]),
  );
  assert.deepEqual(
    firstQueryValues('bad=%E0%A4%A&ok=1'),
    new Map([
      ['bad', '\uFFFD%A'],
      ['ok', '1'],
    ]),
  );
});
