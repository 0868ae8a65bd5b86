import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { applyPrivacy } from '../../../functions/core/privacy/apply-privacy.ts';
import { serveCollector } from '../../support/framework-server.ts';
import { recordingCollector } from '../../support/recording-sink.ts';
import { invalidRow, validRow } from '../../support/sample-rows.ts';

const withClient = { ...validRow, user_ipaddress: '::ffff:198.51.100.23', useragent: 'Mozilla/5.0' };
const invalidWithClient = {
  ...invalidRow,
  user_ipaddress: '2001:db8:1:2:3:4:5:6',
  useragent: 'curl/8',
  request: { method: 'POST', headers: { 'user-agent': 'curl/8', origin: 'https://shop.example' } },
};

test('by default the address is only normalized and the user agent kept', () => {
  const { valid, invalid } = applyPrivacy(
    { valid: [withClient], invalid: [invalidWithClient] },
    { ip_anonymization: 'none', drop_useragent: false },
  );
  assert.equal(valid[0]?.user_ipaddress, '198.51.100.23');
  assert.equal(valid[0]?.useragent, 'Mozilla/5.0');
  assert.equal(invalid[0], invalidWithClient, 'an untouched row is passed on as it is');
});

test('truncate and drop_useragent apply to valid and invalid rows, including the request summary header', () => {
  const { valid, invalid } = applyPrivacy(
    { valid: [withClient], invalid: [invalidWithClient] },
    { ip_anonymization: 'truncate', drop_useragent: true },
  );
  assert.equal(valid[0]?.user_ipaddress, '198.51.100.0');
  assert.equal(valid[0]?.useragent, null);
  assert.equal(invalid[0]?.user_ipaddress, '2001:db8:1::');
  assert.equal(invalid[0]?.useragent, null);
  assert.deepEqual(invalid[0]?.request, { method: 'POST', headers: { origin: 'https://shop.example' } });
  assert.equal(withClient.user_ipaddress, '::ffff:198.51.100.23', 'the input rows are not modified');
});

test('drop leaves no address at all', () => {
  const { valid } = applyPrivacy(
    { valid: [withClient], invalid: [] },
    { ip_anonymization: 'drop', drop_useragent: false },
  );
  assert.equal(valid[0]?.user_ipaddress, null);
});

describe('privacy settings through the HTTP function', () => {
  const { collector, sink } = recordingCollector({ privacy: { ip_anonymization: 'truncate', drop_useragent: true } });
  let base = '';
  let close: () => Promise<void>;
  before(async () => ({ base, close } = await serveCollector(collector)));
  after(() => close());

  test('the client address (socket or X-Forwarded-For, IPv4-mapped or not) is truncated and the user agent dropped', async () => {
    const event = JSON.stringify({
      schema: 'iglu:com.example/checkout/jsonschema/1-0-0',
      data: { order_id: 'A-1', total: 30, currency: 'EUR' },
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/self-describing`, {
        method: 'POST',
        body: event,
        headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11)', ...headers },
      });
    sink.clear();
    assert.equal((await post({})).status, 200);
    assert.equal((await post({ 'x-forwarded-for': '2001:db8:85a3:8d3:1319:8a2e:370:7348' })).status, 200);
    assert.equal((await post({ 'x-forwarded-for': '::ffff:198.51.100.23' })).status, 200);
    // The tracker's own ip= and ua= parameters are subject to the same rules.
    const pixel = await fetch(`${base}/i?e=pv&url=https%3A%2F%2Fshop.example%2F&ip=203.0.113.77&ua=Bot%2F1`);
    assert.equal(pixel.status, 200);
    assert.deepEqual(
      sink.valid.map((row) => row.user_ipaddress),
      ['127.0.0.0', '2001:db8:85a3::', '198.51.100.0', '203.0.113.0'],
    );
    assert.deepEqual(
      sink.valid.map((row) => row.useragent ?? null),
      [null, null, null, null],
    );
  });
});
