import { readdirSync, readFileSync } from 'node:fs';

/** The project's Markdown documentation: README.md, the front door, and the reference pages in docs/. */

/** The repository root, as a file: URL ending in '/'. */
export const ROOT = new URL('../../', import.meta.url);

/** README.md or a page under docs/ ('docs/configuration.md'), by its path from the repository root. */
export function readDoc(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

/** Every reference page, as paths from the repository root ('docs/protocols.md', …), sorted. */
export function docsPages(): string[] {
  return readdirSync(new URL('docs/', ROOT))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
}
