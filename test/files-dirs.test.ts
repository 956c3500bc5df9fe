import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirs } from '../files/dirs.js';

const root = mkdtempSync(join(tmpdir(), 'zksim-dirs-'));

test('makeDirs makes a folder and its missing parents, and accepts one that exists', () => {
  const deep = join(root, 'a', 'b', 'c');
  makeDirs(deep);
  assert.ok(statSync(deep).isDirectory());
  makeDirs(deep);
  makeDirs(join(root, 'a'));
  assert.ok(statSync(deep).isDirectory());
});

test('makeDirs throws ENOTDIR when a file is in the way, at the folder or above it', () => {
  const file = join(root, 'f');
  writeFileSync(file, 'x');
  for (const dir of [file, join(file, 'sub')]) {
    try {
      makeDirs(dir);
      assert.unreachable(`made ${dir}`);
    } catch (e) {
      assert.is((e as NodeJS.ErrnoException).code, 'ENOTDIR', String(e));
    }
  }
});

test('makeDirs fails, rather than looping, where no folder can be made (/proc)', () => {
  if (!existsSync('/proc/self')) return; // not Linux
  try {
    makeDirs('/proc/zksim-dirs-test/x');
    assert.unreachable('made a folder under /proc');
  } catch (e) {
    assert.is((e as NodeJS.ErrnoException).code, 'ENOENT', String(e));
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
