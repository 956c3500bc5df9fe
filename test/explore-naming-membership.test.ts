/**
 * The naming workload's `membership` and `membership-view` judge the final audit by what ZooKeeper promised at the
 * zxid each read was served at (explore/workloads/naming.ts), not by the clients' state at the end of the run:
 * - an ephemeral of a session its client knows is gone, whose closeSession was not yet committed when the audit read
 *   it (a new leader elected late re-arms the session), is no violation (seed 1247458 with --recovery 8000: the
 *   leader expired the session, stepped down before its close committed, and the next one expired it again only
 *   after the audit);
 * - an ephemeral still there after its session's closeSession was committed, or after the leader that expired the
 *   session committed a later proposal, is one, even while the session's own client still believes it open.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExploreCluster } from '../explore/cluster.js';
import { NamingDriver } from '../explore/workloads/naming.js';
import { runSpec, specForSeed } from '../explore/runner.js';
import { DEFAULT_CONFIG, type ExploreConfig, type RunSpec } from '../explore/spec.js';
import type { Verdict } from '../explore/verdict.js';
import type { TraceEvent } from '../sim/trace.js';

const X = 0x200000000000; // c1's session (the worker)
const Y = 0x100000000000; // c2's session (the monitor)
const EPOCH = 2 ** 32;

/**
 * A naming driver over a cluster that never runs: c1 a worker (session X) that joined as /workers/w-0000000006 at
 * zxid 0x100000005, c2 the monitor (session Y, open). The test sets the rest: the trace, c1's client state, the audit
 * and the monitor's view, as the run would have left them.
 */
function harness(c1State: 'CLOSED' | 'CONNECTED'): { cluster: ExploreCluster; driver: NamingDriver; trace: (e: Partial<TraceEvent> & { t: number; kind: string }) => void } {
  const config: ExploreConfig = { ...DEFAULT_CONFIG, workload: 'naming', clients: 2 } as ExploreConfig;
  const cluster = new ExploreCluster(1, config, 2, { recordTrace: true, traceDetail: 'protocol' });
  const driver = new NamingDriver(cluster, { name: 'naming', keys: 0, clients: [[], []] });
  const h = cluster.history;
  for (const [slot, id] of [[0, X], [1, Y]] as const) {
    const client = cluster.sessions[slot]!.client as unknown as { _state: string; _sessionId: number };
    client._sessionId = id;
    client._state = slot === 0 ? c1State : 'CONNECTED';
    h.session(`c${slot + 1}`, 'connected', 100, { server: 's1', sessionId: id });
  }
  h.events.push({ kind: 'invoke', id: 1, process: 'c1', time: 1000, op: 'create', args: { path: '/workers/w-', data: 'c1', mode: 'EPHEMERAL_SEQUENTIAL' } });
  h.events.push({ kind: 'ok', id: 1, process: 'c1', time: 1010, result: { path: '/workers/w-0000000006' }, zxid: EPOCH + 5 });
  const d = driver as unknown as { members: Map<number, { path: string | null; maybe: string[]; session: string }> };
  d.members.set(0, { path: '/workers/w-0000000006', maybe: [], session: 'c1' });
  const trace = (e: Partial<TraceEvent> & { t: number; kind: string }): void => void cluster.world.trace.push(e as TraceEvent);
  return { cluster, driver, trace };
}

/** The audit (getChildren at `zxid`, then an exists per child at `zxid`) found w-0000000006 owned by X. */
function audit(driver: NamingDriver, zxid: number): void {
  const a = { listed: ['w-0000000006'], zxid, children: [{ name: 'w-0000000006', owner: X, zxid }], gone: new Map(), ok: true };
  (driver as unknown as { audit: unknown }).audit = a;
}

function view(driver: NamingDriver, children: string[], at: number, zxid: number): void {
  (driver as unknown as { view: unknown }).view = { children, at, zxid };
}

function verdict(vs: Verdict[], property: string): Verdict {
  const v = vs.find((x) => x.property === property);
  assert.ok(v, `no verdict ${property}`);
  return v!;
}

test('an expired session whose closeSession commits only after the audit keeps its member: no violation', () => {
  // s3 expires X at 19647 and steps down (20147) before proposing anything; s2, leader of epoch 2, commits X's close
  // at 24500 (zxid 0x200000002), after the audit read the node at zxid 0x200000001; c1 learned the expiry (CLOSED).
  const { driver, trace } = harness('CLOSED');
  trace({ t: 19647, kind: 'session', node: 's3', id: X, event: 'expire', timeout: 4000 });
  trace({ t: 20147, kind: 'state', node: 's3', role: 'LOOKING', epoch: 1, reason: 'leader silent' });
  trace({ t: 20182, kind: 'state', node: 's2', role: 'LEADING', epoch: 2, phase: 'broadcast' });
  trace({ t: 20190, kind: 'propose', node: 's2', zxid: 2 * EPOCH + 1, type: 'createSession', session: 0x300000000000, epoch: 2 });
  trace({ t: 20200, kind: 'apply', node: 's2', zxid: 2 * EPOCH + 1, type: 'createSession', session: 0x300000000000 });
  trace({ t: 24500, kind: 'session', node: 's2', id: X, event: 'expire', timeout: 4000 });
  trace({ t: 24500, kind: 'propose', node: 's2', zxid: 2 * EPOCH + 2, type: 'closeSession', session: X, epoch: 2 });
  trace({ t: 24510, kind: 'apply', node: 's2', zxid: 2 * EPOCH + 2, type: 'closeSession', session: X });
  audit(driver, 2 * EPOCH + 1);
  // the monitor saw the close's deletion (a later read than the audit's)
  view(driver, [], 24530, 2 * EPOCH + 2);
  const vs = driver.verdicts();
  assert.is(verdict(vs, 'membership').ok, true, verdict(vs, 'membership').explanation);
  assert.is(verdict(vs, 'membership-view').ok, true, verdict(vs, 'membership-view').explanation);
  // a view read at the audit's zxid still has to equal the listing
  view(driver, [], 24040, 2 * EPOCH + 1);
  assert.is(verdict(driver.verdicts(), 'membership-view').ok, false);
});

