import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkRedirect, hostAllowed } from '../../../functions/core/protocols/redirect-allow-list.ts';

const ALLOWED = ['acme.com', '*.shop.example'];

describe('hostAllowed', () => {
  test('exact entries match only that host; *. entries only subdomains; case-insensitive', () => {
    assert.equal(hostAllowed('acme.com', ALLOWED), true);
    assert.equal(hostAllowed('ACME.COM', ALLOWED), true);
    assert.equal(hostAllowed('acme.com.', ALLOWED), true);
    assert.equal(hostAllowed('www.acme.com', ALLOWED), false);
    assert.equal(hostAllowed('a.shop.example', ALLOWED), true);
    assert.equal(hostAllowed('a.b.shop.example', ALLOWED), true);
    assert.equal(hostAllowed('shop.example', ALLOWED), false);
    assert.equal(hostAllowed('evilshop.example', ALLOWED), false);
    assert.equal(hostAllowed('', ALLOWED), false);
    assert.equal(hostAllowed('acme.com', []), false);
    assert.equal(hostAllowed('x.y', ['*.']), false);
  });
});

describe('checkRedirect', () => {
  test('an allowed URL comes back serialized, safe for a Location header', () => {
    assert.deepEqual(checkRedirect('https://acme.com/a b?q=é', ALLOWED, 'pixel.redirect_allowed_domains'), {
      allowed: true,
      location: 'https://acme.com/a%20b?q=%C3%A9',
    });
  });

  test('whatever the target, an allowed location is an http(s) URL on an allowed host without control characters', () => {
    const target = fc.oneof(
      fc.string(),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc
        .tuple(
          fc.constantFrom('https://', 'http://', 'javascript:', '//', 'https:\\\\', 'https://acme.com@'),
          fc.constantFrom('acme.com', 'a.shop.example', 'evil.com', 'acme.com.evil.com'),
          fc.string(),
        )
        .map(([scheme, host, rest]) => `${scheme}${host}${rest}`),
    );
    fc.assert(
      fc.property(target, (text) => {
        const decision = checkRedirect(text, ALLOWED, 'setting');
        if (!decision.allowed) {
          assert.ok(decision.reason.length > 0);
          return;
        }
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not pass
        assert.doesNotMatch(decision.location, /[\u0000-\u001f\u007f]/);
        const url = new URL(decision.location);
        assert.ok(url.protocol === 'https:' || url.protocol === 'http:');
        assert.ok(hostAllowed(url.hostname, ALLOWED), url.hostname);
      }),
      { numRuns: 1000 },
    );
  });
});
