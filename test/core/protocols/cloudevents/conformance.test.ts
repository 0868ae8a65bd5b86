import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conformanceIssues } from '../../../../functions/core/protocols/cloudevents/conformance.ts';

const BASE = { id: 'evt-1', source: '/shop/checkout', type: 'com.acme.order.placed', specversion: '1.0' } as const;

describe('CloudEvents spec conformance (the SDK validation)', () => {
  test('a conforming event has no issues, extensions included', () => {
    assert.deepEqual(
      conformanceIssues({ ...BASE, tenant: 'acme', count: 3, time: '2026-12-05T12:00:00Z' }, true, '$'),
      [],
    );
  });

  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing id', { source: 's', type: 't', specversion: '1.0' }, /\$\.id: the required attribute id is missing/],
    ['empty id', { ...BASE, id: '' }, /\$\.id: attribute id must NOT have fewer than 1 characters/],
    ['numeric id', { ...BASE, id: 42 }, /\$\.id: attribute id must be string/],
    [
      'missing source',
      { id: '1', type: 't', specversion: '1.0' },
      /\$\.source: the required attribute source is missing/,
    ],
    [
      'source that is not a URI reference',
      { ...BASE, source: 'a b' },
      /\$\.source: attribute source must match format "uri-reference"/,
    ],
    ['missing type', { id: '1', source: 's', specversion: '1.0' }, /\$\.type: the required attribute type is missing/],
    [
      'missing specversion',
      { id: '1', source: 's', type: 't' },
      /\$\.specversion: the required attribute specversion is missing/,
    ],
    [
      'specversion 0.3',
      { ...BASE, specversion: '0.3' },
      /specversion "0\.3" is not supported; Sluice accepts CloudEvents 1\.0/,
    ],
    ['specversion 2.0', { ...BASE, specversion: '2.0' }, /specversion "2\.0" is not supported/],
    ['an attribute name with upper case', { ...BASE, Tenant: 'acme' }, /invalid attribute name: "Tenant"/],
    ['an attribute name with a dash', { ...BASE, 'trace-id': 'x' }, /invalid attribute name: "trace-id"/],
    [
      'a fractional extension value',
      { ...BASE, ratio: 0.5 },
      /\$\.ratio: attribute ratio is 0\.5, but CloudEvents numbers are integers/,
    ],
    [
      'a dataschema that is not a URI',
      { ...BASE, dataschema: 'not a uri' },
      /\$\.dataschema: attribute dataschema must match format "uri"/,
    ],
  ];
  for (const [name, attributes, expected] of cases) {
    test(`finds ${name}`, () => {
      const issues = conformanceIssues(attributes, true, '$');
      assert.match(issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), expected);
    });
  }

  test('an unreadable time is left out when the caller did not take it as the event time', () => {
    const attributes = { ...BASE, time: 'yesterday' };
    assert.deepEqual(conformanceIssues(attributes, false, '$'), []);
    assert.match(
      conformanceIssues(attributes, true, '$')
        .map((issue) => `${issue.path}: ${issue.message}`)
        .join('\n'),
      /\$\.time: attribute time must match format "date-time"/,
    );
  });

  test('an unknown specversion is the only issue reported: nothing else is checked against the wrong spec', () => {
    assert.deepEqual(conformanceIssues({ specversion: '0.3', Bad: 1.5 }, true, '$[2]'), [
      {
        schema: null,
        path: '$[2].specversion',
        keyword: 'specversion',
        message: 'specversion "0.3" is not supported; Sluice accepts CloudEvents 1.0 (specversion "1.0")',
      },
    ]);
  });

  test('issues point into the batch element they belong to', () => {
    const issues = conformanceIssues({ ...BASE, id: 42, ratio: 0.5 }, true, '$[3]');
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['$[3].id', '$[3].ratio'],
    );
  });
});
