import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageUrlColumns, parseHttpUrl, referrerUrlColumns } from '../../../functions/core/enrichment/url-parts.ts';

test('page URL parts: host lower-cased, path, query and fragment without their marks', () => {
  const page = parseHttpUrl('https://Shop.Example:8443/products/shoes?utm_source=news&x=1#reviews');
  assert.ok(page);
  assert.deepEqual(pageUrlColumns(page), {
    page_urlhost: 'shop.example',
    page_urlpath: '/products/shoes',
    page_urlquery: 'utm_source=news&x=1',
    page_urlfragment: 'reviews',
  });
});

test('no query or fragment: those columns stay empty; a bare host has path /', () => {
  const page = parseHttpUrl('http://shop.example');
  assert.ok(page);
  assert.deepEqual(pageUrlColumns(page), { page_urlhost: 'shop.example', page_urlpath: '/' });
});

test('referrer URL parts: host and path', () => {
  const referrer = parseHttpUrl('https://www.google.com/search?q=running+shoes');
  assert.ok(referrer);
  assert.deepEqual(referrerUrlColumns(referrer), { refr_urlhost: 'www.google.com', refr_urlpath: '/search' });
});

test('internationalized hosts come out punycoded, as browsers send them', () => {
  assert.equal(parseHttpUrl('https://bücher.example/ä')?.host, 'xn--bcher-kva.example');
  assert.equal(parseHttpUrl('https://bücher.example/ä')?.path, '/%C3%A4');
});

test('what is not an http(s) URL gives no parts', () => {
  for (const value of [
    '',
    'not a url',
    '/relative/path',
    'android-app://com.google.android.gm/',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'mailto:someone@example.com',
    'http://',
    'https://[::1',
    null,
    undefined,
  ]) {
    assert.equal(parseHttpUrl(value), undefined, String(value));
  }
});
