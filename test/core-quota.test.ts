/**
 * Quota statistics (core/datatree.ts): 3.8.0 keeps /zookeeper/quota/<path>/zookeeper_stats counting the subtree of a
 * quota (a zookeeper_limits node) without enforcing it; the end-to-end answers are in the suite `quota` (golden files
 * recorded on 3.8.0). Here: the StatsTrack text codec, and that the bookkeeping survives a snapshot and a clone.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataTree, formatStatsTrack, parseStatsTrack } from '../core/datatree.js';
import { Db, bytes } from './core-harness.js';

const text = (d: Db, path: string): string => new TextDecoder().decode(d.tree.dataOf(path) ?? new Uint8Array(0));

test('StatsTrack text: count and bytes first, other keys sorted after "=" and ";", an empty value -1, unparsable null', () => {
  assert.is(formatStatsTrack(parseStatsTrack('count=4,bytes=5')!), 'count=4,bytes=5');
  assert.is(formatStatsTrack(parseStatsTrack('bytes=5;count=4')!), 'count=4,bytes=5');
  assert.is(formatStatsTrack(parseStatsTrack('count=-1,bytes=-1=;countHardLimit=3;byteHardLimit=-1')!), 'count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3');
  assert.is(formatStatsTrack(parseStatsTrack('count==5,bytes=2')!), 'count=-1,bytes=2', 'Java split: ["count", "", "5"]');
  assert.is(parseStatsTrack('count=,bytes=2'), null, 'Java split drops the trailing empty value: kv[1] throws');
  assert.is(formatStatsTrack(parseStatsTrack('')!), 'count=-1,bytes=-1');
  assert.is(parseStatsTrack('count'), null);
  assert.is(parseStatsTrack('count=x'), null);
});

test('stats follow creates, setData and deletes below the deepest quota; none without a limits node', () => {
  const d = new Db();
  d.create('/q', bytes('abc'));
  d.create('/zookeeper/quota/q');
  d.create('/zookeeper/quota/q/zookeeper_stats', bytes('count=0,bytes=0'));
  assert.is(text(d, '/zookeeper/quota/q/zookeeper_stats'), 'count=1,bytes=3', 'recounted when created');
  d.create('/q/a', bytes('xy'));
  assert.is(text(d, '/zookeeper/quota/q/zookeeper_stats'), 'count=1,bytes=3', 'no limits node: no quota');
  d.create('/zookeeper/quota/q/zookeeper_limits', bytes('count=1,bytes=-1'));
  const before = d.stat('/zookeeper/quota/q/zookeeper_stats');
  d.create('/q/b', bytes('hello'));
  d.set('/q/a', bytes('x'));
  d.del('/q/b');
  assert.is(text(d, '/zookeeper/quota/q/zookeeper_stats'), 'count=1,bytes=2');
  const after = d.stat('/zookeeper/quota/q/zookeeper_stats');
  assert.is(after.mzxid, before.mzxid, 'mzxid untouched');
  assert.is(after.version, before.version, 'version untouched');
  // survives a snapshot (the quota count is rebuilt from the nodes) and a clone
  const restored = DataTree.fromSnapshot(d.tree.snapshot());
  for (const t of [restored, d.tree.clone()]) {
    d.tree = t;
    d.create(`/q/c${d.zxid}`, bytes('1234'));
    assert.is(text(d, '/zookeeper/quota/q/zookeeper_stats'), 'count=2,bytes=6');
    d.del(`/q/c${d.zxid - 1}`);
  }
  d.del('/zookeeper/quota/q/zookeeper_limits');
  d.create('/q/d', bytes('zz'));
  assert.is(text(d, '/zookeeper/quota/q/zookeeper_stats'), 'count=1,bytes=2', 'limits deleted: no quota any more');
});

test.run();
