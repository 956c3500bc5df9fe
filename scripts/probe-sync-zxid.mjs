// Reply-header zxids of sync (and of the read after it) when another session's write commits at about the same time,
// on the real 3.8.0 (a loopback ensemble started here, fidelity/realzk.ts) and on zksim, side by side; and the first
// replies of a new epoch after the leader stops. What the conformance transcripts cannot express (they settle before
// every step and have no leader crash); test/server-sync-zxid.test.ts pins zksim's answers found equal here.
// Run after `npx tsc -p .`: node scripts/probe-sync-zxid.mjs [rounds per combination, default 60]
import { RealEnsemble, srvr, realZooKeeperAvailable } from '../dist/fidelity/realzk.js';
import { RealTarget } from '../dist/fidelity/runner.js';
import { Cluster } from '../dist/sim/cluster.js';

const ROUNDS = Number(process.argv[2] ?? 60);
const hx = (z) => (z === null || z === undefined ? null : z.toString(16));
const kind = (W, S, R, M) =>
  `sync${S >= W ? '>=W' : S === W - 1 ? '=W-1' : '<W-1'} read${R >= W ? '>=W' : '<W'}${M === W ? '' : ' mzxid!=W'}${R < S ? ' READ<SYNC!' : ''}`;
// [writer's server, syncer's server] as roles: L leader, F0/F1 the followers
const COMBOS = [['F0', 'L'], ['L', 'F0'], ['F1', 'F0'], ['L', 'L'], ['F0', 'F0']];

