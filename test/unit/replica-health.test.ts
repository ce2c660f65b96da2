import { describe, expect, it } from 'vitest';
import { mayRetry, recordFailure, REPLICA_HEALTH, sampleDue, type Failing, type ReplicaHealthPolicy } from '../../src/roles/sub/replica-health.js';

const POLICY: ReplicaHealthPolicy = { ...REPLICA_HEALTH, retry: { baseMs: 1000, maxMs: 8000, jitter: 0.2 }, remindEveryMs: 60_000 };
const noJitter = () => 0;

describe('recordFailure', () => {
  it('backs off exponentially up to the cap and logs only the first failure of an episode', () => {
    let state: Failing | undefined;
    let now = 0;
    const seen: { delayMs: number; log: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const r = recordFailure(state, now, POLICY, noJitter);
      seen.push({ delayMs: r.delayMs, log: r.log });
      state = r.state;
      expect(state.retryAtMs).toBe(now + r.delayMs);
      now = state.retryAtMs;
    }
    expect(seen.map((s) => s.delayMs)).toEqual([1000, 2000, 4000, 8000, 8000, 8000, 8000]);
    expect(seen.map((s) => s.log)).toEqual(['first', 'quiet', 'quiet', 'quiet', 'quiet', 'quiet', 'quiet']);
    expect(state).toMatchObject({ failures: 7, sinceMs: 0, loggedAtMs: 0 });
  });

  it.each([
    { name: 'before the reminder period: quiet', lastLogMs: 0, nowMs: 59_999, log: 'quiet', loggedAtMs: 0 },
    { name: 'at the reminder period: one reminder', lastLogMs: 0, nowMs: 60_000, log: 'reminder', loggedAtMs: 60_000 },
    { name: 'after a reminder the clock restarts', lastLogMs: 60_000, nowMs: 100_000, log: 'quiet', loggedAtMs: 60_000 },
  ])('$name', ({ lastLogMs, nowMs, log, loggedAtMs }) => {
    const prev: Failing = { failures: 3, sinceMs: 0, retryAtMs: nowMs, loggedAtMs: lastLogMs };
    const r = recordFailure(prev, nowMs, POLICY, noJitter);
    expect(r.log).toBe(log);
    expect(r.state.loggedAtMs).toBe(loggedAtMs);
    expect(r.state.sinceMs).toBe(0);
  });

  it('jitter only shortens the delay, by at most its share', () => {
    expect(recordFailure(undefined, 0, POLICY, () => 1).delayMs).toBe(800);
    expect(recordFailure(undefined, 0, POLICY, () => 0.5).delayMs).toBe(900);
  });

  it('bounds the number of tries in a minute of a full disk (the tight-loop bug)', () => {
    let state: Failing | undefined;
    let tries = 0;
    for (let now = 0; now < 60_000; now = state.retryAtMs) {
      state = recordFailure(state, now, REPLICA_HEALTH, noJitter).state;
      tries += 1;
    }
    expect(tries).toBeLessThanOrEqual(6); // 1+2+4+8+16+32 s
  });
});

describe('mayRetry', () => {
  it.each([
    [undefined, 0, true],
    [{ failures: 1, sinceMs: 0, retryAtMs: 1000, loggedAtMs: 0 }, 999, false],
    [{ failures: 1, sinceMs: 0, retryAtMs: 1000, loggedAtMs: 0 }, 1000, true],
  ])('%o at %i → %s', (state, now, ok) => {
    expect(mayRetry(state, now)).toBe(ok);
  });
});

describe('sampleDue', () => {
  const P: ReplicaHealthPolicy = { ...REPLICA_HEALTH, sampleShare: 0.1, sampleAfterMs: 1000 };
  it.each([
    { name: 'never checked, dice say yes', last: undefined, now: 0, dice: 0.05, due: true },
    { name: 'never checked, dice say no', last: undefined, now: 0, dice: 0.1, due: false },
    { name: 'checked recently: never', last: 500, now: 1499, dice: 0, due: false },
    { name: 'checked long ago, dice say yes', last: 500, now: 1500, dice: 0.09, due: true },
  ])('$name', ({ last, now, dice, due }) => {
    expect(sampleDue(last, now, P, () => dice)).toBe(due);
  });
});
