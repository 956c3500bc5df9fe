import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConnId, Port, ProcessEvent, Role } from '../core/port.js';
import { World, LivelockError } from '../sim/world.js';
import { EventQueue } from '../sim/queue.js';
import seedrandom from 'seedrandom';
import { RandomStreams, Rng, parseSeed, seedProblem } from '../sim/random.js';

/** A role that records what it receives and exposes its port to the test. */
class Probe implements Role<unknown> {
  port!: Port<unknown>;
  events: Array<ProcessEvent<unknown> & { at: number }> = [];
  constructor(private readonly onStart: (p: Port<unknown>) => void = () => {}) {}
  start(port: Port<unknown>): void {
    this.port = port;
    this.onStart(port);
  }
  handle(ev: ProcessEvent<unknown>): void {
    this.events.push({ ...ev, at: this.port.now() });
  }
  messages(): unknown[] {
    return this.events.filter((e) => e.kind === 'message').map((e) => (e as { msg: unknown }).msg);
  }
  conn(kind: 'connected' | 'accepted'): ConnId {
    const e = this.events.find((x) => x.kind === kind) as { conn: ConnId } | undefined;
    if (!e) throw new Error(`no ${kind} event`);
    return e.conn;
  }
}

function pair(seed = 1, latency = { min: 1, max: 50 }): { world: World; a: Probe; b: Probe } {
  const world = new World({ seed, latency });
  const a = new Probe((p) => p.connect('b'));
  const b = new Probe();
  world.addProcess('a', () => a);
  world.addProcess('b', () => b);
  world.runUntil(200);
  return { world, a, b };
}

test('queue: earliest first, ties in insertion order, cancelled events skipped', () => {
  const q = new EventQueue<{ time: number; cancelled: boolean; name: string }>();
  const mk = (time: number, name: string) => q.push({ time, cancelled: false, name });
  mk(5, 'a');
  mk(1, 'b');
  mk(5, 'c');
  const d = mk(3, 'd');
  mk(1, 'e');
  d.cancelled = true;
  const order: string[] = [];
  for (let e = q.pop(); e; e = q.pop()) order.push(e.name);
  assert.equal(order, ['b', 'e', 'a', 'c']);
});

test('random: named streams are independent of each other and of creation order', () => {
  const r1 = new RandomStreams(42);
  const a1 = [r1.stream('a').next(), r1.stream('a').next()];
  const r2 = new RandomStreams(42);
  r2.stream('new-consumer').next();
  r2.stream('b').next();
  const a2 = [r2.stream('a').next(), r2.stream('a').next()];
  assert.equal(a1, a2);
  assert.not.equal(new RandomStreams(43).stream('a').next(), a1[0]);
  assert.not.equal(new RandomStreams('42').stream('a').next(), a1[0], 'seed 42 and "42" differ');
});

test('random: a stream draws exactly what seedrandom\'s alea draws for its key (Rng runs the recurrence itself)', () => {
  // Rng takes alea's seeded state from seedrandom and runs the draws on its own: every saved seed's run depends on
  // the draws being seedrandom's, bit for bit.
  for (const key of ['zksim|number:1|net', 'zksim|string:x|disk:s1', '']) {
    const reference = seedrandom.alea(key);
    const ours = new Rng('test', key);
    for (let i = 0; i < 100_000; i++) {
      const want = reference();
      const got = ours.next();
      if (got !== want) assert.unreachable(`key ${JSON.stringify(key)}, draw ${i}: ${got} !== ${want}`);
    }
  }
  const r = new RandomStreams(7).stream('net');
  const again = new RandomStreams(7).stream('net');
  assert.equal([r.int(0, 10), r.latency(1, 20), r.uniform(2, 3)], [again.int(0, 10), again.latency(1, 20), again.uniform(2, 3)]);
});

test('random: seeds are integers or non-empty strings', () => {
  assert.is(parseSeed('17'), 17);
  assert.is(parseSeed('abc'), 'abc');
  assert.is(seedProblem(''), 'seed must not be empty');
  assert.ok(seedProblem(1.5));
  assert.is(seedProblem(3), null);
  assert.throws(() => new World({ seed: '' }));
});

test('network: FIFO per connection under random latency', () => {
  const { world, a, b } = pair(3, { min: 0, max: 100 });
  const c = a.conn('connected');
  for (let i = 0; i < 500; i++) world.schedule(Math.floor(i / 7), 'send', () => a.port.send(c, i));
  world.runUntil(10_000);
  assert.equal(b.messages(), Array.from({ length: 500 }, (_, i) => i));
  // And the latencies really varied (otherwise FIFO would be trivial).
  const times = new Set(b.events.filter((e) => e.kind === 'message').map((e) => e.at));
  assert.ok(times.size > 10, `arrival times varied: ${times.size}`);
});

