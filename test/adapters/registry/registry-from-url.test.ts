import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FileRegistry } from '../../../functions/adapters/registry/file-registry.ts';
import { GcsRegistry } from '../../../functions/adapters/registry/gcs-registry.ts';
import { HttpRegistry } from '../../../functions/adapters/registry/http-registry.ts';
import { createRegistry } from '../../../functions/adapters/registry/registry-from-url.ts';
import { SluiceError } from '../../../functions/core/errors.ts';
import { parseSchemaKey } from '../../../functions/core/iglu/schema-key.ts';

describe('createRegistry', () => {
  test('file:// gives a FileRegistry, relative to the working directory or absolute', () => {
    const relative = createRegistry('file://./schemas');
    assert.ok(relative instanceof FileRegistry);
    assert.equal(relative.url, 'file://./schemas');
    assert.equal(relative.root, path.resolve(process.cwd(), 'schemas'));
    const absolute = createRegistry('file:///abs/path/schemas/');
    assert.ok(absolute instanceof FileRegistry);
    assert.equal(absolute.root, '/abs/path/schemas');
  });

  test('gs:// gives a GcsRegistry with bucket and optional prefix', () => {
    const prefixed = createRegistry('gs://my-bucket/schemas/');
    assert.ok(prefixed instanceof GcsRegistry);
    assert.deepEqual(
      [prefixed.url, prefixed.bucket, prefixed.prefix],
      ['gs://my-bucket/schemas/', 'my-bucket', 'schemas'],
    );
    const root = createRegistry('gs://my-bucket');
    assert.ok(root instanceof GcsRegistry);
    assert.deepEqual([root.bucket, root.prefix], ['my-bucket', '']);
  });

  test('http:// and https:// give an HttpRegistry; the scheme is case-insensitive', () => {
    for (const url of [
      'https://iglucentral.com/schemas',
      'http://127.0.0.1:9000/registry/schemas',
      'HTTPS://iglucentral.com/schemas',
    ]) {
      const registry = createRegistry(url);
      assert.ok(registry instanceof HttpRegistry, url);
      assert.equal(registry.url, url);
    }
  });

  test('options reach the adapter (an injected fetch)', async () => {
    const registry = createRegistry('https://iglucentral.com/schemas', {
      fetch: async () => new Response('{"via":"options"}', { status: 200 }),
    });
    assert.deepEqual(await registry.lookup(parseSchemaKey('iglu:com.acme/a/jsonschema/1-0-0')), {
      found: true,
      schema: { via: 'options' },
      registry: 'https://iglucentral.com/schemas',
    });
  });

  for (const [url, reason] of [
    ['ftp://x', /the scheme ftp:\/\/ is not supported/],
    ['s3://bucket/schemas', /the scheme s3:\/\/ is not supported/],
    ['gs://', /the bucket name is missing/],
    ['gs://Not_A_Bucket/x', /is not a bucket name/],
    ['file://', /the folder is missing/],
    ['http://', /it is not a valid URL/],
    ['./schemas', /it has no scheme/],
    ['', /it has no scheme/],
  ] as const) {
    test(`rejects ${JSON.stringify(url)} naming the value and the accepted forms`, () => {
      assert.throws(
        () => createRegistry(url),
        (error: unknown) => {
          assert.ok(error instanceof SluiceError);
          assert.equal(error.code, 'invalid_registry_url');
          assert.ok(error.message.includes(JSON.stringify(url)), error.message);
          assert.match(error.message, reason);
          for (const example of ['file://./schemas', 'gs://my-bucket/schemas', 'https://iglucentral.com/schemas']) {
            assert.ok(error.message.includes(example), `message should show ${example}: ${error.message}`);
          }
          return true;
        },
      );
    });
  }
});
