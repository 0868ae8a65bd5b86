import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import GithubSlugger from 'github-slugger';

/**
 * The links and heading anchors of a Markdown page, read as GitHub renders it, so that a test can
 * check that every relative link between README.md and docs/*.md still lands somewhere.
 */

/** A link found on a page: its target as written, and the line it is on. */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/** One problem: which page, which line, which target, and what is wrong. */
export interface BrokenLink {
  readonly page: string;
  readonly line: number;
  readonly target: string;
  readonly problem: string;
}

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const LINK = /!?\[((?:[^\][]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g;
const CODE_SPAN = /(`+)[\s\S]*?\1/g;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The lines of a page that GitHub renders as Markdown (not inside fenced code), with their numbers. */
function proseLines(markdown: string): Array<{ text: string; line: number }> {
  const lines: Array<{ text: string; line: number }> = [];
  let fenced = false;
  for (const [index, text] of markdown.split('\n').entries()) {
    if (FENCE.test(text)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) lines.push({ text, line: index + 1 });
  }
  return lines;
}

/**
 * The anchors GitHub gives the page's headings: the heading's rendered text (links reduced to their
 * text) through github-slugger, which applies GitHub's rules, duplicates numbered -1, -2, ….
 */
export function headingAnchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const { text } of proseLines(markdown)) {
    const heading = HEADING.exec(text);
    if (!heading) continue;
    const rendered = (heading[2] as string).replace(LINK, (_, label: string) => label).replace(/<[^>]+>/g, '');
    anchors.add(slugger.slug(rendered));
  }
  return anchors;
}

/** Every inline link and image of the page outside code, with its target as written. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { text, line } of proseLines(markdown)) {
    for (const match of text.replace(CODE_SPAN, '').matchAll(LINK)) links.push({ target: match[2] as string, line });
  }
  return links;
}

/**
 * The relative links of the given pages (paths from the repository root, '/'-separated, mapped to
 * their text) that lead nowhere: a file or folder that does not exist, or an `#anchor` that no
 * heading of the target page has. Links with a scheme (https:, mailto:) are not checked.
 * `exists` answers for a path from the repository root; pages not given are read through `read`.
 */
export function brokenLinks(
  pages: ReadonlyMap<string, string>,
  exists: (path: string) => boolean,
  read: (path: string) => string,
): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (path: string) => {
    let found = anchorsOf.get(path);
    if (!found) {
      found = headingAnchors(pages.get(path) ?? read(path));
      anchorsOf.set(path, found);
    }
    return found;
  };
  for (const [page, markdown] of pages) {
    for (const { target, line } of markdownLinks(markdown)) {
      if (SCHEME.test(target)) continue;
      const report = (problem: string) => broken.push({ page, line, target, problem });
      const hash = target.indexOf('#');
      const file = hash === -1 ? target : target.slice(0, hash);
      const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
      if (target === '') {
        report('empty link');
        continue;
      }
      if (file.startsWith('/')) {
        report('absolute path: GitHub resolves it from the repository root only in some views; link relatively');
        continue;
      }
      const path = file === '' ? page : posix.normalize(posix.join(posix.dirname(page), decodeURIComponent(file)));
      if (path.startsWith('../')) {
        report('leads out of the repository');
        continue;
      }
      if (!pages.has(path) && !exists(path)) {
        report(`${path} does not exist`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!path.endsWith('.md')) report(`#${anchor} on ${path}, which is not a Markdown page`);
      else if (!anchors(path).has(anchor)) report(`${path} has no heading whose anchor is #${anchor}`);
    }
  }
  return broken;
}

/** `exists` for brokenLinks over a checkout whose root is the given file: URL. */
export function existsUnder(root: URL): (path: string) => boolean {
  return (path) => existsSync(new URL(path.replace(/\/$/, ''), root));
}
