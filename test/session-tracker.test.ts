import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SessionTracker, firstSessionId } from '../core/server/sessions.js';

// The tracker's table is an IdMap: a scan while there are few sessions, its Map past that. Both sizes here.
for (const n of [5, 12]) {
  test(`session tracker with ${n} sessions: add, touch, check, close, remove, expire`, () => {
    const tick = 2000;
    const tr = new SessionTracker(tick);
    const ids = Array.from({ length: n }, (_, i) => firstSessionId(1 + (i % 3), 1000 * i) + i);
    ids.forEach((id, i) => tr.add(id, 4000 + i, 0, i % 2 === 0 ? 2 : null));
    for (const [i, id] of ids.entries()) {
      const s = tr.session(id)!;
      assert.is(s.id, id);
      assert.is(s.timeout, 4000 + i);
      assert.is(s.expireAt, tr.roundToBucket(4000 + i));
    }
    assert.is(tr.session(ids[0]! + 0.5), undefined, 'an unknown id');
    assert.is(tr.session(Number.MAX_SAFE_INTEGER), undefined, 'an id above every one set');
    // check: owner 2 for the even ones; an odd one takes its first checker as owner
    assert.is(tr.check(ids[0]!, 2), 0);
    assert.is(tr.check(ids[0]!, 3), -118, 'SESSIONMOVED');
    assert.is(tr.check(ids[1]!, 3), 0);
    assert.is(tr.session(ids[1]!)!.owner, 3);
    // a touch moves the session to a later bucket
    assert.ok(tr.touch(ids[2]!, 10000));
    assert.is(tr.session(ids[2]!)!.expireAt, tr.roundToBucket(10000 + 4002));
    // closing: touches and checks refused
    tr.setClosing(ids[3]!);
    assert.not.ok(tr.touch(ids[3]!, 10000));
    assert.is(tr.check(ids[3]!, 2), -112);
    // removed (after a lookup cached it): gone, also for the lookup cache
    assert.ok(tr.session(ids[4]!));
    tr.remove(ids[4]!);
    assert.is(tr.session(ids[4]!), undefined);
    assert.not.ok(tr.touch(ids[4]!, 0));
    // re-added: found again
    tr.add(ids[4]!, 5000, 20000);
    assert.is(tr.session(ids[4]!)!.timeout, 5000);
    // expiry: every session not touched since 0 expires by the end of its bucket, in bucket order
    const due = tr.expireDue(tr.roundToBucket(4000 + n - 1));
    const expected = ids.filter((_, i) => i !== 2 && i !== 4);
    assert.equal(due.map((s) => s.id).sort((a, b) => a - b), expected.slice().sort((a, b) => a - b));
    assert.ok(due.every((s) => s.closing));
    assert.equal(tr.nextExpiry(), Math.min(tr.roundToBucket(14002), tr.roundToBucket(25000)));
  });
}

test.run();
