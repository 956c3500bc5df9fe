import { defineScenario } from './api.js';
import { CreateMode, type ZooKeeperClient } from '../core/client/index.js';

/** An external resource the lock protects (not in ZooKeeper), optionally checking fencing tokens. */
class Store {
  value = '';
  highestToken = -1;
  readonly log: string[] = [];
  constructor(readonly fenced: boolean) {}
  write(token: number, value: string): boolean {
    if (this.fenced && token < this.highestToken) {
      this.log.push(`rejected ${value} (token 0x${token.toString(16)} < 0x${this.highestToken.toString(16)})`);
      return false;
    }
    this.highestToken = Math.max(this.highestToken, token);
    this.value = value;
    this.log.push(`accepted ${value} (token 0x${token.toString(16)})`);
    return true;
  }
}

/**
 * The lock recipe: an ephemeral-sequential node; the lowest holds the lock; the others watch their predecessor.
 * Plain awaits on the client only (it never drives the world), so several clients can wait at once while the
 * scenario drives time.
 */
async function acquire(c: ZooKeeperClient): Promise<{ node: string; token: number }> {
  const r = await c.create2('/lock/lock-', String(c.process), CreateMode.EPHEMERAL_SEQUENTIAL);
  const mine = r.path.slice('/lock/'.length);
  for (;;) {
    const kids = [...(await c.getChildren('/lock'))].sort();
    const i = kids.indexOf(mine);
    if (i === 0) return { node: r.path, token: r.stat.czxid };
    await new Promise<void>((resolve, reject) => {
      c.exists('/lock/' + kids[i - 1], () => resolve()).then((st) => {
        if (st === null) resolve();
      }, reject);
    });
  }
}

export default defineScenario({
  name: 'lock-recipe',
  summary: 'the lock recipe, its pitfall when the holder\'s session expires, and a fencing token (czxid) that saves it',
  servers: 3,
  cluster: { sessionTimeoutMs: 6_000 },
  async run(s) {
    await s.step('two clients compete for the lock');
    await s.waitForLeader();
    const a = s.client('c1');
    const b = s.client('c2');
    await s.waitConnected(a);
    await s.waitConnected(b);
    await s.ok(a.create('/lock', null));
    const plain = new Store(false);
    const fenced = new Store(true);
    const lockA = await s.ok(acquire(a));
    s.check(true, `c1 holds the lock with ${lockA.node}; its fencing token is the node's czxid 0x${lockA.token.toString(16)}`);
    let bLock: { node: string; token: number } | null = null;
    const bWaits = acquire(b).then((l) => (bLock = l));
    await s.runFor(500);
    s.check(bLock === null, 'c2 created the next node and waits on a watch for its predecessor');

    await s.step('c1 freezes (GC pause) while holding the lock, longer than its session timeout');
    s.say('c1 believes it holds the lock. But its session expires: the servers delete its lock node, c2\'s watch\nfires, and c2 takes the lock. c1 learns nothing until it runs again.');
    s.pause('c1');
    await s.waitFor('c2 to take the lock', () => bLock !== null, 60_000);
    await bWaits;
    const lockB = bLock as unknown as { node: string; token: number };
    s.check(lockB.token > lockA.token, `c2 holds the lock with ${lockB.node}, token 0x${lockB.token.toString(16)} > 0x${lockA.token.toString(16)}`);
    plain.write(lockB.token, 'c2 data');
    fenced.write(lockB.token, 'c2 data');

    await s.step('c1 wakes up and finishes the write it had started');
    s.resume('c1');
    s.say('c1 resumes exactly where it stopped: between "I hold the lock" and "write to the resource".\nIt has not yet heard that its session is gone.');
    plain.write(lockA.token, 'c1 stale data');
    fenced.write(lockA.token, 'c1 stale data');
    s.check(plain.value === 'c1 stale data', 'PITFALL: without fencing, c1\'s stale write overwrites c2\'s — two holders of one lock');
    s.check(fenced.value === 'c2 data', `with the czxid as a fencing token the resource rejects it: ${fenced.log[fenced.log.length - 1]}`);
    await s.waitSessionExpired(a, 30_000);
    s.check(a.state === 'CLOSED', 'moments later c1 learns its session expired');
    s.say('Lesson: a ZooKeeper lock is a lease. Pass a monotonically increasing token (the lock node\'s czxid, or a\nversion) to the protected resource and have it refuse older tokens.');
  },
});
