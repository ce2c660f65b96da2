import { describe, expect, it } from 'vitest';
import { isFull, level, QuotaBook, QUOTAS, scaled, take, type Bucket, type QuotaPolicy } from '../../src/roles/shared/quota.js';

const P: QuotaPolicy = { burst: 3, refillMs: 1000 };

/** Spend one token at each time in `at`, threading the bucket; the outcome of each attempt. */
function run(at: number[], policy = P): (true | number)[] {
  let bucket: Bucket | undefined;
  return at.map((t) => {
    const r = take(bucket, t, policy);
    if (r.ok) {
      bucket = r.bucket;
      return true;
    }
    return r.retryAfterMs;
  });
}

describe('take', () => {
  it.each([
    { why: 'a burst fits, the next waits one refill', at: [0, 0, 0, 0], out: [true, true, true, 1000] },
    { why: 'a token comes back after refillMs', at: [0, 0, 0, 1000], out: [true, true, true, true] },
    { why: 'part of a refill shortens the wait', at: [0, 0, 0, 400], out: [true, true, true, 600] },
    { why: 'a long pause refills only up to the burst', at: [0, 0, 0, 60_000, 60_000, 60_000, 60_000], out: [true, true, true, true, true, true, 1000] },
    { why: 'one action per refill never runs dry', at: [0, 1000, 2000, 3000, 4000, 5000], out: [true, true, true, true, true, true] },
  ])('$why', ({ at, out }) => {
    expect(run(at)).toEqual(out);
  });

  it('a cost above the burst never fits', () => {
    expect(take(undefined, 0, P, 4)).toEqual({ ok: false, retryAfterMs: Infinity });
  });

  it('a cost is taken whole or not at all', () => {
    const r = take(undefined, 0, P, 2);
    expect(r).toEqual({ ok: true, bucket: { tokens: 1, atMs: 0 } });
    const again = take(r.ok ? r.bucket : undefined, 0, P, 2);
    expect(again).toEqual({ ok: false, retryAfterMs: 1000 });
  });

  it('a clock that goes backwards refills nothing', () => {
    expect(level({ tokens: 0, atMs: 5000 }, 1000, P)).toBe(0);
  });
});

describe('scaled', () => {
  it.each([
    { scale: 1, burst: 3, refillMs: 1000 },
    { scale: 100, burst: 300, refillMs: 10 },
    { scale: 0.1, burst: 1, refillMs: 10_000 },
    { scale: 0, burst: 3, refillMs: 1000 },
    { scale: Number.NaN, burst: 3, refillMs: 1000 },
  ])('scale $scale → burst $burst every $refillMs ms', ({ scale, burst, refillMs }) => {
    expect(scaled(P, scale)).toEqual({ burst, refillMs });
  });
});

describe('isFull', () => {
  it('is full once enough time passed to refill every token', () => {
    expect(isFull({ tokens: 1, atMs: 0 }, 1999, P)).toBe(false);
    expect(isFull({ tokens: 1, atMs: 0 }, 2000, P)).toBe(true);
  });
});

describe('QUOTAS', () => {
  it('lets a household of twenty register together and log in a few times each without waiting', () => {
    expect(run(Array(20).fill(0), QUOTAS.register).every((r) => r === true)).toBe(true);
    expect(run(Array(30).fill(0), QUOTAS.login).every((r) => r === true)).toBe(true);
  });
});

describe('QuotaBook', () => {
  it('keeps keys apart: one address running dry leaves another untouched', () => {
    const book = new QuotaBook();
    for (let i = 0; i < 20; i++) expect(book.take('register', '10.0.0.1', 0)).toBe(0);
    expect(book.take('register', '10.0.0.1', 0)).toBe(QUOTAS.register.refillMs);
    expect(book.take('register', '10.0.0.2', 0)).toBe(0);
  });

  it('scale raises every allowance', () => {
    const book = new QuotaBook(10);
    for (let i = 0; i < 200; i++) expect(book.take('register', 'a', 0)).toBe(0);
    expect(book.take('register', 'a', 0)).toBeGreaterThan(0);
  });

  it('never holds more than maxKeys buckets, however many addresses come', () => {
    const book = new QuotaBook(1, 100);
    for (let i = 0; i < 10_000; i++) book.take('login', `10.0.${i >> 8}.${i & 255}`, i);
    expect(book.size).toBeLessThanOrEqual(100);
  });
});
