import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCollector } from '../../functions/app/collector-handler.ts';
import { createProtocolAdapters } from '../../functions/app/protocol-adapters.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { MAX_CONCURRENT_REGISTRY_LOOKUPS, MAX_QUEUED_REGISTRY_LOOKUPS } from '../../functions/core/limits.ts';
import { BoundedRegistry } from '../../functions/core/registry/bounded-registry.ts';
import type { RegistryLookup, SchemaRegistry } from '../../functions/core/registry/schema-registry.ts';
import { createValidationEngine } from '../../functions/core/validation/validation-engine.ts';
import { serveCollector } from '../support/framework-server.ts';
import { RecordingSink } from '../support/recording-sink.ts';

/**
 * A flood of distinct made-up schema names, sent through the HTTP function as an attacker would:
 * each name costs at most one registry lookup, at most MAX_CONCURRENT_REGISTRY_LOOKUPS run at
 * once, repeats cost none, the cache stays within cache.max_entries, and every event is kept as an
 * invalid row. The registry is wired as create-validation.ts wires it (bounded), with a 5 ms
 * answer time, like a registry on the network.
 */
class CountingRegistry implements SchemaRegistry {
  readonly url = 'memory://empty';
  lookups = 0;
  running = 0;
  peak = 0;
  async lookup(): Promise<RegistryLookup> {
    this.lookups++;
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.running--;
    return { found: false };
  }
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const NAMES = 5000;
const PER_REQUEST = 100;
const PARALLEL = 10;

async function flood(maxEntries: number, rounds: number) {
  const counting = new CountingRegistry();
  const registry = new BoundedRegistry(counting, {
    maxConcurrent: MAX_CONCURRENT_REGISTRY_LOOKUPS,
    maxQueued: MAX_QUEUED_REGISTRY_LOOKUPS,
  });
  const config = resolveConfig({ document: { cache: { max_entries: maxEntries } }, source: 'test', env: {} });
  const validation = createValidationEngine({
    registry,
    // Longer than any run, however loaded the machine: what is remembered between the two rounds
    // must not depend on how long the first one took. (Expiry has its own tests, on a fake clock.)
    ttlMs: 3_600_000,
    negativeTtlMs: 3_600_000,
    errorTtlMs: 3_600_000,
    maxEntries,
    allErrors: false,
    maxErrors: 20,
  });
  const sink = new RecordingSink();
  const { base, close } = await serveCollector(
    createCollector({ config, validation, sink, adapters: createProtocolAdapters(config) }),
  );
  const lookupsAfterRound: number[] = [];
  const errorTypes = new Map<string, number>();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  try {
    for (let round = 0; round < rounds; round++) {
      const bodies = Array.from({ length: NAMES / PER_REQUEST }, (_, request) =>
        JSON.stringify(
          Array.from({ length: PER_REQUEST }, (_, i) => ({
            schema: `iglu:com.flood${request}/name${i}x${request}/jsonschema/1-0-0`,
            data: { n: i },
          })),
        ),
      );
      for (let start = 0; start < bodies.length; start += PARALLEL) {
        const statuses = await Promise.all(
          bodies.slice(start, start + PARALLEL).map((body) =>
            fetch(`${base}/self-describing`, {
              method: 'POST',
              body,
              headers: { 'content-type': 'application/json' },
            }).then((r) => r.status),
          ),
        );
        assert.deepEqual([...new Set(statuses)], [200]);
      }
      lookupsAfterRound.push(counting.lookups);
    }
    for (const row of sink.invalid) errorTypes.set(row.error_type, (errorTypes.get(row.error_type) ?? 0) + 1);
    sink.clear();
    gc();
    return {
      counting,
      registry,
      lookupsAfterRound,
      errorTypes,
      valid: sink.valid.length,
      cacheEntries: validation.cache.stats().entries,
      heapGrowthMiB: (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20,
    };
  } finally {
    await close();
  }
}

test('a flood of distinct unknown schema names: one lookup per name at most, bounded concurrency, repeats free, every event kept', {
  timeout: 120_000,
}, async () => {
  const result = await flood(10_000, 2);
  const [first = 0, second = 0] = result.lookupsAfterRound;
  assert.ok(first <= NAMES, `${first} lookups for ${NAMES} names`);
  assert.equal(second, first, 'the same names again cost no lookup (misses are remembered)');
  assert.ok(result.counting.peak <= MAX_CONCURRENT_REGISTRY_LOOKUPS, `peak ${result.counting.peak} concurrent lookups`);
  assert.equal(result.valid, 0);
  const kept = [...result.errorTypes.values()].reduce((sum, count) => sum + count, 0);
  assert.equal(kept, 2 * NAMES, 'every event of both rounds is an invalid row');
  assert.deepEqual(
    [...result.errorTypes.keys()].filter((type) => type !== 'schema_not_found' && type !== 'registry_unavailable'),
    [],
  );
  console.log(
    `# flood: ${NAMES} names x 2 rounds: ${first} registry lookups, peak ${result.counting.peak} at once, ${result.registry.stats().refused} refused as unavailable (queue full), rows ${JSON.stringify(Object.fromEntries(result.errorTypes))}`,
  );
});

test('the cache stays within cache.max_entries however many names arrive, and memory with it', {
  timeout: 120_000,
}, async () => {
  const result = await flood(500, 1);
  assert.ok(result.cacheEntries <= 500, `${result.cacheEntries} cache entries`);
  assert.ok(result.heapGrowthMiB < 64, `heap grew ${result.heapGrowthMiB.toFixed(1)} MiB`);
  console.log(
    `# flood with cache.max_entries 500: ${result.cacheEntries} entries after ${NAMES} names; heap growth after GC ${result.heapGrowthMiB.toFixed(1)} MiB`,
  );
});
