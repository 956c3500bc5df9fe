/**
 * The test files themselves: uvu runs the tests registered before `test.run()` and silently drops any registered
 * after it (a test appended at the end of a file would pass CI without running).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = 'test';
const files = readdirSync(DIR).filter((f) => f.endsWith('.test.ts')).sort();

/** Line numbers (1-based) of top-level test registrations after the file's last top-level test.run(), or null without one. */
function testsAfterRun(source: string): number[] | null {
  const lines = source.split('\n');
  let run = -1;
  lines.forEach((l, i) => {
    if (/^test\.run\(\);?\s*$/.test(l)) run = i;
  });
  if (run < 0) return null;
  const after: number[] = [];
  for (let i = run + 1; i < lines.length; i++) if (/^test(\.skip|\.only)?\(/.test(lines[i]!)) after.push(i + 1);
  return after;
}

test('testsAfterRun finds a test registered after test.run()', () => {
  assert.equal(testsAfterRun("test('a', () => {});\ntest.run();\n"), []);
  assert.equal(testsAfterRun("test('a', () => {});\ntest.run();\n\ntest('late', () => {});\n"), [4]);
  assert.is(testsAfterRun("if (x) {\n  test('a', () => {});\n  test.run();\n}\n"), null);
});

test('every test file registers its tests before test.run()', () => {
  assert.ok(files.length > 50, `found ${files.length} test files`);
  for (const f of files) {
    const source = readFileSync(join(DIR, f), 'utf8');
    const after = testsAfterRun(source);
    // files that run their suite conditionally (inside a block) call test.run() indented
    if (after === null) {
      assert.ok(/^\s+test\.run\(\)/m.test(source), `${f}: no test.run()`);
      continue;
    }
    assert.equal(after, [], `${f}: tests at lines ${after.join(', ')} come after test.run() and never run`);
  }
});

test.run();
