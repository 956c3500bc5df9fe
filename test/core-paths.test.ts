import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { basename, isSelfOrDescendant, joinPath, parentPath, rawParent, sequenceSuffix, validatePath } from '../core/paths.js';

const inv = (p: string, reason: string) => `Invalid path string "${p}" caused by ${reason}`;

test('validatePath: §1.1 table with Java messages, in check order', () => {
  const cases: Array<[string | null, string | null]> = [
    [null, 'Path cannot be null'],
    ['', 'Path length must be > 0'],
    ['a', 'Path must start with / character'],
    ['a/', 'Path must start with / character'],
    ['/', null],
    ['/a/', 'Path must not end with / character'],
    ['//', 'Path must not end with / character'],
    ['/a', null],
    ['/a/b/c', null],
    ['/a\u0000b', inv('/a\u0000b', 'null character not allowed @2')],
    ['/a//b', inv('/a//b', 'empty node name specified @3')],
    ['//a', inv('//a', 'empty node name specified @1')],
    ['/.', inv('/.', 'relative paths not allowed @1')],
    ['/..', inv('/..', 'relative paths not allowed @2')],
    ['/a/./b', inv('/a/./b', 'relative paths not allowed @3')],
    ['/a/../b', inv('/a/../b', 'relative paths not allowed @4')],
    ['/a/..', inv('/a/..', 'relative paths not allowed @4')],
    ['/...', null],
    ['/.a', null],
    ['/a.', null],
    ['/a..', null],
    ['/..a', null],
    ['/a.b', null],
    ['/a\u0001', inv('/a\u0001', 'invalid character @2')],
    ['/\u001f', inv('/\u001f', 'invalid character @1')],
    ['/ x', null],
    ['/\u007f', inv('/\u007f', 'invalid character @1')],
    ['/\u009f', inv('/\u009f', 'invalid character @1')],
    ['/\u00a0', null],
    ['/é', null],
    ['/\ud7ff', null],
    ['/\ud800', inv('/\ud800', 'invalid character @1')],
    ['/😀', inv('/😀', 'invalid character @1')],
    ['/\uf8ff', inv('/\uf8ff', 'invalid character @1')],
    ['/\uf900', null],
    ['/\uffef', null],
    ['/\ufff0', inv('/\ufff0', 'invalid character @1')],
    ['/\uffff', inv('/\uffff', 'invalid character @1')],
    ['/zookeeper', null],
    // the first failure wins: NUL before an empty component
    ['/a\u0000//b', inv('/a\u0000//b', 'null character not allowed @2')],
    ['/a//\u0001', inv('/a//\u0001', 'empty node name specified @3')],
  ];
  for (const [p, want] of cases) assert.is(validatePath(p), want, JSON.stringify(p));
});

test('validatePath: sequential validates path + "1"', () => {
  assert.is(validatePath('/q/', true), null);
  assert.is(validatePath('/q/n-', true), null);
  assert.is(validatePath('/q//', true), inv('/q//1', 'empty node name specified @3'));
  assert.is(validatePath('/', true), null); // "/1"
  assert.is(validatePath('', true), 'Path must start with / character'); // "1"
  assert.is(validatePath('/.', true), null); // "/.1"
});

test('sequence suffix is %010d of a signed 32-bit counter', () => {
  assert.is(sequenceSuffix(0), '0000000000');
  assert.is(sequenceSuffix(3), '0000000003');
  assert.is(sequenceSuffix(2147483647), '2147483647');
  assert.is(sequenceSuffix(2147483648), '-2147483648');
  assert.is(sequenceSuffix(-5), '-000000005');
});

test('path helpers', () => {
  assert.is(rawParent('/a'), '');
  assert.is(rawParent('/a/b'), '/a');
  assert.is(rawParent('/b//a'), '/b/');
  assert.is(rawParent('a'), null);
  assert.is(parentPath('/a'), '/');
  assert.is(parentPath('/a/b'), '/a');
  assert.is(basename('/a/b'), 'b');
  assert.is(basename('/'), '');
  assert.is(joinPath('/', 'x'), '/x');
  assert.is(joinPath('/a', 'x'), '/a/x');
  assert.ok(isSelfOrDescendant('/a/b', '/a'));
  assert.ok(isSelfOrDescendant('/a', '/a'));
  assert.not.ok(isSelfOrDescendant('/ab', '/a'));
  assert.ok(isSelfOrDescendant('/ab', '/'));
});

test.run();
