import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { readSchemaFiles, SchemaFileError } from '../../terraform/schema-files.ts';
import { SCHEMAS_DIR } from '../support/synth-stack.ts';

describe('readSchemaFiles', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function folder(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'sluice-schemas-'));
    dirs.push(root);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }
  const schema = (vendor: string, name: string, version: string) =>
    JSON.stringify({ self: { vendor, name, format: 'jsonschema', version }, type: 'object' });

  test('reads every schema of the shipped folder with its Iglu key, sorted by path', () => {
    const files = readSchemaFiles(SCHEMAS_DIR);
    assert.equal(files[0]?.path, 'com.example/checkout/jsonschema/1-0-0');
    assert.equal(files[0]?.key.uri, 'iglu:com.example/checkout/jsonschema/1-0-0');
    assert.deepEqual(
      files.map((file) => file.path),
      [...files.map((file) => file.path)].sort(),
    );
    assert.ok(files.every((file) => file.document.self !== undefined));
  });

  test('ignores dot files (editor and OS litter) but nothing else', () => {
    const root = folder({
      'com.acme/a/jsonschema/1-0-0': schema('com.acme', 'a', '1-0-0'),
      '.DS_Store': 'x',
      'com.acme/a/jsonschema/.1-0-0.swp': 'x',
    });
    assert.deepEqual(
      readSchemaFiles(root).map((file) => file.path),
      ['com.acme/a/jsonschema/1-0-0'],
    );
  });

  test('refuses a file the registry could not serve, naming the file and the fix', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'README.md': '# schemas' }, /README\.md: its path is not an Iglu path/],
      [
        { 'com.acme/a/jsonschema/1-0-0.json': schema('com.acme', 'a', '1-0-0') },
        /1-0-0\.json: its path is not an Iglu path/,
      ],
      [{ 'com.acme/a/jsonschema/1-0-0': '{"type": "object",' }, /1-0-0: it is not JSON/],
      [{ 'com.acme/a/jsonschema/1-0-0': '[]' }, /it is not a JSON object/],
      [
        { 'com.acme/a/jsonschema/1-0-0': schema('com.acme', 'b', '1-0-0') },
        /its self block names com\.acme\/b\/jsonschema\/1-0-0, not com\.acme\/a\/jsonschema\/1-0-0; move the file or fix self/,
      ],
    ];
    for (const [files, message] of cases) {
      assert.throws(
        () => readSchemaFiles(folder(files)),
        (error: unknown) =>
          error instanceof SchemaFileError &&
          message.test(error.message) &&
          error.message.startsWith('cannot publish schema file '),
      );
    }
  });
});
