import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createCollector } from '../functions/app/collector-handler.ts';
import { createValidationFromConfig } from '../functions/app/create-validation.ts';
import { createProtocolAdapters } from '../functions/app/protocol-adapters.ts';
import { resolveConfig } from '../functions/core/config/resolve-config.ts';
import { readDoc } from './support/docs.ts';
import { serveCollector } from './support/framework-server.ts';
import { RecordingSink, SHIPPED_SCHEMAS } from './support/recording-sink.ts';

/**
 * The "Guarantees" and "Security and privacy" sections of docs/guarantees.md back every claim with a
 * named test (`file`: "test name"). Each citation must point at a test file that still holds that
 * name, so a renamed or deleted test cannot leave a claim unbacked.
 */
const PAGE = 'docs/guarantees.md';
const GUARANTEES = readDoc(PAGE);

function section(title: string): string {
  const start = GUARANTEES.indexOf(`\n## ${title}\n`);
  assert.ok(start !== -1, `${PAGE} has no "## ${title}" section`);
  const end = GUARANTEES.indexOf('\n## ', start + 1);
  return GUARANTEES.slice(start, end === -1 ? undefined : end);
}

const CITATION = /`(test\/[^`]+\.test\.ts)`: "([^"]+)"/g;

for (const title of ['Guarantees', 'Security and privacy']) {
  test(`every test the "${title}" section of ${PAGE} cites exists under that name`, () => {
    const citations = [...section(title).matchAll(CITATION)].map((match) => ({
      file: match[1] as string,
      name: match[2] as string,
    }));
    assert.ok(citations.length >= 5, `only ${citations.length} citations found`);
    for (const { file, name } of citations) {
      const url = new URL(`../${file}`, import.meta.url);
      assert.ok(existsSync(url), `${file} (cited for "${name}") does not exist`);
      const source = readFileSync(url, 'utf8').replaceAll("\\'", "'");
      assert.ok(source.includes(name), `${file} has no test named "${name}"`);
    }
  });
}

test("the docs' signed webhook example works as written", { skip: hasTools() }, async () => {
  const block = /```sh\n(export SLUICE_WEBHOOKS_AUTH[\s\S]*?)```/.exec(section('Security and privacy'))?.[1];
  assert.ok(block, 'the example is in the Security and privacy section');
  const env: Record<string, string> = {};
  for (const [, name, value] of block.matchAll(/^export (\w+)='([^']*)'$/gm)) env[name as string] = value as string;
  const config = resolveConfig({ document: { registries: [SHIPPED_SCHEMAS] }, source: PAGE, env });
  const sink = new RecordingSink();
  const { base, close } = await serveCollector(
    createCollector({
      config,
      validation: createValidationFromConfig(config),
      sink,
      adapters: createProtocolAdapters(config),
      env,
    }),
  );
  try {
    // Run as written, except that the collector is already running here, on another port.
    const script = block.replace(/^npm start &$/m, '').replaceAll('http://localhost:8080', base);
    // Asynchronously: the collector answering curl runs in this process.
    const { stdout: output } = await promisify(execFile)('bash', ['-e', '-c', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 30_000,
    });
    assert.match(output, /^ok/, 'the signed request is taken');
    assert.deepEqual(
      sink.invalid.map((row) => row.error_type).sort(),
      ['schema_not_found', 'unauthorized'],
      'the signed one reached validation (no com.github/push schema ships), the other was refused',
    );
    assert.equal(sink.invalid.find((row) => row.error_type === 'unauthorized')?.raw ?? null, null);
  } finally {
    await close();
  }
});

function hasTools(): string | false {
  try {
    execFileSync('bash', ['-c', 'command -v curl && command -v openssl'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'curl and openssl are needed to run the example';
  }
}