test('network: a partition cuts exactly the links between the named groups', () => {
  const world = new World({ seed: 5 });
  const names = ['n1', 'n2', 'n3', 'n4', 'x'];
  const probes = new Map<string, Probe>();
  for (const n of names) {
    const others = names.filter((o) => o > n);
    const p = new Probe((port) => others.forEach((o) => port.connect(o)));
    probes.set(n, p);
    world.addProcess(n, () => p);
  }
  world.runUntil(100);
  world.net.partition([['n1', 'n2'], ['n3', 'n4']]);
  for (const from of names)
    for (const to of names) {
      if (from === to) continue;
      const crosses = ['n1', 'n2'].includes(from) !== ['n1', 'n2'].includes(to) && from !== 'x' && to !== 'x';
      assert.is(world.net.isCut(from, to), crosses, `${from}->${to}`);
    }
  // Every process sends its name to everyone; only the uncut links deliver.
  for (const [name, p] of probes) for (const e of p.events) if (e.kind === 'connected' || e.kind === 'accepted') p.port.send(e.conn, name);
  world.runUntil(1000);
  const got = (n: string) => probes.get(n)!.messages().slice().sort();
  assert.equal(got('n1'), ['n2', 'x']);
  assert.equal(got('n3'), ['n4', 'x']);
  assert.equal(got('x'), ['n1', 'n2', 'n3', 'n4']);
  world.net.heal();
  assert.is(world.net.isCut('n1', 'n3'), false);
});

/** Virtual times at which `p` received each message, in order. */
function arrivals(p: Probe): Array<[unknown, number]> {
  return p.events.filter((e) => e.kind === 'message').map((e) => [(e as { msg: unknown }).msg, e.at]);
}

test('network: a one-way cut loses one direction only; TCP retransmits what it lost once the link heals', () => {
  const { world, a, b } = pair(1, { min: 1, max: 1 });
  const ca = a.conn('connected');
  const cb = b.conn('accepted');
  world.net.cutOneWay('a', 'b');
  const t0 = world.now;
  a.port.send(ca, 'lost');
  b.port.send(cb, 'arrives');
  world.runUntil(t0 + 1000);
  assert.equal(b.messages(), [], 'nothing crosses the cut');
  assert.equal(a.messages(), ['arrives'], 'the other direction flows');
  world.net.heal();
  a.port.send(ca, 'after-heal');
  world.runUntil(t0 + 5000);
  // retransmissions at t0 + 200, 600, 1400 (200 ms doubling): the first after the heal gets through, 1 ms later;
  // 'after-heal' reached b's kernel first and waited behind the gap
  assert.equal(arrivals(b), [['lost', t0 + 1401], ['after-heal', t0 + 1401]]);
  assert.ok(!b.events.some((e) => e.kind === 'closed') && !a.events.some((e) => e.kind === 'closed'), 'nobody learns of the cut');
});

test('network: a message lost in flight is handed over before later ones that arrived first (reorder buffer)', () => {
  const { world, a, b } = pair(3, { min: 10, max: 10 });
  const ca = a.conn('connected');
  const t0 = world.now;
  a.port.send(ca, 1); // arrives at t0 + 10, after the cut below: lost in flight
  world.runUntil(t0 + 5);
  world.net.cutOneWay('a', 'b');
  world.runUntil(t0 + 11);
  world.net.heal();
  a.port.send(ca, 2); // arrives at t0 + 21, before 1's retransmission (sent at t0 + 210)
  a.port.send(ca, 3);
  world.runUntil(t0 + 1000);
  assert.equal(arrivals(b), [[1, t0 + 220], [2, t0 + 220], [3, t0 + 220]]);
});

test('network: a connect across a cut retries its SYN at 1, 3, 7 s and connects after the heal', () => {
  const world = new World({ seed: 4, latency: { min: 1, max: 1 } });
  const a = new Probe();
  const b = new Probe();
  world.addProcess('a', () => a);
  world.addProcess('b', () => b);
  world.runUntil(10);
  world.net.cutOneWay('a', 'b');
  a.port.connect('b');
  world.runUntil(4000);
  assert.equal(a.events.length + b.events.length, 0, 'nothing yet: the SYNs at 10 + 1000 and 10 + 3000 were lost');
  world.net.heal();
  world.runUntil(10_000);
  assert.equal(b.events.map((e) => [e.kind, e.at]), [['accepted', 7011]]);
  assert.equal(a.events.map((e) => [e.kind, e.at]), [['connected', 7012]]);
});

