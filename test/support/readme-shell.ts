import assert from 'node:assert/strict';

/** Reading the shell examples of README.md and docs/*.md, to run them as written in tests. */

/**
 * Splits a script into commands of words as a POSIX shell would for these examples: single quotes
 * (which may span lines), backslash-newline continuations, `#` comments, newlines ending commands.
 */
export function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let current: string | undefined;
  const endWord = () => {
    if (current !== undefined) words.push(current);
    current = undefined;
  };
  for (let i = 0; i < script.length; i++) {
    const char = script[i] as string;
    if (char === "'") {
      const end = script.indexOf("'", i + 1);
      assert.ok(end !== -1, `unmatched quote in a documented example: ${script.slice(i, i + 60)}`);
      current = (current ?? '') + script.slice(i + 1, end);
      i = end;
    } else if (char === '\\' && script[i + 1] === '\n') {
      i++;
      endWord();
    } else if (char === '#' && current === undefined) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    } else if (char === '\n') {
      endWord();
      if (words.length > 0) commands.push(words);
      words = [];
    } else if (/\s/.test(char)) {
      endWord();
    } else {
      current = (current ?? '') + char;
    }
  }
  endWord();
  if (words.length > 0) commands.push(words);
  return commands;
}

export function toRequest(args: string[], base: string): { url: string; init: RequestInit } {
  let method: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  let url = '';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-X') method = args[++i];
    else if (arg === '-H') {
      const [name, ...value] = (args[++i] as string).split(':');
      headers[(name as string).trim()] = value.join(':').trim();
    } else if (arg === '-d') body = args[++i];
    else url = arg;
  }
  return {
    url: url.replace('http://localhost:8080', base),
    init: { method: method ?? (body ? 'POST' : 'GET'), headers, ...(body === undefined ? {} : { body }) },
  };
}
