import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('data flows one way: nothing the function or the build runs imports terraform/ or cdktf', () => {
  for (const file of [...sources('functions'), ...sources('build')]) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    assert.doesNotMatch(text, /from ['"][./]*terraform\//, `${file} imports terraform/`);
    assert.doesNotMatch(text, /from ['"](cdktf|constructs|@cdktf\/)/, `${file} imports the CDKTF libraries`);
  }
});
