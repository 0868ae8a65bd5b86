import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import { BoundedRegistry } from '../../../functions/core/registry/bounded-registry.ts';
import {
  type RegistryLookup,
  RegistryUnavailableError,
  type SchemaRegistry,
} from '../../../functions/core/registry/schema-registry.ts';

/** A registry whose lookups wait until released, counting how many run at once. */
class SlowRegistry implements SchemaRegistry {
  readonly url = 'memory://slow';
  running = 0;
  peak = 0;
  calls = 0;
  readonly #pending: Array<() => void> = [];
  async lookup(): Promise<RegistryLookup> {
    this.calls++;
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    await new Promise<void>((resolve) => this.#pending.push(resolve));
    this.running--;
    return { found: false };
  }
  releaseAll(): void {
    for (const resolve of this.#pending.splice(0)) resolve();
  }
}

const key = (n: number) => parseSchemaKey(`iglu:com.flood/name${n}/jsonschema/1-0-0`);
const tick = () => new Promise((resolve) => setImmediate(resolve));

test('at most maxConcurrent lookups run, maxQueued wait, and the rest fail at once as unavailable', async () => {
  const inner = new SlowRegistry();
  const bounded = new BoundedRegistry(inner, { maxConcurrent: 3, maxQueued: 4 });
  const results = Array.from({ length: 10 }, (_, n) =>
    bounded.lookup(key(n)).then(
      (lookup) => lookup,
      (error: unknown) => error,
    ),
  );
  await tick();
  assert.equal(inner.running, 3);
  assert.deepEqual(
    { ...bounded.stats(), peakRunning: 0 },
    { running: 3, queued: 4, peakRunning: 0, peakQueued: 4, refused: 3 },
  );
  while (inner.calls < 7 || inner.running > 0) {
    inner.releaseAll();
    await tick();
  }
  const settled = await Promise.all(results);
  assert.equal(settled.filter((result) => result instanceof RegistryUnavailableError).length, 3);
  assert.equal(settled.filter((result) => !(result instanceof Error)).length, 7);
  assert.match(
    String((settled.find((result) => result instanceof Error) as Error).message),
    /was not looked up \(its event is kept for replay\)/,
  );
  assert.equal(inner.peak, 3);
  assert.deepEqual({ running: bounded.stats().running, queued: bounded.stats().queued }, { running: 0, queued: 0 });
});

test('options are checked when it is made', () => {
  assert.throws(
    () => new BoundedRegistry(new SlowRegistry(), { maxConcurrent: 0, maxQueued: 1 }),
    /maxConcurrent must be a whole number >= 1, got 0/,
  );
  assert.throws(
    () => new BoundedRegistry(new SlowRegistry(), { maxConcurrent: 1, maxQueued: -1 }),
    /maxQueued must be a whole number >= 0, got -1/,
  );
});
