import { describe, expect, it } from 'vitest';
import { Token } from '../../src/net/messages.js';
import { checkName, checkPassword, hashPassword, MAX_PASSWORD_CHARS, newToken, secretsEqual, verifyPassword } from '../../src/roles/central/accounts.js';
import { thrown } from '../helpers/thrown.js';


describe('checkName', () => {
  it.each(['alice', 'a', 'a.b-c_9', 'Bob_2', '0', '...', 'x'.repeat(32)])('accepts %j', (name) => {
    expect(() => checkName(name)).not.toThrow();
  });

  const badChars = /other than letters, digits/;
  it.each<[string, RegExp]>([
    ['', /is empty/],
    ['x'.repeat(33), /is 33 characters long \(at most 32\)/],
    ['x'.repeat(100), /is 100 characters long/],
    ['../x', badChars],
    ['a/b', badChars],
    ['é', badChars],
    ['e\u0301', badChars], // decomposed é
    ['a b', badChars],
    [' alice', badChars],
    ['alice\n', badChars],
    ['a\u0000b', badChars],
    ['ａlice', badChars], // full-width a
  ])('rejects %j with INVALID_NAME saying why', (name, why) => {
    const err = thrown(() => checkName(name));
    expect(err.code).toBe('INVALID_NAME');
    expect(err.message).toMatch(why);
    expect(err.message).toContain('invalid user name');
  });

  it('quotes the offending name, shortened when very long', () => {
    expect(thrown(() => checkName('a/b')).message).toContain('"a/b"');
    const long = thrown(() => checkName('y'.repeat(100))).message;
    expect(long).toContain(JSON.stringify('y'.repeat(40) + '…'));
    expect(long).not.toContain('y'.repeat(41));
  });
});

describe('checkPassword', () => {
  it.each(['p', 'correct horse battery staple', 'ü🎬 \t', 'x'.repeat(MAX_PASSWORD_CHARS)])('accepts a password of %#', (pw) => {
    expect(() => checkPassword(pw)).not.toThrow();
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['x'.repeat(MAX_PASSWORD_CHARS + 1), /257 characters long \(at most 256\)/],
    ['x'.repeat(5000), /5000 characters long/],
  ])('rejects case %# with INVALID_PASSWORD', (pw, why) => {
    const err = thrown(() => checkPassword(pw));
    expect(err.code).toBe('INVALID_PASSWORD');
    expect(err.message).toMatch(why);
  });

  it('the limit is 256', () => {
    expect(MAX_PASSWORD_CHARS).toBe(256);
  });
});

describe('hashPassword / verifyPassword', () => {
  it('round trip: the right password verifies, wrong ones do not', async () => {
    const { salt, hash } = await hashPassword('s3cret pässword');
    expect(salt).toHaveLength(16);
    expect(hash).toHaveLength(64);
    expect(await verifyPassword('s3cret pässword', salt, hash)).toBe(true);
    for (const wrong of ['s3cret passwort', 'S3cret pässword', 's3cret pässword ', '', 's3cret pässwor']) {
      expect(await verifyPassword(wrong, salt, hash), wrong).toBe(false);
    }
  });

  it('the same password with different salts gives different hashes', async () => {
    const a = await hashPassword('hunter2');
    const b = await hashPassword('hunter2');
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.hash.equals(b.hash)).toBe(false);
    expect(await verifyPassword('hunter2', a.salt, b.hash)).toBe(false);
  });

  it('the same password and salt give the same hash', async () => {
    const salt = Buffer.alloc(16, 7);
    const a = await hashPassword('hunter2', salt);
    const b = await hashPassword('hunter2', salt);
    expect(a.hash.equals(b.hash)).toBe(true);
    expect(a.salt).toBe(salt);
  });

  it('composed and decomposed forms of the same text verify alike (NFC)', async () => {
    const { salt, hash } = await hashPassword('caf\u00e9');
    expect(await verifyPassword('cafe\u0301', salt, hash)).toBe(true);
  });

  it('a stored hash of the wrong length is a mismatch, not a crash', async () => {
    const { salt, hash } = await hashPassword('pw');
    expect(await verifyPassword('pw', salt, hash.subarray(0, 32))).toBe(false);
    expect(await verifyPassword('pw', salt, Buffer.alloc(0))).toBe(false);
  });
});

describe('newToken', () => {
  it('is 43 URL-safe characters (32 random bytes) and a valid wire Token', () => {
    const t = newToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    expect(Token.safeParse(t).success).toBe(true);
  });

  it('is unique over 100 calls', () => {
    const tokens = Array.from({ length: 100 }, newToken);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(100);
  });
});

describe('secretsEqual', () => {
  it.each<[string, string, boolean]>([
    ['s3cret', 's3cret', true],
    ['', '', true],
    ['日本🎬', '日本🎬', true],
    ['s3cret', 'S3cret', false],
    ['s3cret', 's3cret ', false],
    ['abc', 'abcd', false],
    ['', 'x', false],
    ['x'.repeat(10_000), 'x'.repeat(10_000), true],
    ['x'.repeat(10_000), 'x'.repeat(9_999) + 'y', false],
  ])('%#: equal=%s', (a, b, expected) => {
    expect(secretsEqual(a, b)).toBe(expected);
    expect(secretsEqual(b, a)).toBe(expected);
  });
});
