import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anonymizeIp, normalizeIp } from '../../../functions/core/privacy/ip-anonymization.ts';

test('an IPv4-mapped IPv6 address is recorded as the IPv4 address it is, in every mode', () => {
  assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normalizeIp('::FFFF:cb00:7107'), '203.0.113.7');
  assert.equal(anonymizeIp('::ffff:203.0.113.7', 'none'), '203.0.113.7');
  // Truncated as IPv6 to /48 it would have kept all of it (the address is in the last 32 bits).
  assert.equal(anonymizeIp('::ffff:203.0.113.7', 'truncate'), '203.0.113.0');
});

test('truncate zeroes the last IPv4 octet and keeps the first 48 bits of IPv6', () => {
  assert.equal(anonymizeIp('203.0.113.77', 'truncate'), '203.0.113.0');
  assert.equal(anonymizeIp('2001:db8:85a3:8d3:1319:8a2e:370:7348', 'truncate'), '2001:db8:85a3::');
  assert.equal(anonymizeIp('2001:0DB8:0000:0000:0000:0000:0000:0001', 'truncate'), '2001:db8::');
  assert.equal(anonymizeIp('fe80::1%eth0', 'truncate'), 'fe80::');
  assert.equal(anonymizeIp('64:ff9b::192.0.2.33', 'truncate'), '64:ff9b::');
  assert.equal(anonymizeIp('::1', 'truncate'), '::');
});

test('none keeps the address, drop keeps nothing, and a value that is no address is not kept by truncate', () => {
  assert.equal(anonymizeIp(' 203.0.113.77 ', 'none'), '203.0.113.77');
  assert.equal(anonymizeIp('2001:db8::1', 'drop'), undefined);
  assert.equal(anonymizeIp('203.0.113.77', 'drop'), undefined);
  assert.equal(anonymizeIp('not an address', 'truncate'), undefined);
  assert.equal(anonymizeIp('not an address', 'none'), 'not an address');
});
