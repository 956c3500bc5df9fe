// A system under comparison that stops answering mid-run: the runner asks the target whether its servers are gone
// after a step that timed out or lost its connection, and stops with TargetLostError instead of letting every later
// step wait out its own timeout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runTranscript, TargetLostError, type StepReply, type TranscriptTarget } from '../fidelity/runner.js';
import { errorResult, parseTranscriptText, type InputStep } from '../fidelity/transcript.js';
import { cleanTree } from '../fidelity/realtarget.js';

const TEXT = [
  '{"case":"c1","session":"a","op":"connect","timeoutMs":10000}',
  '{"case":"c1","session":"a","op":"getData","path":"/x"}',
  '{"case":"c1","session":"a","op":"getData","path":"/y"}',
  '{"case":"c2","session":"b","op":"connect","timeoutMs":10000}',
].join('\n');

/** A target whose run() answers `code` for path /x and ok otherwise; `gone` is what unreachable() says. */
function stub(code: number, gone: string | null, withProbe = true): TranscriptTarget & { ran: string[]; probes: number } {
  const ran: string[] = [];
  const t = {
    name: 'stub',
    servers: 1,
    ran,
    probes: 0,
    open: new Set<string>(),
    async reset() {},
    async connect(label: string): Promise<StepReply> {
      ran.push(`connect ${label}`);
      t.open.add(label);
      return { result: { ok: true, sessionId: '0x1', timeoutMs: 10000 }, zxid: null };
    },
    async run(_label: string, step: InputStep): Promise<StepReply> {
      const path = (step as { path?: string }).path;
      ran.push(`${step.op} ${path}`);
      return path === '/x' ? { result: errorResult(code), zxid: null } : { result: { ok: true, data: null }, zxid: 1 };
    },
    async close(label: string): Promise<StepReply> {
      t.open.delete(label);
      return { result: { ok: true }, zxid: 1 };
    },
    async expire(): Promise<StepReply> {
      return { result: { ok: true }, zxid: null };
    },
    async wait() {},
    takeEvents: () => [],
    async settle() {},
    async lastZxid() {
      return 0;
    },
    openSessions: () => [...t.open],
    async dispose() {},
    ...(withProbe
      ? {
          async unreachable() {
            t.probes++;
            return gone;
          },
        }
      : {}),
  };
  return t as unknown as TranscriptTarget & { ran: string[]; probes: number };
}

async function lostError(p: Promise<unknown>): Promise<TargetLostError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, TargetLostError);
    return e as TargetLostError;
  }
  throw new Error('expected a TargetLostError');
}

test('a connection loss while the servers are gone stops the run at that step, naming the case and the reason', async () => {
  const t = stub(-4, "ZooKeeper at 127.0.0.1:2181 stopped answering (no answer to 'srvr')");
  const e = await lostError(runTranscript(t, parseTranscriptText(TEXT)));
  assert.is(e.message, "ZooKeeper at 127.0.0.1:2181 stopped answering (no answer to 'srvr'), in case c1 (step getData)");
  assert.equal(t.ran, ['connect a', 'getData /x']); // nothing after the lost step
  assert.is(t.probes, 1);
});

test('an operation timeout is asked about too', async () => {
  const t = stub(-7, 'gone');
  await lostError(runTranscript(t, parseTranscriptText(TEXT)));
  assert.is(t.probes, 1);
});

test('servers that still answer: the failure is recorded as the step result and the run goes on', async () => {
  const t = stub(-4, null);
  const out = await runTranscript(t, parseTranscriptText(TEXT));
  assert.is(out.length, 4);
  assert.equal(out[1]!.result, errorResult(-4));
  assert.equal(t.ran, ['connect a', 'getData /x', 'getData /y', 'connect b']);
  assert.is(t.probes, 1);
});

test('other error codes are ZooKeeper answers: no probe', async () => {
  const t = stub(-101, 'gone');
  const out = await runTranscript(t, parseTranscriptText(TEXT));
  assert.is(out.length, 4);
  assert.is(t.probes, 0);
});

test('a target without a probe (zksim) runs on', async () => {
  const t = stub(-4, 'gone', false);
  const out = await runTranscript(t, parseTranscriptText(TEXT));
  assert.is(out.length, 4);
});

test('a reset that fails stops the run with its reason and the case (it escaped as a plain Error: a stack trace)', async () => {
  const t = stub(0, null);
  t.reset = async () => {
    throw new Error('reset: cannot connect');
  };
  const steps = parseTranscriptText(['{"case":"c0","op":"reset"}', '{"case":"c0","session":"a","op":"connect","timeoutMs":10000}'].join('\n'));
  const e = await lostError(runTranscript(t, steps));
  assert.is(e.message, 'reset: cannot connect, in case c0 (step reset)');
  assert.equal(t.ran, []);
});

test("an external server's reset that cannot delete a znode fails, naming it (it said ok and left the tree as it was)", async () => {
  // /locked has no DELETE for anyone: its child stays; /gone vanished meanwhile (NONODE is fine)
  const tree: Record<string, string[]> = { '/': ['zookeeper', 'locked', 'gone', 'free'], '/locked': ['c'], '/locked/c': [], '/gone': [], '/free': [] };
  const requests: string[] = [];
  let closed = false;
  const fake = {
    async connect(): Promise<StepReply> {
      return { result: { ok: true, sessionId: '0x1', timeoutMs: 10000 }, zxid: null };
    },
    async request(_label: string, step: InputStep): Promise<StepReply> {
      const path = (step as { path: string }).path;
      requests.push(`${step.op} ${path}`);
      if (step.op === 'getChildren') return { result: { ok: true, children: tree[path] ?? [] }, zxid: 1 };
      if (path === '/locked/c') return { result: errorResult(-102), zxid: 2 };
      if (path === '/locked') return { result: errorResult(-111), zxid: 3 };
      if (path === '/gone') return { result: errorResult(-101), zxid: 4 };
      return { result: { ok: true }, zxid: 5 };
    },
    async close(): Promise<StepReply> {
      closed = true;
      return { result: { ok: true }, zxid: 6 };
    },
    takeEvents: () => [],
  };
  let err: unknown = null;
  try {
    await cleanTree(fake as unknown as Parameters<typeof cleanTree>[0]);
  } catch (e) {
    err = e;
  }
  assert.instance(err, Error);
  assert.match((err as Error).message, /^reset could not delete \/locked\/c \(NOAUTH\) on the external server/);
  assert.ok(requests.includes('delete /free'), 'it still deletes what it can');
  assert.ok(!requests.some((r) => r.endsWith('/zookeeper')), '/zookeeper is left alone');
  assert.ok(closed);
  // a tree it can clear: no error
  tree['/'] = ['free'];
  await cleanTree(fake as unknown as Parameters<typeof cleanTree>[0]);
});

test.run();
