import type { InvalidRow, ValidRow } from '../../functions/core/contract/rows.ts';

/** One well-formed row of each table, for tests of code that carries rows. */
export const validRow: ValidRow = {
  event_id: 'c6ef3124-b53a-4b13-a233-0088f79dcbcb',
  collector_tstamp: '2026-11-26T04:15:27.123Z',
  event_tstamp: '2026-11-26T04:15:26.999456Z',
  protocol: 'snowplow',
  event_name: 'page_view',
  schema: 'iglu:dev.sluice/page_view/jsonschema/1-0-0',
  schema_vendor: 'dev.sluice',
  schema_name: 'page_view',
  schema_version: '1-0-0',
  app_id: 'shop',
  session_index: 3,
  page_url: 'https://shop.example/?q="x"',
  user_id: null,
  payload: { title: 'Home', nested: { a: [1, 'two', null] } },
  contexts: [{ schema: 'iglu:com.acme/user/jsonschema/1-0-0', data: { tier: 'gold' } }],
  collector: 'sluice/0.1.0',
};

export const invalidRow: InvalidRow = {
  event_id: '1e0d1d59-5b58-4c37-9c4c-0a9a1f6d3b11',
  collector_tstamp: '2026-11-26T04:15:27.123Z',
  protocol: 'webhook',
  collector: 'sluice/0.1.0',
  error_type: 'validation_failed',
  errors: [{ schema: 'iglu:com.acme/x/jsonschema/1-0-0', path: '$.total', keyword: 'type', message: 'must be number' }],
  raw: '{"total":"1"}',
  request: { method: 'POST', path: '/webhook/com.acme/x/jsonschema/1-0-0' },
};