async function real() {
  const ens = await RealEnsemble.start({ servers: 3 }); // the leader is index 2 (requireHighestLeader)
  const idx = { F0: 0, F1: 1, L: 2 };
  const C = (session, op, extra = {}) => ({ case: 'p', session, op, ...extra });
  try {
    const t = new RealTarget({ addresses: ens.connectStrings });
    for (const [wr, sr] of COMBOS) {
      await t.connect('w', idx[wr], 10000);
      await t.connect('s', idx[sr], 10000);
      const path = `/p${wr}${sr}`;
      await t.run('w', C('w', 'create', { path, data: '0' }));
      const stats = {};
      for (let i = 0; i < ROUNDS; i++) {
        await t.settle();
        const d = (i % 6) - 1; // the sync is sent d ms after the write (-1: just before it)
        const set = () => t.run('w', C('w', 'setData', { path, data: `x${i}` }));
        const wp = d < 0 ? null : set();
        if (d > 0) await new Promise((r) => setTimeout(r, d));
        const sp = t.run('s', C('s', 'sync', { path }));
        const [w, s] = await Promise.all([wp ?? set(), sp]);
        const r = await t.run('s', C('s', 'getData', { path }));
        const k = kind(w.zxid, s.zxid, r.zxid, r.result.stat.mzxid);
        stats[k] = (stats[k] ?? 0) + 1;
      }
      console.log(`real  w@${wr} s@${sr}`, JSON.stringify(stats));
      await t.close('w');
      await t.close('s');
    }
    // new epoch: a on server 0, b on server 1 (both followers), the leader (2) stops
    await t.connect('a', 0, 30000);
    await t.connect('b', 1, 30000);
    const c = await t.run('a', C('a', 'create', { path: '/e', data: '0' }));
    const u = await t.run('b', C('b', 'setData', { path: '/e', data: '1' }));
    await t.settle();
    process.kill(ens.servers[2].pid, 'SIGTERM');
    for (;;) {
      const m = await Promise.all([0, 1].map((i) => srvr(ens.servers[i].clientPort)));
      if (m.every((x) => x) && m.some((x) => x.mode === 'leader')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const line = [`real  epoch 1: create ${hx(c.zxid)} setData ${hx(u.zxid)};`];
    const modes = await Promise.all([0, 1].map(async (i) => (await srvr(ens.servers[i].clientPort)).mode));
    for (const [l, i] of [['a', 0], ['b', 1]]) {
      for (const op of ['sync', 'getData']) {
        let r;
        for (let k = 0; k < 20; k++) {
          r = await t.run(l, C(l, op, { path: '/e' }));
          if (r.result.ok) break;
          await new Promise((res) => setTimeout(res, 300));
        }
        line.push(`${op}@${modes[i]} ${hx(r.zxid)}`);
      }
    }
    const [lead, fol] = modes[0] === 'leader' ? ['a', 'b'] : ['b', 'a'];
    const [w, s] = await Promise.all([t.run(fol, C(fol, 'setData', { path: '/e', data: '2' })), t.run(lead, C(lead, 'sync', { path: '/e' }))]);
    const r = await t.run(lead, C(lead, 'getData', { path: '/e' }));
    line.push(`| write@follower ${hx(w.zxid)} with sync@leader ${hx(s.zxid)}, read@leader ${hx(r.zxid)}`);
    console.log(line.join(' '));
    await t.dispose();
  } finally {
    await ens.stop();
  }
}

async function sim() {
  const cl = new Cluster({ seed: 'probe-sync-zxid', servers: 3 });
  await cl.until(() => cl.leader() !== null && cl.serverNames.every((n) => cl.server(n)?.serving === true), 120000);
  const L = cl.leader();
  const [F0, F1] = [1, 2, 3].filter((x) => x !== L);
  const id = { L, F0, F1 };
  let n = 0;
  for (const [wr, sr] of COMBOS) {
    n++;
    const w = cl.client(`w${n}`, { servers: [`s${id[wr]}`] });
    const s = cl.client(`y${n}`, { servers: [`s${id[sr]}`] });
    await cl.ready(60000, [`w${n}`, `y${n}`]);
    const path = `/p${n}`;
    await cl.run(w.create(path, '0'));
    const stats = {};
    for (let i = 0; i < ROUNDS; i++) {
      await cl.runFor(50);
      const d = (i % 12) - 2; // the sync is sent d virtual ms after the write
      let W;
      let S;
      const doW = () => w.setData(path, `x${i}`).then((st) => (W = st.mzxid));
      const doS = () => s.sync(path).then(() => (S = s.lastZxid));
      const ps = [];
      if (d < 0) {
        ps.push(doS());
        await cl.runFor(-d);
        ps.push(doW());
      } else {
        ps.push(doW());
        if (d > 0) await cl.runFor(d);
        ps.push(doS());
      }
      await cl.run(Promise.all(ps));
      const r = await cl.run(s.getData(path));
      const k = kind(W, S, s.lastZxid, r.stat.mzxid);
      stats[k] = (stats[k] ?? 0) + 1;
    }
    console.log(`zksim w@${wr} s@${sr}`, JSON.stringify(stats));
  }
  // new epoch (test/server-sync-zxid.test.ts has the same with assertions)
  const c2 = new Cluster({ seed: 'probe-sync-zxid-epoch', servers: 3 });
  await c2.until(() => c2.leader() !== null && c2.serverNames.every((x) => c2.server(x)?.serving === true), 120000);
  const L2 = c2.leader();
  const [G0, G1] = [1, 2, 3].filter((x) => x !== L2);
  const a = c2.client('a', { servers: [`s${G0}`], timeoutMs: 30000 });
  const b = c2.client('b', { servers: [`s${G1}`], timeoutMs: 30000 });
  await c2.ready(60000, ['a', 'b']);
  await c2.run(a.create('/e', '0'));
  const cz = a.lastZxid;
  await c2.run(b.setData('/e', '1'));
  const uz = b.lastZxid;
  await c2.runFor(200);
  c2.world.crash(`s${L2}`);
  await c2.until(() => c2.leader() !== null && c2.leader() !== L2 && [G0, G1].every((g) => c2.server(g)?.serving === true), 120000);
  await c2.ready(60000, ['a', 'b']);
  const line = [`zksim epoch 1: create ${hx(cz)} setData ${hx(uz)};`];
  for (const [cli, g] of [[a, G0], [b, G1]]) {
    const mode = c2.leader() === g ? 'leader' : 'follower';
    await c2.run(cli.sync('/e'));
    line.push(`sync@${mode} ${hx(cli.lastZxid)}`);
    await c2.run(cli.getData('/e'));
    line.push(`getData@${mode} ${hx(cli.lastZxid)}`);
  }
  const [lead, fol] = c2.leader() === G0 ? [a, b] : [b, a];
  const [W2, S2] = await c2.run(Promise.all([fol.setData('/e', '2').then((st) => st.mzxid), lead.sync('/e').then(() => lead.lastZxid)]));
  await c2.run(lead.getData('/e'));
  line.push(`| write@follower ${hx(W2)} with sync@leader ${hx(S2)}, read@leader ${hx(lead.lastZxid)}`);
  console.log(line.join(' '));
}

if (realZooKeeperAvailable()) await real();
else console.log('real ZooKeeper not installed: zksim only');
await sim();
