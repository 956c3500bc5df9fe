import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runOnce } from '../sim/run.js';
import { Cluster } from '../sim/cluster.js';
import { checkDeterminism } from '../cli/determinism.js';
import { firstDivergence, readSavedTrace, TRACE_FORMAT_VERSION } from '../sim/trace.js';

const cfg = (seed: number | string) => ({ seed, mode: 'demo' as const, durationMs: 3000 });

test('same seed, same trace hash; different seeds, different hashes', () => {
  const a = runOnce(cfg(11));
  const b = runOnce(cfg(11));
  assert.is(a.traceHash, b.traceHash);
  assert.is(a.events, b.events);
  const hashes = new Set([11, 12, 13, 'eleven'].map((s) => runOnce(cfg(s)).traceHash));
  assert.is(hashes.size, 4);
});

test('recording the trace does not change the hash', () => {
  assert.is(runOnce({ ...cfg(5), recordTrace: true }).traceHash, runOnce(cfg(5)).traceHash);
});

test('recording the trace does not change the hash of a ZooKeeper ensemble run (disk, timers, role traces)', async () => {
  const run = async (recordTrace: boolean, traceDetail: 'all' | 'protocol' = 'all'): Promise<[string, number, Set<string>]> => {
    const cl = new Cluster({ seed: 'record-eq', servers: 3, clients: 2, recordTrace, traceDetail });
    assert.ok(await cl.ready());
    const [a, b] = cl.clients;
    await cl.run(a!.create('/x', 'v0'));
    for (let i = 1; i <= 20; i++) await cl.run(Promise.all([a!.setData('/x', `v${i}`), b!.getData('/x')]));
    cl.world.crash('s1', { tornTail: true });
    await cl.runFor(3000);
    cl.world.restart('s1');
    await cl.runFor(5000);
    return [cl.world.traceHash, cl.world.trace.length, new Set(cl.world.trace.map((e) => e.kind))];
  };
  const [plain, none] = await run(false);
  const [recorded, n, allKinds] = await run(true);
  const [protocol, m, protocolKinds] = await run(true, 'protocol');
  assert.is(none, 0);
  assert.ok(n > 500, `recorded ${n} events`);
  assert.is(recorded, plain);
  // traceDetail 'protocol' keeps what roles and the world note, drops the network, timer and disk events
  assert.is(protocol, plain);
  assert.ok(m > 50 && m < n / 3, `protocol trace: ${m} of ${n} events`);
  for (const k of ['send', 'recv', 'timer', 'disk', 'fsync', 'synced']) {
    assert.ok(allKinds.has(k), `full trace has ${k}`);
    assert.not.ok(protocolKinds.has(k), `protocol trace has no ${k}`);
  }
  for (const k of ['apply', 'commit', 'propose', 'crash', 'restart', 'state']) assert.ok(protocolKinds.has(k), `protocol trace keeps ${k}`);
});

test('a worker thread gives the same hash as the main thread', async () => {
  const r = await checkDeterminism(cfg(21));
  assert.ok(r.same, JSON.stringify(r));
  assert.is(r.hashes[0], runOnce(cfg(21)).traceHash);
});

test('firstDivergence names the first differing event', () => {
  const a = [{ t: 1, kind: 'x' }, { t: 2, kind: 'y' }];
  assert.is(firstDivergence(a, a), -1);
  assert.is(firstDivergence(a, [{ t: 1, kind: 'x' }, { t: 2, kind: 'z' }]), 1);
  assert.is(firstDivergence(a, a.slice(0, 1)), 1);
});

test('saved traces carry a version; other versions are refused clearly', () => {
  const ok = { format: 'zksim-trace', version: TRACE_FORMAT_VERSION, traceHash: 'x', events: [] };
  assert.is(readSavedTrace(ok).version, TRACE_FORMAT_VERSION);
  assert.throws(() => readSavedTrace({ ...ok, version: 999 }), /version 999 is not supported/);
  assert.throws(() => readSavedTrace({}), /not a zksim trace/);
});

test('core/ and sim/ never reach for a real clock, timer or random source', () => {
  const banned = /\b(Math\.random|Date\.now|performance\.now|setTimeout|setInterval|setImmediate|process\.hrtime)\b/;
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        readFileSync(p, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const code = line.replace(/\/\/.*$/, '');
            if (!/^\s*\*/.test(line) && banned.test(code)) offenders.push(`${p}:${i + 1}: ${line.trim()}`);
          });
      }
    }
  };
  walk('core');
  walk('sim');
  assert.equal(offenders, []);
});

test.run();
