import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Testing } from 'cdktf';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { readSchemaFiles, type SchemaFile } from '../../terraform/schema-files.ts';
import { SluiceStack } from '../../terraform/sluice-stack.ts';

/** The project id the synth tests deploy into (nothing is ever deployed). */
export const TEST_PROJECT = 'acme-analytics';
export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas', import.meta.url));

/** A resource block of the synthesized JSON. */
export type TerraformBlock = Record<string, unknown> & { depends_on?: string[] };

export interface SynthesizedStack {
  /** What Testing.synth returned, for Testing.toHaveResourceWithProperties. */
  readonly text: string;
  readonly json: {
    readonly resource: Record<string, Record<string, TerraformBlock>>;
    readonly data?: Record<string, Record<string, TerraformBlock>>;
    readonly output: Record<string, { value: unknown; description?: string }>;
    readonly variable?: Record<string, unknown>;
    readonly provider: Record<string, Array<Record<string, unknown>>>;
    readonly terraform: Record<string, unknown>;
  };
  readonly config: SluiceConfig;
  readonly stack: SluiceStack;
}

let functionDir: string | undefined;

/** A stand-in for dist/function: the stack only zips the folder it is given. */
function fakeFunctionDir(): string {
  if (functionDir !== undefined) return functionDir;
  functionDir = mkdtempSync(join(tmpdir(), 'sluice-fn-'));
  writeFileSync(join(functionDir, 'index.js'), 'export {};\n');
  writeFileSync(join(functionDir, 'package.json'), '{"name":"sluice-function"}\n');
  mkdirSync(join(functionDir, 'config'));
  writeFileSync(join(functionDir, 'config', 'sluice.json'), '{}\n');
  return functionDir;
}

/**
 * Synthesizes the stack for a configuration (the defaults + `document`, project acme-analytics
 * unless the document says otherwise) with the real schemas/ folder, or the given schema files.
 */
export function synthStack(
  document: Record<string, unknown> = {},
  schemaFiles: readonly SchemaFile[] = readSchemaFiles(SCHEMAS_DIR),
): SynthesizedStack {
  const config = resolveConfig({ document: { project: TEST_PROJECT, ...document }, source: 'test', env: {} });
  const app = Testing.app();
  const stack = new SluiceStack(app, 'sluice', { config, schemaFiles, functionSourceDir: fakeFunctionDir() });
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) as SynthesizedStack['json'], config, stack };
}

/** The blocks of one resource type, by logical id (empty when there are none). */
export function resourcesOf(synth: SynthesizedStack, type: string): Record<string, TerraformBlock> {
  return synth.json.resource[type] ?? {};
}

/** One resource block, failing loudly when it is missing. */
export function resource(synth: SynthesizedStack, type: string, id: string): TerraformBlock {
  const block = resourcesOf(synth, type)[id];
  if (block === undefined)
    throw new Error(
      `no ${type}.${id} in the stack; it has: ${Object.keys(resourcesOf(synth, type)).join(', ') || 'none'}`,
    );
  return block;
}
