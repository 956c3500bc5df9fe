import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explore } from '../explore/engine.js';
import { DEFAULT_CONFIG } from '../explore/spec.js';

test('2 worker threads give exactly the results of a serial run', async () => {
  const base = { config: { ...DEFAULT_CONFIG, durationMs: 4000, recoveryMs: 8000 }, workload: 'mixed' as const };
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  const serial = await explore({ base, seeds, workers: 1 });
  const parallel = await explore({ base, seeds, workers: 2 });
  assert.equal(parallel.results, serial.results);
  assert.is(serial.results.length, seeds.length);
  assert.equal(serial.results.map((r) => r.seed), seeds);
});

test.run();