test('network: a SYN-ACK lost to a one-way cut is sent again from 1 s; the acceptor drops the connection after 5 tries (63 s)', () => {
  const world = new World({ seed: 10, latency: { min: 1, max: 1 } });
  const a = new Probe();
  const b = new Probe();
  const c = new Probe();
  world.addProcess('a', () => a);
  world.addProcess('b', () => b);
  world.addProcess('c', () => c);
  world.runUntil(10);
  world.net.cutOneWay('b', 'a');
  world.net.cutOneWay('b', 'c');
  a.port.connect('b');
  c.port.connect('b');
  world.runUntil(5000);
  world.net.heal();
  world.net.cutOneWay('b', 'c'); // b -> c stays cut
  world.runUntil(100_000);
  // b accepted both at 11; the SYN-ACKs, lost, are sent again at 1011, 3011, 7011 (towards a: through, after the heal)
  assert.equal(a.events.map((e) => [e.kind, e.at]), [['connected', 7012]]);
  // towards c they never get through: at 11 + 1 + 2 + 4 + 8 + 16 + 32 s, b gives the connection up
  assert.equal(b.events.map((e) => [e.kind, e.at]), [['accepted', 11], ['accepted', 11], ['closed', 63_011]]);
  assert.equal(c.events, []);
});

test('network: a sender gives up after 15 retransmissions (924.6 s), a connect after 6 SYN retries (127 s)', () => {
  const { world, a, b } = pair(5, { min: 1, max: 1 });
  const ca = a.conn('connected');
  world.net.partition([['a'], ['b']]);
  const t0 = world.now;
  a.port.send(ca, 'never');
  a.port.connect('b');
  world.runUntil(t0 + 2_000_000);
  const closes = a.events.filter((e) => e.kind === 'closed').map((e) => e.at - t0);
  assert.equal(closes, [127_000, 924_600]);
  assert.equal(b.messages(), []);
  assert.ok(!b.events.some((e) => e.kind === 'closed'), 'the receiver behind the cut learns nothing');
});

test('network: a FIN lost to a cut is retransmitted too: the peer learns of the close after the heal', () => {
  const { world, a, b } = pair(6, { min: 1, max: 1 });
  const ca = a.conn('connected');
  world.net.partition([['a'], ['b']]);
  const t0 = world.now;
  a.port.send(ca, 'last words');
  a.port.close(ca);
  world.runUntil(t0 + 300);
  world.net.heal();
  world.runUntil(t0 + 2000);
  assert.equal(b.events.filter((e) => e.kind === 'message' || e.kind === 'closed').map((e) => [e.kind, e.at - t0]), [['message', 601], ['closed', 601]]);
});

test('network: a message that reached a paused receiver is delivered at resume, even if the link was cut since', () => {
  const { world, a, b } = pair(7, { min: 1, max: 1 });
  const ca = a.conn('connected');
  world.pause('b');
  a.port.send(ca, 'buffered');
  world.runUntil(world.now + 10);
  world.net.cutOneWay('a', 'b');
  world.resume('b');
  world.runUntil(world.now + 1);
  assert.equal(b.messages(), ['buffered']);
});

test('network: connect to a crashed process is refused; a crash closes the peers\' connections', () => {
  const world = new World({ seed: 2 });
  const a = new Probe((p) => p.connect('b'));
  const b = new Probe();
  world.addProcess('a', () => a);
  world.addProcess('b', () => b);
  world.runUntil(100);
  world.crash('b');
  world.runUntil(200);
  assert.ok(a.events.some((e) => e.kind === 'closed'), 'peer learns of the crash');
  const before = a.events.length;
  a.port.connect('b');
  world.runUntil(300);
  assert.is(a.events.length, before + 1);
  assert.is(a.events.at(-1)!.kind, 'closed');
});

