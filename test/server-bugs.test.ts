import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCluster } from './server-harness.js';
import type { TestCluster } from './server-harness.js';
import { CreateMode } from '../core/protocol.js';
import { SERVER_BUGS } from '../core/server/index.js';

async function elect(tc: TestCluster, limit = 30000): Promise<string> {
  const ok = await tc.until(() => tc.leader() !== null && tc.names.every((n) => !tc.world.isUp(n) || tc.server(n)!.serving), limit);
  assert.ok(ok, 'a leader was elected and everyone is serving');
  return tc.leader()!;
}

for (const bug of SERVER_BUGS) {
  test(`bug switch ${bug}: the ensemble still runs`, async () => {
    const tc = makeCluster({ servers: 3, seed: 41, bugs: [bug] });
    await elect(tc);
    const c = tc.client('c1', { servers: ['s1'] });
    await tc.run(c.create('/b', 'x'));
    for (let i = 0; i < 5; i++) await tc.run(c.setData('/b', `${i}`));
    const { stat } = await tc.run(c.getData('/b'));
    assert.is(stat.version, 5);
  });
}

test('commit-before-quorum: a write succeeds although both followers are down', async () => {
  const tc = makeCluster({ servers: 3, seed: 43, bugs: ['commit-before-quorum'] });
  const leader = await elect(tc);
  const c = tc.client('c1', { servers: [leader] });
  await tc.run(c.create('/q', 'x'));
  for (const n of tc.names) if (n !== leader) tc.world.crash(n);
  await tc.run(c.setData('/q', 'lost-later'));
});

test('keep-ephemerals-on-expiry: an expired session keeps its ephemeral', async () => {
  const tc = makeCluster({ servers: 1, seed: 45, bugs: ['keep-ephemerals-on-expiry'] });
  const a = tc.client('c1', { timeout: 4000 });
  await tc.run(a.create('/leak', null, CreateMode.EPHEMERAL));
  tc.world.net.partition([['c1'], ['s1']]);
  await tc.advance(10000);
  assert.ok(tc.server('s1')!.tree!.dataOf('/leak') !== undefined);
});

test('periodic snapshots (snapCount 10) and recovery from snapshot + log', async () => {
  const tc = makeCluster({ servers: 3, seed: 47, snapCount: 10 });
  await elect(tc);
  const c = tc.client('c1', { servers: ['s1', 's2', 's3'] });
  for (let i = 0; i < 40; i++) await tc.run(c.create(`/s${i}`, `${i}`));
  await tc.advance(100);
  for (const n of tc.names) assert.ok(tc.world.disk(n).files().filter((f: string) => f.startsWith('snapshot.')).length >= 3, `${n} has snapshots`);
  for (const n of tc.names) tc.world.crash(n);
  for (const n of tc.names) tc.world.restart(n);
  await elect(tc);
  for (const n of tc.names) {
    for (let i = 0; i < 40; i++) assert.ok(tc.server(n)!.tree!.dataOf(`/s${i}`) !== undefined, `${n} /s${i}`);
  }
});

test.run();
