import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Markdown and YAML are not parsed by the linter or the type checker, so a merge that leaves its
// conflict markers in them would land unnoticed; this test reads every tracked text file.
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MARKER = /^(<{7}|>{7}) /m;

export function conflictMarkerLine(text: string): number | undefined {
  const match = MARKER.exec(text);
  return match === null ? undefined : text.slice(0, match.index).split('\n').length;
}

test('no tracked file holds a merge conflict marker', () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  assert.ok(files.length > 100, `git ls-files listed ${files.length} files`);
  const found: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(ROOT, file), 'utf8');
    } catch {
      continue; // listed but removed in the working tree
    }
    if (text.includes('\0')) continue; // binary
    const line = conflictMarkerLine(text);
    if (line !== undefined) found.push(`${file}:${line}`);
  }
  assert.deepEqual(found, []);
});

test('the marker check finds a marker at the start of a line only', () => {
  assert.equal(conflictMarkerLine(['a', `${'<'.repeat(7)} HEAD`, 'b'].join('\n')), 2);
  assert.equal(conflictMarkerLine(`x\n${'>'.repeat(7)} main\n`), 2);
  assert.equal(conflictMarkerLine(`quoted ${'<'.repeat(7)} HEAD inside a line`), undefined);
});
