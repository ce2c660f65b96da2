import { describe, expect, it } from 'vitest';
import { LOGIN_LIMIT, recordFailure, waitBeforeAttemptMs, type FailureRecord } from '../../src/roles/shared/rate-limit.js';

const MIN = 60_000;

/** `n` failures, one every `gapMs`, the first at `startMs`. */
function failures(n: number, startMs = 0, gapMs = 0): FailureRecord | undefined {
  let rec: FailureRecord | undefined;
  for (let i = 0; i < n; i++) rec = recordFailure(rec, startMs + i * gapMs);
  return rec;
}

describe('login rate limit', () => {
  it('policy: 3 free failures, 1 s base, 60 s cap, forget after 15 min', () => {
    expect(LOGIN_LIMIT).toEqual({ freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 15 * MIN });
  });

  it('an unknown name may try at once', () => {
    expect(waitBeforeAttemptMs(undefined, 0)).toBe(0);
  });

  // Read as in rate-limit.ts's doc: "after freeFailures failed logins, each further attempt must wait".
  // So attempts 1-3 never wait; attempt 4 (after 3 failures) waits 1 s counted from the last failure, and so on.
  it.each([
    [1, 0],
    [2, 0],
    [3, 1000],
    [4, 2000],
    [5, 4000],
    [6, 8000],
    [7, 16_000],
    [8, 32_000],
    [9, 60_000], // 64 s capped
    [10, 60_000],
    [50, 60_000],
    [10_000, 60_000],
  ])('after %i failures at t=10000, the next attempt right away waits %i ms', (n, waitMs) => {
    const rec = failures(n, 10_000);
    expect(rec).toEqual({ failures: n, lastFailureMs: 10_000 });
    expect(waitBeforeAttemptMs(rec, 10_000)).toBe(waitMs);
  });

  it('the wait counts down from the last failure', () => {
    const rec = failures(4, 0, 100); // last failure at 300, delay 2000 → free at 2300
    expect(rec!.lastFailureMs).toBe(300);
    expect([300, 301, 1300, 2299, 2300, 2301, 50_000].map((t) => waitBeforeAttemptMs(rec, t))).toEqual([2000, 1999, 1000, 1, 0, 0, 0]);
  });

  it('the cap holds for huge failure counts (no Infinity or NaN)', () => {
    const rec: FailureRecord = { failures: 1_000_000, lastFailureMs: 0 };
    expect(waitBeforeAttemptMs(rec, 0)).toBe(60_000);
    expect(waitBeforeAttemptMs(rec, 59_999)).toBe(1);
  });

  it('failures are forgotten 15 min after the last one', () => {
    const rec = failures(20, 0); // capped at 60 s
    expect(waitBeforeAttemptMs(rec, 15 * MIN)).toBe(0); // the wait ran out long ago anyway
    const next = recordFailure(rec, 15 * MIN); // exactly 15 min: still remembered
    expect(next).toEqual({ failures: 21, lastFailureMs: 15 * MIN });
    const later = recordFailure(next, 30 * MIN + 1); // more than 15 min after the last: starts over
    expect(later).toEqual({ failures: 1, lastFailureMs: 30 * MIN + 1 });
    expect(waitBeforeAttemptMs(later, 30 * MIN + 1)).toBe(0);
  });

  it('a record older than forgetAfterMs imposes no wait even with a custom long delay', () => {
    const policy = { freeFailures: 0, baseDelayMs: 60 * MIN, maxDelayMs: 60 * MIN, forgetAfterMs: 15 * MIN };
    const rec: FailureRecord = { failures: 5, lastFailureMs: 0 };
    expect(waitBeforeAttemptMs(rec, 15 * MIN, policy)).toBe(45 * MIN);
    expect(waitBeforeAttemptMs(rec, 15 * MIN + 1, policy)).toBe(0);
  });

  it('one name\'s failures do not affect another name', () => {
    const records = new Map<string, FailureRecord>();
    for (let i = 0; i < 6; i++) records.set('alice', recordFailure(records.get('alice'), 1000));
    records.set('bob', recordFailure(records.get('bob'), 1000));
    expect(waitBeforeAttemptMs(records.get('alice'), 1000)).toBe(8000);
    expect(waitBeforeAttemptMs(records.get('bob'), 1000)).toBe(0);
    expect(waitBeforeAttemptMs(records.get('carol'), 1000)).toBe(0);
    expect(records.get('bob')).toEqual({ failures: 1, lastFailureMs: 1000 });
  });

  it('recordFailure does not mutate the record it is given', () => {
    const rec: FailureRecord = { failures: 2, lastFailureMs: 5 };
    recordFailure(rec, 10);
    expect(rec).toEqual({ failures: 2, lastFailureMs: 5 });
  });

  it('honours a custom policy', () => {
    const policy = { freeFailures: 1, baseDelayMs: 10, maxDelayMs: 35, forgetAfterMs: 1000 };
    let rec: FailureRecord | undefined;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      rec = recordFailure(rec, 0, policy);
      waits.push(waitBeforeAttemptMs(rec, 0, policy));
    }
    expect(waits).toEqual([10, 20, 35, 35, 35]);
  });
});
