import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The layering of functions/ (CONTRIBUTING.md): entries → app → core and adapters; core is pure and
// imports neither adapters, app nor anything that reaches the network or the disk; adapters serve
// core's interfaces and never reach up into app. Nothing in functions/ imports another file that
// (through any chain) imports it back.

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FUNCTIONS = join(ROOT, 'functions');

/** Every `from '…'`, `import '…'` and `import('…')` specifier of a TypeScript source, type-only ones included. */
export function importSpecifiers(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) specifiers.push(match[1] as string);
  }
  return specifiers;
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The graph of relative imports between files of functions/, as paths relative to functions/. */
function importGraph(): Map<string, { local: string[]; packages: string[] }> {
  const graph = new Map<string, { local: string[]; packages: string[] }>();
  for (const file of sourcesUnder(FUNCTIONS)) {
    const specifiers = importSpecifiers(readFileSync(file, 'utf8'));
    graph.set(relative(FUNCTIONS, file), {
      // Relative imports of other sources in functions/; data files such as ../package.json are not layers.
      local: specifiers
        .filter((s) => s.startsWith('.'))
        .map((s) => relative(FUNCTIONS, join(dirname(file), s)))
        .filter((target) => target.endsWith('.ts') && !target.startsWith('..')),
      packages: specifiers.filter((s) => !s.startsWith('.')),
    });
  }
  return graph;
}

/** Each import cycle once, as the list of files around it (Tarjan's strongly connected components). */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

const layerOf = (file: string): string => (file.includes('/') ? (file.split('/')[0] as string) : 'entry');

/** Packages that talk to Google Cloud: only adapters (and entries, through them) may load them. */
const GOOGLE_SDK = /^(@google-cloud\/|google-auth-library|google-gax|gcp-metadata)/;
/** Node modules that reach the disk, the network or other processes; core stays pure without them. */
const IO_BUILTINS = /^node:(fs|fs\/promises|http|https|http2|dgram|dns|tls|child_process|worker_threads)$/;

describe('functions/ layering', () => {
  const graph = importGraph();

  test('the graph is read: every layer has files and imports', () => {
    const layers = new Set([...graph.keys()].map(layerOf));
    for (const layer of ['entry', 'app', 'core', 'adapters']) assert.ok(layers.has(layer), layer);
    assert.ok([...graph.values()].some((node) => node.local.length > 0));
  });

  test('core imports neither adapters nor app nor an entry', () => {
    for (const [file, { local }] of graph) {
      if (layerOf(file) !== 'core') continue;
      for (const target of local) {
        assert.equal(layerOf(target), 'core', `${file} imports ${target}: core must stay below adapters and app`);
      }
    }
  });

  test('core loads no Google SDK and no module that does I/O', () => {
    for (const [file, { packages }] of graph) {
      if (layerOf(file) !== 'core') continue;
      for (const name of packages) {
        assert.doesNotMatch(name, GOOGLE_SDK, `${file} imports ${name}: Google clients belong in adapters/`);
        assert.doesNotMatch(name, IO_BUILTINS, `${file} imports ${name}: I/O belongs in adapters/`);
      }
    }
  });

  test('adapters import neither app nor an entry', () => {
    for (const [file, { local }] of graph) {
      if (layerOf(file) !== 'adapters') continue;
      for (const target of local) {
        assert.ok(['core', 'adapters'].includes(layerOf(target)), `${file} imports ${target}: adapters serve core`);
      }
    }
  });

  test('app imports no entry', () => {
    for (const [file, { local }] of graph) {
      if (layerOf(file) !== 'app') continue;
      for (const target of local) assert.notEqual(layerOf(target), 'entry', `${file} imports the entry ${target}`);
    }
  });

  test('no import circles', () => {
    const edges = new Map([...graph].map(([file, { local }]) => [file, local]));
    assert.deepEqual(importCycles(edges), []);
  });
});

describe('the checks themselves', () => {
  test('import specifiers are found in every form', () => {
    const source = [
      "import type { A } from './a.ts';",
      "import { b,\n  c } from '../b.ts';",
      "export { d } from './d.ts';",
      "import './side-effect.ts';",
      "const lazy = await import('@google-cloud/pubsub');",
    ].join('\n');
    assert.deepEqual(importSpecifiers(source).sort(), [
      '../b.ts',
      './a.ts',
      './d.ts',
      './side-effect.ts',
      '@google-cloud/pubsub',
    ]);
  });

  test('a circle of any length is reported once, and a chain is not', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    assert.deepEqual(importCycles(graph), [['a', 'b', 'c'], ['e']]);
    assert.deepEqual(
      importCycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
      [],
    );
  });
});