test('network: a host that loses power sends no FIN; its SYNs go unanswered until it is back, old connections get a reset', () => {
  const { world, a, b } = pair(8, { min: 1, max: 1 });
  const ca = a.conn('connected');
  const t0 = world.now;
  world.crash('b', { hostDown: true });
  a.port.send(ca, 'into the void');
  const c2 = a.port.connect('b');
  world.runUntil(t0 + 5000);
  assert.ok(!a.events.some((e) => e.kind === 'closed'), 'no FIN, no refusal: silence');
  let b2!: Probe;
  world.proc('b').factory = () => (b2 = new Probe());
  world.restart('b'); // at t0 + 5000
  world.runUntil(t0 + 20_000);
  // the message, lost at t0 + 1, is sent again at t0 + 201, 601, 1401, 3001 (b down) and 6201: the new b resets the
  // old connection; the SYN sent again at t0 + 7000 (1, 3, 7 s) is accepted
  const seen = a.events.filter((e) => e.at >= t0 && (e.kind === 'closed' || e.kind === 'connected'));
  assert.equal(seen.map((e) => [e.kind, (e as { conn: ConnId }).conn, e.at - t0]), [['closed', ca, 6202], ['connected', c2, 7002]]);
  assert.equal(b2.events.map((e) => e.kind), ['accepted']);
  assert.equal(b.messages(), []);
});

test('network: a process crash (its host up) closes its connections at once and refuses connects', () => {
  const { world, a } = pair(9, { min: 1, max: 1 });
  const t0 = world.now;
  world.crash('b');
  a.port.connect('b');
  world.runUntil(t0 + 10);
  assert.equal(a.events.filter((e) => e.kind === 'closed').map((e) => e.at - t0), [1, 1]);
});

test('network: connection reset closes both sides', () => {
  const { world, a, b } = pair();
  world.net.resetConnections('a', 'b');
  world.runUntil(1000);
  assert.is(a.events.at(-1)!.kind, 'closed');
  assert.is(b.events.at(-1)!.kind, 'closed');
});

test('disk: a crash drops writes that were not synced; synced ones survive', () => {
  const world = new World({ seed: 9 });
  let role: Probe;
  world.addProcess('s', () => (role = new Probe()));
  world.runUntil(1);
  role!.port.disk.append('log', [1, 2]);
  role!.port.disk.sync('first');
  world.runUntil(100);
  assert.ok(role!.events.some((e) => e.kind === 'synced' && e.tag === 'first'));
  role!.port.disk.append('log', [3]);
  role!.port.disk.overwrite('epoch', 7);
  assert.equal(role!.port.disk.readLog('log'), [1, 2, 3], 'the process sees its own unsynced writes');
  world.crash('s');
  world.restart('s');
  world.runUntil(200);
  assert.equal(role!.port.disk.readLog('log'), [1, 2]);
  assert.is(role!.port.disk.readValue('epoch'), undefined);
});

test('disk: syncs complete in the order they were asked for, also with random latencies and a pause', () => {
  const world = new World({ seed: 13 });
  let role: Probe;
  world.addProcess('s', () => (role = new Probe()));
  world.runUntil(1);
  const disk = role!.port.disk;
  const asked: string[] = [];
  for (let i = 0; i < 200; i++) {
    disk.append('log', [i]);
    disk.sync(`t${i}`);
    asked.push(`t${i}`);
    if (i === 100) world.pause('s');
    if (i === 150) world.resume('s');
    world.runUntil(world.now + (i % 3)); // some syncs overlap, some do not
  }
  world.resume('s');
  world.runUntil(world.now + 1000);
  const done = role!.events.flatMap((e) => (e.kind === 'synced' ? [e.tag] : []));
  assert.equal(done, asked);
});

test('disk: a crash before the sync completes loses the writes; a torn tail keeps a prefix', () => {
  let keptSome = false;
  for (let seed = 0; seed < 30; seed++) {
    const world = new World({ seed });
    let role: Probe;
    world.addProcess('s', () => (role = new Probe()));
    world.runUntil(1);
    for (let i = 0; i < 10; i++) role!.port.disk.append('log', [i]);
    role!.port.disk.sync('never');
    world.crash('s', { tornTail: true });
    world.restart('s');
    world.runUntil(100);
    const log = role!.port.disk.readLog('log') as number[];
    assert.equal(log, Array.from({ length: log.length }, (_, i) => i), 'a prefix survives');
    assert.ok(!role!.events.some((e) => e.kind === 'synced'), 'no sync completion after the crash');
    if (log.length > 0) keptSome = true;
  }
  assert.ok(keptSome, 'torn tails keep part of the unsynced writes for some seeds');
});

