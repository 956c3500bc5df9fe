import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code, ZkError, codeMessage, errorName, isKnownCode } from '../core/errors.js';

test('error codes carry ZooKeeper 3.8 numeric values', () => {
  const expected: Record<string, number> = {
    OK: 0, SYSTEMERROR: -1, RUNTIMEINCONSISTENCY: -2, DATAINCONSISTENCY: -3, CONNECTIONLOSS: -4, MARSHALLINGERROR: -5,
    UNIMPLEMENTED: -6, OPERATIONTIMEOUT: -7, BADARGUMENTS: -8, UNKNOWNSESSION: -12, NEWCONFIGNOQUORUM: -13,
    RECONFIGINPROGRESS: -14, APIERROR: -100, NONODE: -101, NOAUTH: -102, BADVERSION: -103,
    NOCHILDRENFOREPHEMERALS: -108, NODEEXISTS: -110, NOTEMPTY: -111, SESSIONEXPIRED: -112, INVALIDCALLBACK: -113,
    INVALIDACL: -114, AUTHFAILED: -115, SESSIONMOVED: -118, NOTREADONLY: -119, EPHEMERALONLOCALSESSION: -120,
    NOWATCHER: -121, REQUESTTIMEOUT: -122, RECONFIGDISABLED: -123, SESSIONCLOSEDREQUIRESASLAUTH: -124,
    QUOTAEXCEEDED: -125, THROTTLEDOP: -127,
  };
  assert.equal({ ...Code }, expected);
  for (const [name, code] of Object.entries(expected)) assert.is(errorName(code), name);
});

test('unknown codes are named, not thrown', () => {
  assert.is(errorName(-126), 'UNKNOWN(-126)');
  assert.is(isKnownCode(-126), false);
  assert.is(isKnownCode(-101), true);
  assert.is(codeMessage(-999), 'Unknown error -999');
});

test('ZkError has code, codeName, name and the Java message', () => {
  const e = new ZkError(Code.NONODE, '/a');
  assert.ok(e instanceof Error);
  assert.is(e.code, -101);
  assert.is(e.codeName, 'NONODE');
  assert.is(e.name, 'NONODE');
  assert.is(e.message, 'KeeperErrorCode = NoNode for /a');
  assert.is(new ZkError(Code.NOTEMPTY).message, 'KeeperErrorCode = Directory not empty');
  const m = new ZkError(Code.BADVERSION, undefined, [0, -103, -2]);
  assert.equal(m.results, [0, -103, -2]);
});

test.run();
