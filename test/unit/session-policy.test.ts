import { describe, expect, it } from 'vitest';
import { isExpired, parseLifetime, policyFor, SESSION_POLICY, shouldTouch, sweepEveryMs, toEvictBeforeAdding, type SessionPolicy } from '../../src/roles/shared/session-policy.js';

const P: SessionPolicy = { idleExpiryMs: 1000, maxPerUser: 3, touchEveryMs: 100 };

describe('isExpired / shouldTouch', () => {
  it.each([
    { last: 0, now: 999, expired: false, touch: true },
    { last: 0, now: 1000, expired: true, touch: true },
    { last: 950, now: 1000, expired: false, touch: false },
    { last: 900, now: 1000, expired: false, touch: true },
  ])('last use $last, now $now → expired $expired, touch $touch', ({ last, now, expired, touch }) => {
    expect(isExpired(last, now, P)).toBe(expired);
    expect(shouldTouch(last, now, P)).toBe(touch);
  });

  it('defaults to 30 days of idleness and 10 sessions per user', () => {
    expect(SESSION_POLICY.idleExpiryMs).toBe(30 * 24 * 3600 * 1000);
    expect(SESSION_POLICY.maxPerUser).toBe(10);
  });
});

describe('toEvictBeforeAdding', () => {
  it.each([
    { why: 'room for one more', sessions: [{ id: 'a', lastUsedMs: 500 }], now: 600, out: [] },
    { why: 'at the cap: the least recently used goes', sessions: [{ id: 'a', lastUsedMs: 500 }, { id: 'b', lastUsedMs: 100 }, { id: 'c', lastUsedMs: 300 }], now: 600, out: ['b'] },
    { why: 'expired ones go first and make room', sessions: [{ id: 'a', lastUsedMs: 500 }, { id: 'b', lastUsedMs: 0 }, { id: 'c', lastUsedMs: 300 }], now: 1200, out: ['b'] },
    { why: 'over the cap (policy lowered): enough go to fit one more', sessions: [1, 2, 3, 4, 5].map((n) => ({ id: `s${n}`, lastUsedMs: 100 * n })), now: 600, out: ['s1', 's2', 's3'] },
    { why: 'ties are broken by id', sessions: [{ id: 'z', lastUsedMs: 1 }, { id: 'y', lastUsedMs: 1 }, { id: 'x', lastUsedMs: 1 }], now: 2, out: ['x'] },
  ])('$why', ({ sessions, now, out }) => {
    expect(toEvictBeforeAdding(sessions, now, P)).toEqual(out);
  });
});

describe('parseLifetime', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    [' 7d ', 7 * 86_400_000],
    ['0d', undefined],
    ['30', undefined],
    ['-1d', undefined],
    ['45s', 45_000],
    ['1w', undefined],
    ['1.5d', undefined],
    ['9999999d', undefined],
  ])('%j → %s', (text, ms) => {
    expect(parseLifetime(text)).toBe(ms);
  });
});

describe('policyFor / sweepEveryMs', () => {
  it.each([
    { lifetime: 30 * 86_400_000, touch: 60_000, sweep: 60_000 },
    { lifetime: 60_000, touch: 6000, sweep: 15_000 },
    { lifetime: 3000, touch: 300, sweep: 750 },
    { lifetime: 500, touch: 100, sweep: 250 },
  ])('lifetime $lifetime ms → touch every $touch ms, sweep every $sweep ms', ({ lifetime, touch, sweep }) => {
    const p = policyFor(lifetime);
    expect(p).toMatchObject({ idleExpiryMs: lifetime, touchEveryMs: touch, maxPerUser: 10 });
    expect(sweepEveryMs(p)).toBe(sweep);
  });
});
