import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
const FUNCTIONS = join(ROOT, 'functions');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** `class X extends Y`: every class that extends something, with what it extends. */
const CLASS_EXTENDS = /\bclass\s+(\w+)\s+extends\s+([\w.]+)/g;

test('every error class in functions/ extends SluiceError (or another Sluice error), so each has a string code', () => {
  const classes = new Map<string, { base: string; file: string }>();
  for (const file of sourceFiles(FUNCTIONS)) {
    for (const [, name, base] of readFileSync(file, 'utf8').matchAll(CLASS_EXTENDS)) {
      classes.set(name as string, { base: base as string, file: relative(ROOT, file) });
    }
  }
  const isSluiceError = (name: string, seen = new Set<string>()): boolean => {
    if (name === 'SluiceError') return true;
    const known = classes.get(name);
    if (known === undefined || seen.has(name)) return false;
    seen.add(name);
    return isSluiceError(known.base, seen);
  };
  const errors = [...classes].filter(([name, { base }]) => /Error$/.test(name) || /Error$/.test(base));
  assert.ok(errors.length >= 15, `found only ${errors.length} error classes: is the scan still reading functions/?`);
  const outside = errors
    .filter(([name]) => name !== 'SluiceError' && !isSluiceError(name))
    .map(([name, { base, file }]) => `${name} extends ${base} (${file})`);
  assert.deepEqual(outside, [], 'make these extend SluiceError with a string code; keep transport codes as fields');
});