type Trace = ReturnType<typeof harness>['trace'];

/**
 * `leader` expires X at 9000, then proposes a txn (`type`, of `session`) at `zxid` that some server applies unless
 * `uncommitted`; with `stepDown` it loses its role in between.
 */
function expireThenPropose(trace: Trace, type: string, session: number, zxid: number, opts: { uncommitted?: boolean; stepDown?: boolean } = {}): void {
  trace({ t: 9000, kind: 'session', node: 's1', id: X, event: 'expire', timeout: 4000 });
  if (opts.stepDown) trace({ t: 9001, kind: 'state', node: 's1', role: 'LOOKING', epoch: 1, reason: 'lost quorum' });
  trace({ t: 9002, kind: 'propose', node: 's1', zxid, type, session, epoch: Math.floor(zxid / EPOCH) });
  if (!opts.uncommitted) trace({ t: 9010, kind: 'apply', node: 's2', zxid, type, session });
}

test('a member whose session\'s closeSession was committed before the audit read it is a violation, even if its client thinks it open', () => {
  const { driver, trace } = harness('CONNECTED');
  expireThenPropose(trace, 'closeSession', X, EPOCH + 7);
  audit(driver, EPOCH + 8);
  view(driver, ['w-0000000006'], 20000, EPOCH + 8);
  const m = verdict(driver.verdicts(), 'membership');
  assert.is(m.ok, false);
  assert.match(m.explanation, /w-0000000006 is owned by session 0x200000000000, whose closeSession was committed at zxid 0x100000007/);
});

test('a member of a session its leader expired before a later committed proposal is a violation (no close ever committed)', () => {
  // the leader forgets the expired session (as the zoo bug keep-ephemerals-on-expiry does) and goes on proposing
  const { driver, trace } = harness('CONNECTED');
  expireThenPropose(trace, 'create', Y, EPOCH + 7);
  audit(driver, EPOCH + 8);
  const m = verdict(driver.verdicts(), 'membership');
  assert.is(m.ok, false);
  assert.match(m.explanation, /expired before proposing zxid 0x100000007/);
  // not when that proposal was not committed, nor when the leader lost its role in between (another tenure's
  // proposal vouches for nothing), nor when the audit read the node before it
  for (const [opts, read] of [[{ uncommitted: true }, EPOCH + 8], [{ stepDown: true }, EPOCH + 8], [{}, EPOCH + 6]] as const) {
    const b = harness('CONNECTED');
    expireThenPropose(b.trace, 'create', Y, EPOCH + 7, opts);
    audit(b.driver, read);
    assert.is(verdict(b.driver.verdicts(), 'membership').ok, true, JSON.stringify(opts));
  }
});

test('seed 1247458 (naming, --recovery 8000): the late new leader\'s expiry is no membership violation', async () => {
  const file = fileURLToPath(new URL('../../test/fixtures/naming-late-close-1247458.json', import.meta.url));
  const repro = JSON.parse(readFileSync(file, 'utf8')) as { spec: RunSpec; traceHash: string };
  const r = await runSpec(repro.spec);
  assert.is(r.traceHash, repro.traceHash);
  for (const p of ['membership', 'membership-view']) {
    const v = verdict(r.verdicts, p);
    assert.is(v.ok, true, `${p}: ${v.explanation}`);
  }
});

test('seed 2827 (naming, --servers 1, shrunk): a standalone server that crashed before its closeSession was durable reuses that zxid for another txn; the session lives on (restored from the log), and its members are no violation', async () => {
  const file = fileURLToPath(new URL('../../test/fixtures/naming-standalone-zxid-reuse-2827.json', import.meta.url));
  const repro = JSON.parse(readFileSync(file, 'utf8')) as { spec: RunSpec; traceHash: string };
  const r = await runSpec(repro.spec, { recordTrace: true });
  assert.is(r.traceHash, repro.traceHash);
  // the story: closeSession of 0x100000000001 proposed as 0x5, a crash before it was synced, then 0x5 is a create
  const zxid5 = (r.trace ?? []).filter((e) => e.kind === 'apply' && e.zxid === 5).map((e) => e.type);
  assert.equal(zxid5, ['create']);
  assert.ok((r.trace ?? []).some((e) => e.kind === 'propose' && e.zxid === 5 && e.type === 'closeSession'), 'the lost closeSession was proposed as 0x5');
  const v = verdict(r.verdicts, 'membership');
  assert.is(v.ok, true, v.explanation);
});

test('keep-ephemerals-on-expiry seed 76: a member of a forgotten expired session is caught though its client never learned', async () => {
  const config: ExploreConfig = { ...DEFAULT_CONFIG, workload: 'naming', bugs: ['keep-ephemerals-on-expiry'], faults: ['pause-client', 'partition'], servers: 3 } as ExploreConfig;
  const r = await runSpec(specForSeed(76, config));
  const m = verdict(r.verdicts, 'membership');
  assert.is(m.ok, false, m.explanation);
  const clean = await runSpec(specForSeed(76, { ...config, bugs: [] }));
  assert.is(verdict(clean.verdicts, 'membership').ok, true);
});

test.run();
