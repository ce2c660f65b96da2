import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseFingerprint, tlsMode, type TlsFlags, type TlsMode } from '../../src/roles/tls-options.js';
import { fingerprintOfDer, isLoopback, splitHostPort } from '../../src/net/tls.js';
import { thrown } from '../helpers/thrown.js';

describe('tlsMode', () => {
  const ok: [TlsFlags, string, TlsMode][] = [
    [{}, '127.0.0.1', 'off'],
    [{}, 'localhost', 'off'],
    [{}, '::1', 'off'],
    [{}, '0.0.0.0', 'auto'],
    [{}, '192.168.1.10', 'auto'],
    [{}, '::', 'auto'],
    [{ tls: 'auto' }, '127.0.0.1', 'auto'],
    [{ tlsCert: 'c.pem', tlsKey: 'k.pem' }, '127.0.0.1', 'files'],
    [{ tlsCert: 'c.pem', tlsKey: 'k.pem' }, '0.0.0.0', 'files'],
    [{ insecure: true }, '0.0.0.0', 'off'],
    [{ insecure: true }, '127.0.0.1', 'off'],
  ];
  it.each(ok)('%j binding %s → %s', (flags, bind, want) => {
    expect(tlsMode(flags, bind)).toBe(want);
  });

  const bad: [TlsFlags, RegExp][] = [
    [{ insecure: true, tls: 'auto' }, /cannot be combined/],
    [{ insecure: true, tlsCert: 'c', tlsKey: 'k' }, /cannot be combined/],
    [{ tlsCert: 'c' }, /go together/],
    [{ tlsKey: 'k' }, /go together/],
    [{ tls: 'on' }, /only mode is "auto"/],
    [{ tls: 'auto', tlsCert: 'c', tlsKey: 'k' }, /exclude each other/],
  ];
  it.each(bad)('%j is a usage error', (flags, message) => {
    const err = thrown(() => tlsMode(flags, '0.0.0.0'));
    expect(err).toMatchObject({ code: 'BAD_INPUT' });
    expect((err as Error).message).toMatch(message);
  });
});

describe('fingerprints', () => {
  it('are SHA256: plus unpadded base64 of the DER bytes, as ssh prints them', () => {
    const der = Buffer.from('not really a certificate');
    const want = 'SHA256:' + crypto.createHash('sha256').update(der).digest('base64').slice(0, 43);
    expect(fingerprintOfDer(der)).toBe(want);
    expect(parseFingerprint(want)).toBe(want);
    expect(parseFingerprint(want + '=')).toBe(want);
  });

  it.each(['', 'SHA256:', 'sha256:' + 'A'.repeat(43), 'SHA256:' + 'A'.repeat(42), 'SHA256:' + 'A'.repeat(44), 'MD5:' + 'A'.repeat(43), 'SHA256:' + '!'.repeat(43)])('refuses %j', (value) => {
    expect(thrown(() => parseFingerprint(value))).toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('isLoopback / splitHostPort', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['example.org', false],
    ['128.0.0.1', false],
  ] as const)('%s → %s', (host, want) => {
    expect(isLoopback(host)).toBe(want);
  });

  it.each([
    ['127.0.0.1:8000', '127.0.0.1', 8000],
    ['[::1]:9000', '::1', 9000],
    ['example.org:443', 'example.org', 443],
  ] as const)('%s → %s %i', (address, host, port) => {
    expect(splitHostPort(address)).toEqual({ host, port });
  });
});
