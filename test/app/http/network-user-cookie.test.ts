import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkUserId, setCookieHeader } from '../../../functions/app/http/network-user-cookie.ts';
import type { CookieConfig } from '../../../functions/core/config/config.ts';

const config: CookieConfig = {
  enabled: true,
  name: 'sp',
  domain: '.example.com',
  path: '/',
  ttl_days: 365,
  same_site: 'None',
  secure: true,
};
const ID = '6c0fb509-6592-43d2-9608-77e72d15fd03';

test('Set-Cookie carries the id, an Expires ttl_days ahead (to the second), and the configured attributes', () => {
  const now = new Date('2026-12-02T07:10:14.999Z');
  assert.equal(
    setCookieHeader(ID, config, now),
    `sp=${ID}; Expires=Thu, 02 Dec 2027 07:10:14 GMT; Max-Age=31536000; Path=/; Domain=.example.com; SameSite=None; Secure; HttpOnly`,
  );
  // The attributes are reused within a second, but follow the clock and the configuration.
  assert.match(
    setCookieHeader('x', config, new Date('2026-12-02T07:10:15.000Z')),
    /^sp=x; Expires=Thu, 02 Dec 2027 07:10:15 GMT;/,
  );
  const lax: CookieConfig = { ...config, name: 'nuid', domain: '', ttl_days: 1, same_site: 'Lax', secure: false };
  assert.equal(
    setCookieHeader('y', lax, new Date('2026-12-02T07:10:15.000Z')),
    'nuid=y; Expires=Thu, 03 Dec 2026 07:10:15 GMT; Max-Age=86400; Path=/; SameSite=Lax; HttpOnly',
  );
  assert.equal(
    setCookieHeader('z', config, new Date('2026-12-02T07:10:15.500Z')),
    'sp=z; Expires=Thu, 02 Dec 2027 07:10:15 GMT; Max-Age=31536000; Path=/; Domain=.example.com; SameSite=None; Secure; HttpOnly',
  );
});

test('networkUserId keeps a valid cookie id (lower-cased) and replaces anything else with a new UUID', () => {
  assert.equal(networkUserId(`a=1; sp=${ID.toUpperCase()}`, config), ID);
  for (const header of [undefined, '', 'sp=not-a-uuid', `sp=${ID}x`, `other=${ID}`]) {
    const id = networkUserId(header, config);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(id, ID);
  }
});
