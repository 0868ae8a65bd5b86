/**
 * The CDKTF app: `npm run synth` (and `cdktf deploy`, which runs this through cdktf.json's "app")
 * bundles the function into dist/function and writes the Terraform JSON of the Sluice stack to
 * cdktf.out/stacks/sluice/cdk.tf.json. Runs offline: no provider download, no cloud call.
 *
 * The configuration is config/sluice.yaml plus SLUICE_* overrides (SLUICE_CONFIG for another
 * file), exactly as the collector reads it.
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'cdktf';
import { bundleFunction } from '../build/bundle-function.ts';
import { loadConfig } from '../functions/adapters/config/load-config.ts';
import { messageOf } from '../functions/core/errors.ts';
import { readSchemaFiles } from './schema-files.ts';
import { SluiceStack } from './sluice-stack.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The stack's name: its folder under cdktf.out/stacks/ and the `cdktf deploy` argument. */
export const STACK_NAME = 'sluice';

export interface SynthOptions {
  /** Where the Terraform JSON goes; cdktf's CDKTF_OUTDIR when the CLI runs the app. */
  readonly outdir?: string;
  /** Where the function bundle goes. */
  readonly bundleDir?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Bundles the function and synthesizes the stack; returns the path of cdk.tf.json. */
export async function synthesize(options: SynthOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const config = loadConfig(env, ROOT);
  const { dir } = await bundleFunction(options.bundleDir);
  const outdir = options.outdir ?? env.CDKTF_OUTDIR ?? join(ROOT, 'cdktf.out');
  const app = new App({ outdir });
  new SluiceStack(app, STACK_NAME, {
    config,
    schemaFiles: readSchemaFiles(join(ROOT, 'schemas')),
    functionSourceDir: dir,
  });
  app.synth();
  return join(outdir, 'stacks', STACK_NAME, 'cdk.tf.json');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const file = await synthesize();
    console.log(`synthesized the Sluice stack into ${file}`);
  } catch (error) {
    console.error(messageOf(error));
    process.exitCode = 1;
  }
}
