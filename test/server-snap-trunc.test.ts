/**
 * A learner synced by SNAP while the leader's lastProcessedZxid is the new epoch's (epoch << 32, ZooKeeper's
 * startZkServer, before the epoch's first commit) holds a tree that ends at the leader's last committed txn, but its
 * NEWLEADER snapshot is named after the SNAP packet's zxid (0x300000000), as in ZooKeeper. A later TRUNC to that
 * txn (0x20000000b, the leader's maxCommittedLog while its first proposal of the epoch is uncommitted) removed the
 * snapshot as "newer than" 0x20000000b (ServerStorage.truncateAfter; ZooKeeper's truncateLog keeps snapshots), and
 * the learner reloaded an older snapshot and its own log, losing the whole previous epoch (seed 3103272, naming,
 * --recovery 8000: tree digest of s3 and s2 differ). The snapshot now records the last txn it holds
 * (lastTxnZxid), and a TRUNC keeps a snapshot that holds nothing above the truncation point.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSpec } from '../explore/runner.js';
import type { RunSpec } from '../explore/spec.js';
import { DataTree } from '../core/datatree.js';
import { ZkDb } from '../core/server/db.js';

test('seed 3103272 (naming, --recovery 8000): a SNAP-synced follower keeps the previous epoch across a TRUNC', async () => {
  const file = fileURLToPath(new URL('../../test/fixtures/ensemble-snap-trunc-3103272.json', import.meta.url));
  const repro = JSON.parse(readFileSync(file, 'utf8')) as { spec: RunSpec; traceHash: string };
  const r = await runSpec(repro.spec);
  assert.is(r.traceHash, repro.traceHash, 'the same run as recorded');
  for (const v of r.verdicts) {
    if (v.ok === false) assert.unreachable(`${v.property}: ${v.explanation}`);
  }
  const ensemble = r.verdicts.find((v) => v.property === 'ensemble');
  assert.ok(ensemble, 'ensemble checked');
  assert.is(ensemble!.ok, true);
});

test('after a TRUNC the learner\'s lastProcessedZxid is the TRUNC zxid (Learner.syncWithLeader), not its kept snapshot\'s name', async () => {
  const file = fileURLToPath(new URL('../../test/fixtures/ensemble-snap-trunc-3103272.json', import.meta.url));
  const repro = JSON.parse(readFileSync(file, 'utf8')) as { spec: RunSpec };
  const r = await runSpec(repro.spec, { recordTrace: true });
  const truncs = (r.trace ?? []).filter((e) => e.kind === 'learner' && e.event === 'trunc');
  assert.ok(truncs.length > 0, 'the run has a TRUNC');
  // s3 reloads the snapshot named 0x300000000 whose tree ends at 0x20000000b: before the fix it reported 0x300000000
  assert.ok(truncs.some((e) => e.node === 's3' && e.zxid === '0x20000000b'), 's3 is truncated to 0x20000000b');
  for (const e of truncs) assert.is(e.lastZxid, e.zxid, `${String(e.node)} at ${e.t} ms`);
});

test('ZkDb.lastTxnZxid: the last txn the tree holds, not a SNAP packet\'s new-epoch zxid', () => {
  const tree = new DataTree();
  tree.apply({ zxid: 0x20000000b, time: 1, sessionId: 1, cxid: 1, type: 'create', path: '/a', data: null, mode: 0, parentCversion: 1 } as never);
  const db = ZkDb.fromSnapshot(tree.snapshot(), 0x300000000);
  assert.is(db.lastProcessedZxid, 0x300000000);
  assert.is(db.lastTxnZxid, 0x20000000b);
});

test.run();
