import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A schema that no registry has until a test "publishes" it: the replay tests' missing schema. */
export const SIGNUP = 'iglu:com.acme/signup/jsonschema/1-0-0';

export const SIGNUP_SCHEMA = {
  $schema: 'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#',
  self: { vendor: 'com.acme', name: 'signup', format: 'jsonschema', version: '1-0-0' },
  type: 'object',
  properties: { email: { type: 'string', maxLength: 100 }, plan: { type: 'string', enum: ['free', 'pro'] } },
  required: ['email'],
  additionalProperties: false,
};

/** Writes the signup schema into a file registry root, as fixing a schema file would. */
export async function publishSignupSchema(registryDir: string): Promise<void> {
  const dir = join(registryDir, 'com.acme', 'signup', 'jsonschema');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, '1-0-0'), JSON.stringify(SIGNUP_SCHEMA, null, 2));
}
