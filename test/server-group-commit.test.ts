/**
 * Group commit (ZooKeeper's SyncRequestProcessor): a server has at most one log flush in flight; txns logged while
 * it runs wait for the next flush, which covers all of them. Every write is still acknowledged, and only after a
 * flush that covers it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';

test('one log flush in flight per server; writes that queue meanwhile share the next one', async () => {
  const cl = new Cluster({ seed: 'group-commit', servers: 3, clients: 3, recordTrace: true });
  assert.ok(await cl.ready());
  const [a, b, c] = cl.clients;
  await cl.run(a!.create('/g', ''));
  // many writes at once from three sessions: proposals reach each server faster than its disk flushes
  const writes: Array<Promise<unknown>> = [];
  for (let i = 0; i < 30; i++) for (const [k, z] of [a, b, c].entries()) writes.push(z!.setData('/g', `${k}:${i}`, -1));
  await cl.run(Promise.all(writes));
  const inFlight = new Map<string, number>();
  const appends = new Map<string, number>();
  const flushes = new Map<string, number>();
  for (const e of cl.world.trace) {
    const node = e.node as string;
    if (e.kind === 'disk' && e.op === 'append') appends.set(node, (appends.get(node) ?? 0) + 1);
    if (e.kind === 'fsync' && e.tag === 's') {
      const n = (inFlight.get(node) ?? 0) + 1;
      assert.ok(n <= 1, `t=${e.t}: ${node} started a log flush while another was in flight`);
      inFlight.set(node, n);
      flushes.set(node, (flushes.get(node) ?? 0) + 1);
    }
    if (e.kind === 'synced' && e.tag === 's') inFlight.set(node, (inFlight.get(node) ?? 1) - 1);
  }
  // grouping happened: on every server fewer flushes than appended txns
  for (const s of cl.serverNames) assert.ok((flushes.get(s) ?? 0) < (appends.get(s) ?? 0), `${s}: ${flushes.get(s)} flushes for ${appends.get(s)} appends`);
  // and nothing was lost: the last value of each session is there, on every replica
  await cl.runFor(1000);
  const values = cl.serverNames.map((s) => new TextDecoder().decode(cl.server(s)!.tree!.dataOf('/g') ?? new Uint8Array()));
  assert.ok(values.every((v) => v === values[0]), `replicas agree: ${values.join(', ')}`);
});

test.run();
