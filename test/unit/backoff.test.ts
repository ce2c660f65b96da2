import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_BACKOFF, type BackoffPolicy } from '../../src/net/backoff.js';

const POLICY: BackoffPolicy = { baseMs: 100, maxMs: 1000, jitter: 0.2 };
const never = () => 0; // no jitter taken off
const always = () => 1; // the whole jitter taken off

describe('backoffMs', () => {
  it.each([
    // attempt, random 0 (full delay), random 1 (delay minus the jitter fraction)
    [0, 100, 80],
    [1, 200, 160],
    [2, 400, 320],
    [3, 800, 640],
    [4, 1000, 800], // 1600 capped at maxMs
    [5, 1000, 800],
    [30, 1000, 800],
    [31, 1000, 800],
    [1000, 1000, 800],
  ])('attempt %i → %i ms with random 0, %i ms with random 1', (attempt, full, jittered) => {
    expect(backoffMs(attempt, POLICY, never)).toBe(full);
    expect(backoffMs(attempt, POLICY, always)).toBe(jittered);
  });

  it.each([
    [0, 250, 200],
    [1, 500, 400],
    [2, 1000, 800],
    [3, 2000, 1600],
    [4, 4000, 3200],
    [5, 5000, 4000],
    [6, 5000, 4000],
    [1000, 5000, 4000],
  ])('default policy: attempt %i → %i / %i ms', (attempt, full, jittered) => {
    expect(backoffMs(attempt, DEFAULT_BACKOFF, never)).toBe(full);
    expect(backoffMs(attempt, DEFAULT_BACKOFF, always)).toBe(jittered);
  });

  it('random 0.5 takes half the jitter off', () => {
    expect(backoffMs(2, POLICY, () => 0.5)).toBe(360);
  });

  it('stays within [(1 - jitter)·delay, delay] for any random value and attempt', () => {
    const randoms = [0, 0.001, 0.25, 0.5, 0.75, 0.999, 1];
    for (let attempt = 0; attempt <= 1100; attempt += attempt < 40 ? 1 : 97) {
      const delay = Math.min(POLICY.maxMs, POLICY.baseMs * 2 ** attempt);
      for (const r of randoms) {
        const ms = backoffMs(attempt, POLICY, () => r);
        expect(Number.isFinite(ms), `attempt ${attempt}`).toBe(true);
        expect(ms, `attempt ${attempt} random ${r}`).toBeGreaterThanOrEqual(Math.floor((1 - POLICY.jitter) * delay));
        expect(ms, `attempt ${attempt} random ${r}`).toBeLessThanOrEqual(delay);
      }
    }
  });

  it('never decreases as attempts grow (same random)', () => {
    for (const r of [0, 0.5, 1]) {
      let prev = 0;
      for (let attempt = 0; attempt < 60; attempt++) {
        const ms = backoffMs(attempt, POLICY, () => r);
        expect(ms).toBeGreaterThanOrEqual(prev);
        prev = ms;
      }
    }
  });

  it('returns whole milliseconds', () => {
    expect(backoffMs(0, { baseMs: 3, maxMs: 100, jitter: 0.5 }, () => 0.3)).toBe(3); // 3 - 0.45 = 2.55 → 3
    expect(backoffMs(0, { baseMs: 3, maxMs: 100, jitter: 0.5 }, () => 1)).toBe(2); // 1.5 → 2
  });

  it('jitter 0 gives the exact schedule whatever random returns', () => {
    const p: BackoffPolicy = { baseMs: 10, maxMs: 50, jitter: 0 };
    expect([0, 1, 2, 3, 4].map((a) => backoffMs(a, p, () => 0.7))).toEqual([10, 20, 40, 50, 50]);
  });
});
