import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeStore } from '../../src/roles/central/db.js';
import { joinHostPort, parseHeartbeatSeconds, parseHost, parseLogLevel, parsePort, parseStore } from '../../src/cli-options.js';

/** The InvalidArgumentError `fn(value)` throws; fails the test if it throws nothing or something else. */
function rejection(fn: (v: string) => unknown, value: string): InvalidArgumentError {
  try {
    fn(value);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe('parsePort', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['8000', 8000],
    ['65535', 65535],
  ])('accepts %j → %i', (value, port) => {
    expect(parsePort(value)).toBe(port);
  });

  it.each(['-1', '65536', '99999999999999999999', 'abc', '80.5', '', ' ', ' 80', '80 ', '1e3', '0x50', '+80', '8000abc', 'Infinity'])(
    'rejects %j with what to type instead',
    (value) => {
      const err = rejection(parsePort, value);
      expect(err.message).toContain('e.g. --port 8000');
      expect(err.message).toContain(`"${value}"`);
      expect(err.message).toContain('0-65535');
    },
  );
});

describe('parseHeartbeatSeconds', () => {
  it.each([
    ['0.1', 0.1],
    ['0.5', 0.5],
    ['2', 2],
    ['3600', 3600],
  ])('accepts %j → %d', (value, s) => {
    expect(parseHeartbeatSeconds(value)).toBe(s);
  });

  it.each(['0', '0.09', '-2', '3600.001', '3601', 'abc', '', 'NaN', 'Infinity', '-Infinity'])('rejects %j', (value) => {
    const err = rejection(parseHeartbeatSeconds, value);
    expect(err.message).toContain('0.1 to 3600');
    expect(err.message).toContain('e.g. --heartbeat 2');
  });
});

describe('parseHost', () => {
  it.each(['localhost', '127.0.0.1', '0.0.0.0', '::1', '[::1]', 'fe80::1', 'my-host.local', 'host_1', 'a'.repeat(255)])('accepts %j unchanged', (value) => {
    expect(parseHost(value)).toBe(value);
  });

  it.each(['a b', 'x;rm', 'x;rm -rf /', '', 'a'.repeat(256), 'host/path', 'http://x', 'x$(id)', 'a\nb', 'é.com', 'a`b`'])('rejects %j', (value) => {
    const err = rejection(parseHost, value);
    expect(err.message).toContain('e.g. --host 192.168.1.10');
  });
});

describe('parseLogLevel', () => {
  it.each(['debug', 'info', 'warn', 'error'])('accepts %s', (level) => {
    expect(parseLogLevel(level)).toBe(level);
  });

  it.each(['DEBUG', 'trace', '', 'warning'])('rejects %j listing the levels', (value) => {
    expect(rejection(parseLogLevel, value).message).toContain('debug, info, warn or error');
  });
});

describe('joinHostPort', () => {
  it.each<[string, number, string]>([
    ['127.0.0.1', 8000, '127.0.0.1:8000'],
    ['localhost', 0, 'localhost:0'],
    ['::1', 7001, '[::1]:7001'],
    ['fe80::1', 80, '[fe80::1]:80'],
    ['::', 65535, '[::]:65535'],
    ['[::1]', 7001, '[::1]:7001'],
  ])('%s + %i → %s', (host, port, expected) => {
    expect(joinHostPort(host, port)).toBe(expected);
  });

  it('round-trips through URL parsing', () => {
    for (const host of ['127.0.0.1', '::1', 'example.com']) {
      const url = new URL(`ws://${joinHostPort(host, 7001)}`);
      expect(url.port).toBe('7001');
    }
  });
});

describe('parseStore', () => {
  it('takes sqlite (the default) and postgres URLs without a password', () => {
    expect(parseStore('sqlite')).toBeUndefined();
    expect(parseStore('postgres://wp@db.lan:5432/watchparty')).toBe('postgres://wp@db.lan:5432/watchparty');
    expect(parseStore('postgresql://127.0.0.1/wp')).toBe('postgresql://127.0.0.1/wp');
  });

  it('refuses anything else, and a password unless it comes from the environment, never repeating it', () => {
    expect(() => parseStore('mysql://db/x')).toThrow(/must be sqlite or a postgres:\/\/ URL/);
    expect(() => parseStore('db:s3cret@lan')).toThrow(/not a URL|must be sqlite/);
    expect(() => parseStore('postgres://wp@db/x?password=s3cret')).toThrow(/holds a password/);
    const refusal = (() => {
      try {
        parseStore('postgres://wp:s3cret@db/x');
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(refusal?.message).toMatch(/holds a password/);
    expect(JSON.stringify({ m: refusal?.message, h: (refusal as { hint?: string }).hint })).not.toContain('s3cret');
    expect(parseStore('postgres://wp:s3cret@db/x', true)).toBe('postgres://wp:s3cret@db/x');
  });
});

describe('describeStore', () => {
  it('masks a password wherever the URL holds one', () => {
    expect(describeStore('postgres://wp:s3cret@db:5432/x')).toBe('postgres://wp:***@db:5432/x');
    expect(describeStore('postgres://wp@db/x?password=s3cret&sslmode=require')).toBe('postgres://wp@db/x?password=***&sslmode=require');
    expect(describeStore('not a url s3cret')).not.toContain('s3cret');
  });
});
