import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core (which never downloads a browser of its own). CI
 * installs it (.ci/run); on a developer's machine a browser test skips without it, saying how to
 * install it, and under CI=true it fails instead, so that a CI without a browser cannot pass by
 * skipping.
 */
export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The skip reason for a browser test, or false when it can run (or must fail under CI). */
export function chromiumSkipReason(): string | false {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') return false;
  return `no ${CHROMIUM}: install Chromium with \`sudo apt-get install -y chromium\` to run the browser tests`;
}

export interface Browser {
  readonly context: BrowserContext;
  /** Requests the page tried to send anywhere but 127.0.0.1 (each was aborted). */
  readonly escaped: readonly string[];
  close(): Promise<void>;
}

/** A fresh profile in a temporary folder; every request off 127.0.0.1 is aborted and recorded. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: CI must install Chromium (apt-get install -y chromium) before npm test`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'sluice-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  });
  const escaped: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).hostname === '127.0.0.1') return route.continue();
    escaped.push(url);
    return route.abort();
  });
  return {
    context,
    escaped,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
