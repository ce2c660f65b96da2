import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ExitCode, fromWire, isErrorCode, WatchpartyError, type ErrorCode } from '../../src/core/errors.js';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('ERROR_CODES', () => {
  it.each(codes)('%s has a message, a hint and a CLI exit code of 1, 2 or 3', (code) => {
    const info = ERROR_CODES[code];
    expect(info.message.trim().length).toBeGreaterThan(0);
    expect(info.hint.trim().length).toBeGreaterThan(0);
    expect([ExitCode.refused, ExitCode.usage, ExitCode.unreachable]).toContain(info.exitCode);
    expect([1, 2, 3]).toContain(info.exitCode);
  });

  it.each(codes)('%s fits the wire error code field (≤ 64 chars, UPPER_SNAKE)', (code) => {
    expect(code).toMatch(/^[A-Z][A-Z_]{0,63}$/);
  });

  it('exit codes', () => {
    expect(ExitCode).toEqual({ ok: 0, refused: 1, usage: 2, unreachable: 3, bug: 70 });
  });
});

describe('WatchpartyError', () => {
  it.each(codes)('new WatchpartyError(%s) uses the table defaults', (code) => {
    const err = new WatchpartyError(code);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('WatchpartyError');
    expect(err.code).toBe(code);
    expect(err.message).toBe(ERROR_CODES[code].message);
    expect(err.hint).toBe(ERROR_CODES[code].hint);
    expect(err.exitCode).toBe(ERROR_CODES[code].exitCode);
    expect(err.details).toBeUndefined();
  });

  it('carries a custom message, hint, exit code, cause and details', () => {
    const cause = new Error('socket hang up');
    const err = new WatchpartyError('WRONG_SUB', 'alice is served by sub-2', {
      hint: 'go there',
      exitCode: 3,
      cause,
      details: { subId: 'sub-2', subAddress: '10.0.0.2:7001' },
    });
    expect(err.message).toBe('alice is served by sub-2');
    expect(err.hint).toBe('go there');
    expect(err.exitCode).toBe(3);
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ subId: 'sub-2', subAddress: '10.0.0.2:7001' });
  });
});

describe('isErrorCode', () => {
  it.each([
    ['NO_SUB', true],
    ['BAD_TOKEN', true],
    ['no_sub', false],
    ['', false],
    ['toString', false],
    ['__proto__', false],
    ['constructor', false],
    ['hasOwnProperty', false],
  ])('%s → %s', (code, expected) => {
    expect(isErrorCode(code)).toBe(expected);
  });
});

describe('fromWire', () => {
  it.each(codes)('keeps the known code %s, its message, the table hint and exit code', (code) => {
    const err = fromWire({ code, message: `server says ${code}` });
    expect(err).toBeInstanceOf(WatchpartyError);
    expect(err.code).toBe(code);
    expect(err.message).toBe(`server says ${code}`);
    expect(err.hint).toBe(ERROR_CODES[code].hint);
    expect(err.exitCode).toBe(ERROR_CODES[code].exitCode);
  });

  it.each(['FUTURE_CODE', 'no_sub', 'toString', '__proto__', ''])('maps the unknown code %j to INTERNAL and keeps the original message', (code) => {
    const err = fromWire({ code, message: 'disk on fire' });
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toBe('disk on fire');
    expect(err.hint).toBe(ERROR_CODES.INTERNAL.hint);
  });

  it('keeps details', () => {
    const err = fromWire({ code: 'WRONG_SUB', message: 'm', details: { subAddress: '10.0.0.3:7002' } });
    expect(err.details).toEqual({ subAddress: '10.0.0.3:7002' });
    expect(fromWire({ code: 'X', message: 'm', details: { a: 1 } }).details).toEqual({ a: 1 });
    expect(fromWire({ code: 'NO_SUB', message: 'm' }).details).toBeUndefined();
  });
});