test('disk: a torn tail never keeps an overwrite before its sync completed (an atomic rename after an fsync), but keeps the appends around it', () => {
  let keptAfter = 0;
  for (let seed = 0; seed < 60; seed++) {
    const world = new World({ seed });
    let role: Probe;
    world.addProcess('s', () => (role = new Probe()));
    world.runUntil(1);
    role!.port.disk.overwrite('currentEpoch', 1);
    role!.port.disk.sync('first');
    world.runUntil(100);
    role!.port.disk.append('log', [0]);
    role!.port.disk.overwrite('currentEpoch', 2);
    role!.port.disk.append('log', [1, 2]);
    role!.port.disk.sync('never');
    world.crash('s', { tornTail: true });
    world.restart('s');
    world.runUntil(200);
    assert.is(role!.port.disk.readValue('currentEpoch'), 1, `seed ${seed}: the old value survives`);
    const log = role!.port.disk.readLog('log') as number[];
    assert.equal(log, Array.from({ length: log.length }, (_, i) => i), 'a prefix of the appends survives');
    if (log.length > 1) keptAfter++;
  }
  assert.ok(keptAfter > 0, 'some torn tails keep appends written after the overwrite');
});

test('process: pause defers timers and deliveries until resume', () => {
  const { world, a, b } = pair();
  const c = a.conn('connected');
  world.pause('b');
  b.port.setTimer(10, 't');
  a.port.send(c, 'm');
  world.runUntil(1000);
  assert.equal(b.events.filter((e) => e.kind === 'message' || e.kind === 'timer'), []);
  world.resume('b');
  world.runUntil(1001);
  const late = b.events.filter((e) => e.kind === 'message' || e.kind === 'timer');
  assert.is(late.length, 2);
  assert.ok(late.every((e) => e.at === 1000), 'delivered at resume time');
});

test('timers: cancelled timers never fire; restart forgets the old life\'s timers', () => {
  const world = new World({ seed: 1 });
  let role: Probe;
  world.addProcess('s', () => (role = new Probe()));
  world.runUntil(1);
  const t1 = role!.port.setTimer(10, 'cancelled');
  role!.port.setTimer(20, 'kept');
  role!.port.setTimer(500, 'old-life');
  role!.port.cancelTimer(t1);
  world.runUntil(100);
  assert.equal(role!.events.map((e) => (e as { tag?: string }).tag), ['kept']);
  const old = role!;
  world.crash('s');
  world.restart('s');
  world.runUntil(1000);
  assert.ok(role! !== old, 'a restart builds a new role');
  assert.equal(role!.events, []);
});

test('livelock: a run that never settles ends with a clear error', () => {
  const world = new World({ seed: 1, maxEvents: 1000 });
  const loop = (): void => void world.schedule(0, 'loop', loop);
  loop();
  assert.throws(() => world.runUntil(10), (e: unknown) => e instanceof LivelockError && /event limit of 1000/.test((e as Error).message));
});

test('runAsync: promise continuations of user code run before the next event', async () => {
  const world = new World({ seed: 1 });
  const log: string[] = [];
  let resolveIt!: () => void;
  const p = new Promise<void>((r) => (resolveIt = r));
  (async () => {
    await p;
    await null;
    await null;
    log.push(`user at ${world.now}`);
    world.schedule(0, 'user-scheduled', () => log.push(`user event at ${world.now}`));
  })();
  world.schedule(10, 'wake', () => {
    resolveIt();
    world.wakeUser();
  });
  world.schedule(11, 'later', () => log.push(`later at ${world.now}`));
  await world.runAsync(100);
  assert.equal(log, ['user at 10', 'user event at 10', 'later at 11']);
});

test('send: a message sent with its type hashes as one sent without; a wrong type is refused in a recorded run', () => {
  const run = (withType: boolean): string => {
    const { world, a } = pair(3);
    const c = a.conn('connected');
    for (let i = 0; i < 20; i++) a.port.send(c, { type: i % 2 === 0 ? 'ping' : 'pong', i }, withType ? (i % 2 === 0 ? 'ping' : 'pong') : undefined);
    world.runUntil(5000);
    return world.traceHash;
  };
  assert.is(run(true), run(false));
  // a recorded run checks the passed type against the message
  const world = new World({ seed: 3, recordTrace: true });
  const a = new Probe((p) => p.connect('b'));
  world.addProcess('a', () => a);
  world.addProcess('b', () => new Probe());
  world.runUntil(200);
  const c = a.conn('connected');
  a.port.send(c, { type: 'ping' }, 'ping');
  assert.throws(() => a.port.send(c, { type: 'ping' }, 'pong'), /a sent a message of type ping as type pong/);
});

test.run();
