import assert from 'node:assert/strict';
import { test } from 'node:test';
import { docsPages, ROOT, readDoc } from './support/docs.ts';
import { brokenLinks, existsUnder, headingAnchors, markdownLinks } from './support/markdown-links.ts';

/**
 * README.md is the front door and docs/*.md hold the reference: every page is reachable from the
 * README, and no relative link or #anchor between them (or to the source files) leads nowhere, so
 * moving a section cannot break a link silently.
 */
const PAGES = new Map(['README.md', 'CONTRIBUTING.md', ...docsPages()].map((path) => [path, readDoc(path)]));

test('the README links every page under docs/', () => {
  const pages = docsPages();
  assert.ok(pages.length >= 5, `only ${pages.length} pages under docs/`);
  const linked = new Set(
    markdownLinks(PAGES.get('README.md') as string).map(({ target }) => target.replace(/#.*$/, '')),
  );
  const missing = pages.filter((page) => !linked.has(page));
  assert.deepEqual(missing, [], 'add each page to the "Documentation" list of README.md');
});

test('every relative link and #anchor in README.md, CONTRIBUTING.md and docs/*.md resolves', () => {
  const links = [...PAGES.values()].flatMap((markdown) => markdownLinks(markdown));
  assert.ok(links.filter(({ target }) => target.includes('#')).length >= 5, 'the pages link each other by anchor');
  const broken = brokenLinks(PAGES, existsUnder(ROOT), readDoc);
  assert.deepEqual(
    broken.map(({ page, line, target, problem }) => `${page}:${line}: (${target}) ${problem}`),
    [],
  );
});

test("anchors follow GitHub's rules: lower case, punctuation dropped, spaces to hyphens, repeats numbered", () => {
  const anchors = headingAnchors(
    [
      '# Fix a schema and replay',
      '## Locally (`npm start`)',
      '## Against the Pub/Sub emulator',
      '### Rough monthly cost at 1M events a day',
      '## Guarantees, security and privacy',
      '## See [the data contract](querying.md)',
      '## Notes',
      '## Notes',
      '```sh',
      '# a comment in a code block is no heading',
      '```',
    ].join('\n'),
  );
  assert.deepEqual(
    [...anchors],
    [
      'fix-a-schema-and-replay',
      'locally-npm-start',
      'against-the-pubsub-emulator',
      'rough-monthly-cost-at-1m-events-a-day',
      'guarantees-security-and-privacy',
      'see-the-data-contract',
      'notes',
      'notes-1',
    ],
  );
});

test('a missing file, a missing anchor or a link out of the repository is reported; code is not read', () => {
  const pages = new Map([
    ['README.md', '# Sluice\n\n[ok](docs/a.md#part-one) [top](#sluice) [gone](docs/b.md) [lost](docs/a.md#part-two)\n'],
    [
      'docs/a.md',
      '# A\n\n## Part one\n\n[back](../README.md#sluice) [up](../../x.md) [src](../src/x.ts#L1) `[not](a-link.md)`\n\n```md\n[nor](this.md)\n```\n',
    ],
  ]);
  const exists = (path: string) => path === 'src/x.ts';
  const problems = brokenLinks(pages, exists, () => {
    throw new Error('only the given pages are read');
  }).map(({ page, target, problem }) => `${page} ${target}: ${problem}`);
  assert.deepEqual(problems, [
    'README.md docs/b.md: docs/b.md does not exist',
    'README.md docs/a.md#part-two: docs/a.md has no heading whose anchor is #part-two',
    'docs/a.md ../../x.md: leads out of the repository',
    'docs/a.md ../src/x.ts#L1: #L1 on src/x.ts, which is not a Markdown page',
  ]);
});
