import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
/** One concept per file: past this, a file holds more than one, and should be split. */
const MAX_SOURCE_LINES = 400;

test(`no source file in functions/, terraform/, build/ or bench/ is over ${MAX_SOURCE_LINES} lines`, () => {
  const files = ['functions', 'terraform', 'build', 'bench'].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(dir, name)),
  );
  assert.ok(files.length > 100, `only ${files.length} files found: is the scan still reading the tree?`);
  const over = files
    .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1 }))
    .filter(({ lines }) => lines > MAX_SOURCE_LINES)
    .map(({ file, lines }) => `${file}: ${lines} lines`);
  assert.deepEqual(over, [], 'split these by concept (see CONTRIBUTING.md)');
});
