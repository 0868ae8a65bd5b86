import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SLUICE_CONFIG_SCHEMA } from '../../functions/core/config/config-schema.ts';
import { MAX_RAW_BYTES_CEILING } from '../../functions/core/limits.ts';

test('MAX_RAW_BYTES_CEILING is the most limits.max_raw_bytes may be configured to', () => {
  const maxRawBytes = SLUICE_CONFIG_SCHEMA.properties?.limits?.properties?.max_raw_bytes;
  assert.equal(maxRawBytes?.maximum, MAX_RAW_BYTES_CEILING);
});
