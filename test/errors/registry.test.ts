import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  claimStrike,
  codeInfo,
  defineCodes,
  ERROR_CODES,
  type ErrorCode,
  httpStatusOf,
  isErrorCode,
  MurmurError,
  registeredCodes,
  strikeKindOf,
} from '../../src/errors/index.ts';

// Codes of this file only (each test file runs in its own process, so they reach no other test; not
// merged into ErrorCodes, so the project's typecheck does not know them).
const TEST_CODES = defineCodes({
  MURMUR_TEST_FORGED: { message: 'A test code that strikes.', http: 422, strike: 'forged' },
  MURMUR_TEST_LOCAL: { message: 'A test code that never strikes.', http: 409 },
});
type TestCode = keyof typeof TEST_CODES;
const testError = (code: TestCode): MurmurError => new MurmurError(code as ErrorCode);

test('defineCodes registers a table and returns it as given', () => {
  assert.equal(TEST_CODES.MURMUR_TEST_FORGED.http, 422);
  assert.deepEqual(codeInfo('MURMUR_TEST_FORGED'), {
    message: 'A test code that strikes.',
    http: 422,
    strike: 'forged',
  });
  assert.equal((ERROR_CODES as Record<string, string>).MURMUR_TEST_LOCAL, 'A test code that never strikes.');
  assert.ok([...registeredCodes().keys()].includes('MURMUR_TEST_LOCAL' as ErrorCode));
  // the core codes are registered by importing src/errors alone
  assert.equal(codeInfo('MURMUR_TIMEOUT')?.http, 504);
  // the registered entry is a frozen copy
  const info = codeInfo('MURMUR_TEST_LOCAL');
  assert.ok(Object.isFrozen(info));
  assert.throws(() => {
    (info as { http: number }).http = 500;
  }, TypeError);
});

test('defineCodes rejects a code defined twice with another meaning, and accepts the same one again', () => {
  const before = new Map(registeredCodes());
  for (const changed of [
    { message: 'Another meaning.', http: 422, strike: 'forged' },
    { message: 'A test code that strikes.', http: 400, strike: 'forged' },
    { message: 'A test code that strikes.', http: 422, strike: 'invalid' },
    { message: 'A test code that strikes.', http: 422 },
  ] as const) {
    assert.throws(
      () => defineCodes({ MURMUR_TEST_FORGED: changed }),
      (e: unknown) => e instanceof TypeError && /MURMUR_TEST_FORGED is defined twice/.test(e.message),
    );
  }
  // a core code cannot be redefined either
  assert.throws(() => defineCodes({ MURMUR_IO: { message: 'Disk.', http: 503 } }), /defined twice/);
  assert.deepEqual(codeInfo('MURMUR_TEST_FORGED')?.http, 422, 'the first meaning stays');
  assert.equal(codeInfo('MURMUR_IO')?.http, 500);
  // the same table again (a module loaded under a second URL) is harmless
  defineCodes({ MURMUR_TEST_FORGED: { message: 'A test code that strikes.', http: 422, strike: 'forged' } });
  assert.deepEqual(new Map(registeredCodes()), before);
});

test('defineCodes rejects a name that is not MURMUR_ and upper case', () => {
  for (const bad of ['MURMUR_', 'MURMUR_lower', 'MURMUR_A-B', 'murmur_x', 'OTHER_CODE', 'MURMUR_A B']) {
    assert.throws(
      () => defineCodes({ [bad]: { message: 'x', http: 400 } } as never),
      (e: unknown) => e instanceof TypeError && e.message === `bad error code ${bad}`,
      bad,
    );
    assert.equal(codeInfo(bad), undefined, bad);
  }
});

test('isErrorCode and codeInfo know registered codes only', () => {
  assert.ok(isErrorCode('MURMUR_TEST_LOCAL'));
  assert.ok(isErrorCode('MURMUR_ABORTED'));
  for (const v of [
    'MURMUR_NEVER_DEFINED',
    'murmur_aborted',
    '',
    'toString',
    '__proto__',
    42,
    null,
    undefined,
    {},
  ]) {
    assert.equal(isErrorCode(v), false, String(v));
  }
  assert.equal(codeInfo('MURMUR_NEVER_DEFINED'), undefined);
  assert.equal(codeInfo('constructor'), undefined);
});

test('httpStatusOf: the table, 400 for an unregistered MURMUR_ code, 500 for anything else', () => {
  assert.equal(httpStatusOf(testError('MURMUR_TEST_LOCAL')), 409);
  assert.equal(httpStatusOf({ code: 'MURMUR_TEST_FORGED' }), 422);
  assert.equal(httpStatusOf({ code: 'MURMUR_NEVER_DEFINED' }), 400);
  for (const v of [
    new Error('crash'),
    Object.assign(new Error('fs'), { code: 'ENOENT' }),
    null,
    'MURMUR_IO',
    7,
  ]) {
    assert.equal(httpStatusOf(v), 500, String(v));
  }
});

test('strikeKindOf: the table kind for an error or a bare code, undefined when it never strikes', () => {
  assert.equal(strikeKindOf(testError('MURMUR_TEST_FORGED')), 'forged');
  assert.equal(strikeKindOf('MURMUR_TEST_FORGED'), 'forged');
  assert.equal(strikeKindOf({ code: 'MURMUR_TEST_FORGED' }), 'forged');
  assert.equal(strikeKindOf(testError('MURMUR_TEST_LOCAL')), undefined);
  assert.equal(strikeKindOf(new MurmurError('MURMUR_TIMEOUT')), undefined);
  assert.equal(strikeKindOf('MURMUR_NEVER_DEFINED'), undefined);
  assert.equal(strikeKindOf(new Error('crash')), undefined);
  assert.equal(strikeKindOf(null), undefined);
});

test('claimStrike gives one error object its strike once', () => {
  const err = testError('MURMUR_TEST_FORGED');
  assert.equal(claimStrike(err), 'forged');
  assert.equal(claimStrike(err), undefined, 'a second place seeing the same error does not strike again');
  assert.equal(strikeKindOf(err), 'forged', 'strikeKindOf still reads the table');
  // another error of the same code is another strike
  assert.equal(claimStrike(testError('MURMUR_TEST_FORGED')), 'forged');
  // a code that never strikes is not marked: nothing to claim, now or later
  const local = testError('MURMUR_TEST_LOCAL');
  assert.equal(claimStrike(local), undefined);
  assert.equal(claimStrike(local), undefined);
  // a bare code or a non-object is never claimed (there is no object to mark)
  assert.equal(claimStrike('MURMUR_TEST_FORGED'), undefined);
  assert.equal(claimStrike(null), undefined);
  assert.equal(claimStrike(undefined), undefined);
});
