import { basename, resolve } from 'node:path';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import { AssetType, TerraformAsset } from 'cdktf';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import { envNameFor } from '../../functions/core/config/env-overrides.ts';
import type { StackNames } from '../names.ts';
import type { SchemaFile } from '../schema-files.ts';
import { terraformLiteral } from '../terraform-literal.ts';
import type { Needs } from './apis.ts';

/** Folder of the schema bucket that holds the uploaded MaxMind databases (not an Iglu path). */
export const ENRICHMENT_DATABASE_PREFIX = 'enrichments';

export interface SchemaRegistry {
  readonly bucket: StorageBucket;
  /** SLUICE_ENRICHMENTS_*_DATABASE for each uploaded database: its gs:// URL. */
  readonly databaseEnvironment: Readonly<Record<string, string>>;
  /** The uploaded databases, for the function to depend on. */
  readonly databaseObjects: readonly StorageBucketObject[];
}

/**
 * The schema bucket, with every file under schemas/ at its Iglu path, and each MaxMind database
 * the config names by file:// uploaded next to the schemas, where the function reads it.
 */
export function schemaRegistry(
  scope: Construct,
  options: {
    readonly config: SluiceConfig;
    readonly names: StackNames;
    readonly schemaFiles: readonly SchemaFile[];
    /** What file:// database paths are relative to; the working directory when absent. */
    readonly workingDir: string | undefined;
    readonly needs: Needs;
  },
): SchemaRegistry {
  const { config, names, needs } = options;
  const bucket = new StorageBucket(scope, 'bucket_schemas', {
    name: names.schemaBucket,
    location: config.region,
    uniformBucketLevelAccess: true,
    publicAccessPrevention: 'enforced',
    versioning: { enabled: true },
    // The bucket holds copies of schemas/ from the repository: destroy may empty it.
    forceDestroy: true,
    dependsOn: needs('storage.googleapis.com'),
  });
  for (const file of options.schemaFiles) {
    // The content is inlined (schemas are small), so cdk.tf.json is self-contained and a
    // changed file shows up in the plan as a changed object.
    new StorageBucketObject(scope, `schema_${file.path.replace(/[^A-Za-z0-9]/g, '_')}`, {
      bucket: bucket.name,
      name: file.path,
      content: terraformLiteral(file.text),
      contentType: 'application/json',
    });
  }

  const databaseEnvironment: Record<string, string> = {};
  const databaseObjects: StorageBucketObject[] = [];
  for (const kind of ['geo', 'asn'] as const) {
    const url = config.enrichments[kind].database;
    if (!url.startsWith('file://')) continue;
    const file = resolve(options.workingDir ?? process.cwd(), url.slice('file://'.length));
    const name = `${ENRICHMENT_DATABASE_PREFIX}/${kind}/${basename(file)}`;
    databaseObjects.push(
      new StorageBucketObject(scope, `enrichment_${kind}_database`, {
        bucket: bucket.name,
        name,
        // Read by Terraform at plan time (its MD5 shows a changed database in the plan); too
        // big to inline like the schemas.
        source: file,
        contentType: 'application/octet-stream',
      }),
    );
    databaseEnvironment[envNameFor(['enrichments', kind, 'database'])] = `gs://${bucket.name}/${name}`;
  }
  return { bucket, databaseEnvironment, databaseObjects };
}

export interface FunctionSource {
  readonly bucket: StorageBucket;
  /** The zipped bundle, named by its content hash. */
  readonly object: StorageBucketObject;
}

/** The source bucket and the bundled function (`functionSourceDir`) zipped into it. */
export function functionSource(
  scope: Construct,
  options: {
    readonly names: StackNames;
    readonly region: string;
    readonly functionSourceDir: string;
    readonly needs: Needs;
  },
): FunctionSource {
  const bucket = new StorageBucket(scope, 'bucket_source', {
    name: options.names.sourceBucket,
    location: options.region,
    uniformBucketLevelAccess: true,
    publicAccessPrevention: 'enforced',
    forceDestroy: true,
    dependsOn: options.needs('storage.googleapis.com'),
  });
  const asset = new TerraformAsset(scope, 'function_source', {
    path: options.functionSourceDir,
    type: AssetType.ARCHIVE,
  });
  // Named by content hash: a changed bundle is a new object, which makes Terraform rebuild the function.
  const object = new StorageBucketObject(scope, 'function_source_object', {
    bucket: bucket.name,
    name: `collector-${asset.assetHash}.zip`,
    source: asset.path,
  });
  return { bucket, object };
}
