import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileRegistry } from '../../../functions/adapters/registry/file-registry.ts';
import { SluiceError } from '../../../functions/core/errors.ts';
import { InvalidSchemaKeyError, parseSchemaKey, type SchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import { MAX_SCHEMA_DOCUMENT_BYTES } from '../../../functions/core/limits.ts';
import {
  InvalidSchemaDocumentError,
  RegistryUnavailableError,
} from '../../../functions/core/registry/schema-registry.ts';

const IGLU_CENTRAL = fileURLToPath(new URL('../../../../shared/iglu-central/schemas', import.meta.url));
const KEY = parseSchemaKey('iglu:com.acme/checkout/jsonschema/1-0-0');
const KEY_PATH = ['com.acme', 'checkout', 'jsonschema', '1-0-0'] as const;

let tmp: string;
let root: string;
let url: string;

/** Writes `content` at the key's path below `folder`. */
async function put(folder: string, content: string | Buffer, key: SchemaKey = KEY): Promise<string> {
  const file = path.join(folder, ...key.path.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

async function freshRoot(name: string): Promise<string> {
  const folder = path.join(tmp, name);
  await mkdir(folder, { recursive: true });
  return folder;
}

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'sluice-file-registry-'));
  root = await freshRoot('schemas');
  url = `file://${root}`;
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('FileRegistry', () => {
  test('reads a real Iglu Central schema', async () => {
    const registry = new FileRegistry(`file://${IGLU_CENTRAL}`);
    const lookup = await registry.lookup(
      parseSchemaKey('iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0'),
    );
    assert.equal(lookup.found, true);
    assert.ok(lookup.found);
    assert.equal(lookup.registry, `file://${IGLU_CENTRAL}`);
    assert.deepEqual(lookup.schema.self, {
      vendor: 'com.snowplowanalytics.snowplow',
      name: 'web_page',
      format: 'jsonschema',
      version: '1-0-0',
    });
    assert.deepEqual(lookup.schema.required, ['id']);
  });

  test('finds a key written below the folder and returns the parsed object', async () => {
    await put(root, '{"type":"object","description":"checkout"}');
    const lookup = await new FileRegistry(url).lookup(KEY);
    assert.deepEqual(lookup, { found: true, schema: { type: 'object', description: 'checkout' }, registry: url });
  });

  test('resolves a relative folder against the working directory once, at construction', async () => {
    const registry = new FileRegistry('file://./schemas', { cwd: tmp });
    assert.equal(registry.root, root);
    assert.equal((await registry.lookup(KEY)).found, true);
    assert.equal(new FileRegistry('file://schemas').root, path.resolve(process.cwd(), 'schemas'));
  });

  test('tolerates trailing slashes and decodes %-escapes', async () => {
    const spaced = await freshRoot('my schemas');
    await put(spaced, '{"a":1}');
    const href = pathToFileURL(spaced).href; // file:///.../my%20schemas
    assert.match(href, /my%20schemas$/);
    const registry = new FileRegistry(`${href}///`);
    assert.equal(registry.root, spaced);
    assert.deepEqual(await registry.lookup(KEY), { found: true, schema: { a: 1 }, registry: `${href}///` });
  });

  test('a missing file or folder is not found', async () => {
    const registry = new FileRegistry(url);
    assert.deepEqual(await registry.lookup(parseSchemaKey('iglu:com.acme/checkout/jsonschema/9-0-0')), {
      found: false,
    });
    assert.deepEqual(await registry.lookup(parseSchemaKey('iglu:com.nobody/thing/jsonschema/1-0-0')), { found: false });
  });

  test('a file where a folder is expected (ENOTDIR) is not found', async () => {
    const folder = await freshRoot('enotdir');
    await writeFile(path.join(folder, 'com.acme'), 'not a folder');
    assert.deepEqual(await new FileRegistry(`file://${folder}`).lookup(KEY), { found: false });
  });

  test('a directory at the key path is not found', async () => {
    const folder = await freshRoot('dir-at-key');
    await mkdir(path.join(folder, ...KEY_PATH), { recursive: true });
    assert.deepEqual(await new FileRegistry(`file://${folder}`).lookup(KEY), { found: false });
  });

  for (const [label, content, detail] of [
    ['a JSON array', '[{"type":"object"}]', /JSON an array, not an object/],
    ['a JSON string', '"schema"', /JSON a string, not an object/],
    ['JSON null', 'null', /JSON null, not an object/],
    ['an HTML page', '<!doctype html><title>Not found</title>', /not JSON \(it starts with "<!doctype html>/],
    ['truncated JSON', '{"type":"obj', /not JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
  ] as const) {
    test(`${label} is an InvalidSchemaDocumentError`, async () => {
      const folder = await freshRoot(`invalid-${label.replaceAll(' ', '-')}`);
      await put(folder, content);
      const registry = new FileRegistry(`file://${folder}`);
      await assert.rejects(registry.lookup(KEY), (error: unknown) => {
        assert.ok(error instanceof InvalidSchemaDocumentError);
        assert.equal(error.code, 'invalid_schema_document');
        assert.equal(error.schemaUri, KEY.uri);
        assert.equal(error.registry, `file://${folder}`);
        assert.match(error.message, detail);
        return true;
      });
    });
  }

  test('a file over the size limit is rejected before reading, one at the limit is accepted', async () => {
    const folder = await freshRoot('sizes');
    const big = await put(folder, '');
    await truncate(big, MAX_SCHEMA_DOCUMENT_BYTES + 1); // sparse: cheap to create, all zero bytes
    await assert.rejects(new FileRegistry(`file://${folder}`).lookup(KEY), (error: unknown) => {
      assert.ok(error instanceof InvalidSchemaDocumentError);
      assert.match(
        error.message,
        new RegExp(`${MAX_SCHEMA_DOCUMENT_BYTES + 1} bytes, over the ${MAX_SCHEMA_DOCUMENT_BYTES}-byte limit`),
      );
      return true;
    });
    const exact = '{"a":1}'.padEnd(MAX_SCHEMA_DOCUMENT_BYTES, ' ');
    await put(folder, exact);
    assert.deepEqual(await new FileRegistry(`file://${folder}`).lookup(KEY), {
      found: true,
      schema: { a: 1 },
      registry: `file://${folder}`,
    });
  });

  test('a symlink leaving the folder is not found; one staying inside is followed', async () => {
    const folder = await freshRoot('links');
    const outside = path.join(tmp, 'outside.json');
    await writeFile(outside, '{"secret":true}');
    const escaping = path.join(folder, ...KEY_PATH);
    await mkdir(path.dirname(escaping), { recursive: true });
    await symlink(outside, escaping);
    const registry = new FileRegistry(`file://${folder}`);
    assert.deepEqual(await registry.lookup(KEY), { found: false });

    // A whole vendor folder linked out of the registry is refused the same way.
    const outsideVendor = await freshRoot('outside-vendor');
    const other = parseSchemaKey('iglu:com.other/thing/jsonschema/1-0-0');
    await put(outsideVendor, '{"secret":true}', other);
    await symlink(path.join(outsideVendor, 'com.other'), path.join(folder, 'com.other'));
    assert.deepEqual(await registry.lookup(other), { found: false });

    const inside = parseSchemaKey('iglu:com.acme/checkout/jsonschema/1-0-1');
    await writeFile(path.join(folder, 'target.json'), '{"linked":true}');
    await symlink(path.join(folder, 'target.json'), path.join(folder, ...inside.path.split('/')));
    assert.deepEqual(await registry.lookup(inside), {
      found: true,
      schema: { linked: true },
      registry: `file://${folder}`,
    });
  });

  test('a registry folder that is itself a symlink works', async () => {
    const link = path.join(tmp, 'linked-root');
    await symlink(root, link);
    await put(root, '{"via":"link"}');
    assert.deepEqual(await new FileRegistry(`file://${link}`).lookup(KEY), {
      found: true,
      schema: { via: 'link' },
      registry: `file://${link}`,
    });
  });

  test('other filesystem errors (a symlink loop: ELOOP) are RegistryUnavailableError keeping the cause', async () => {
    const folder = await freshRoot('loop');
    const file = path.join(folder, ...KEY_PATH);
    await mkdir(path.dirname(file), { recursive: true });
    await symlink(file, file);
    await assert.rejects(new FileRegistry(`file://${folder}`).lookup(KEY), (error: unknown) => {
      assert.ok(error instanceof RegistryUnavailableError);
      assert.equal(error.code, 'registry_unavailable');
      assert.equal(error.registry, `file://${folder}`);
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ELOOP');
      assert.match(error.message, /ELOOP/);
      return true;
    });
  });

  test('an unreadable file (EACCES) is RegistryUnavailableError', {
    skip: process.getuid?.() === 0 && 'root ignores file permissions',
  }, async () => {
    const folder = await freshRoot('eacces');
    const file = await put(folder, '{}');
    await chmod(file, 0o000);
    try {
      await assert.rejects(new FileRegistry(`file://${folder}`).lookup(KEY), (error: unknown) => {
        assert.ok(error instanceof RegistryUnavailableError);
        assert.equal((error.cause as NodeJS.ErrnoException).code, 'EACCES');
        return true;
      });
    } finally {
      await chmod(file, 0o600);
    }
  });

  test('a missing registry folder is unavailable, not "not found"', async () => {
    const missing = path.join(tmp, 'does-not-exist');
    await assert.rejects(new FileRegistry(`file://${missing}`).lookup(KEY), (error: unknown) => {
      assert.ok(error instanceof RegistryUnavailableError);
      assert.match(
        error.message,
        new RegExp(`registry folder ${missing} cannot be opened \\(create it or fix the registry URL\\)`),
      );
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
  });

  test('a registry URL pointing at a file is unavailable', async () => {
    const file = path.join(tmp, 'a-file');
    await writeFile(file, '{}');
    await assert.rejects(new FileRegistry(`file://${file}`).lookup(KEY), (error: unknown) => {
      assert.ok(error instanceof RegistryUnavailableError);
      assert.match(error.message, /is not a folder/);
      return true;
    });
  });

  test('a forged key whose path leaves the folder is refused', async () => {
    await writeFile(path.join(tmp, 'escape'), '{"secret":true}');
    const forged: SchemaKey = { ...KEY, path: '../escape', uri: 'iglu:../escape' };
    await assert.rejects(new FileRegistry(url).lookup(forged), InvalidSchemaKeyError);
  });

  test('a URL without a folder is an invalid_registry_url SluiceError', () => {
    assert.throws(
      () => new FileRegistry('file://'),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'invalid_registry_url' &&
        /folder is missing/.test(error.message),
    );
    assert.throws(
      () => new FileRegistry('gs://bucket'),
      (error: unknown) => error instanceof SluiceError && error.code === 'invalid_registry_url',
    );
  });
});
