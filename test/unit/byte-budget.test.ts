import { describe, expect, it } from 'vitest';
import { ByteBudget, shouldPause, spendBytes, spendMessage, UNTRUSTED_LIMITS, UPLOADER_MEMORY_MS, type Allowance, type ByteAllowance, type GateState } from '../../src/net/flow.js';

describe('ByteBudget', () => {
  it('is over only past its limit, and wakes every waiter when a release brings it back under', () => {
    const b = new ByteBudget(10);
    const woken: string[] = [];
    const offA = b.onRelease(() => woken.push('a'));
    b.onRelease(() => woken.push('b'));
    b.take(10);
    expect(b.over).toBe(false);
    b.take(1);
    expect(b.over).toBe(true);
    b.release(0);
    expect(woken).toEqual([]);
    b.release(1);
    expect(woken).toEqual(['a', 'b']);
    offA();
    b.take(5);
    b.release(5);
    expect(woken).toEqual(['a', 'b', 'b']);
    expect(b.used).toBe(10);
  });
});

describe('spendMessage', () => {
  /** Spend one message at each time, threading the allowance; the verdicts. */
  const run = (at: number[], rate: number) => {
    let a: Allowance | undefined;
    return at.map((t) => {
      const r = spendMessage(a, t, rate);
      a = r.allowance;
      return r.verdict === 'pause' ? `pause ${r.resumeAfterMs}` : r.verdict;
    });
  };

  it.each([
    { why: 'a new connection has half a second of allowance', at: [0, 0, 0, 0, 0], rate: 10, out: ['ok', 'ok', 'ok', 'ok', 'ok'] },
    { why: 'then it pauses until a tenth of a second is back', at: [0, 0, 0, 0, 0, 0], rate: 10, out: ['ok', 'ok', 'ok', 'ok', 'ok', 'pause 200'] },
    { why: 'at the rate it never pauses', at: [0, 100, 200, 300, 400, 500, 600, 700], rate: 10, out: Array(8).fill('ok') },
    { why: 'a whole second past the allowance is a flood', at: Array(16).fill(0), rate: 10, out: [...Array(5).fill('ok'), ...[200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100].map((ms) => `pause ${ms}`), 'flood'] },
  ])('$why', ({ at, rate, out }) => {
    expect(run(at, rate)).toEqual(out);
  });
});

describe('shouldPause', () => {
  const idle: GateState = { refilling: false, bufferedAmount: 0, inFlight: 0, budgetOver: false, lastPayloadAtMs: undefined };
  const now = 100_000;
  it.each([
    { why: 'an idle connection reads', s: {}, out: false },
    { why: 'unread replies past the limit pause it', s: { bufferedAmount: UNTRUSTED_LIMITS.pauseAboveBytes! + 1 }, out: true },
    { why: 'replies at the limit do not', s: { bufferedAmount: UNTRUSTED_LIMITS.pauseAboveBytes! }, out: false },
    { why: 'a full set of requests in flight pauses it', s: { inFlight: UNTRUSTED_LIMITS.maxInFlight! }, out: true },
    { why: 'a refilling allowance pauses it', s: { refilling: true }, out: true },
    { why: 'an over budget does not pause a connection that never sent a payload', s: { budgetOver: true }, out: false },
    { why: 'an over budget pauses a connection that just sent one', s: { budgetOver: true, lastPayloadAtMs: now - 10 }, out: true },
    { why: 'an uploader that went quiet long enough reads again', s: { budgetOver: true, lastPayloadAtMs: now - UPLOADER_MEMORY_MS }, out: false },
    { why: 'an uploader reads while the budget is under', s: { lastPayloadAtMs: now - 10 }, out: false },
  ])('$why', ({ s, out }) => {
    expect(shouldPause({ ...idle, ...s }, UNTRUSTED_LIMITS, now)).toBe(out);
  });

  it('never pauses for limits that are off', () => {
    const off = { ...UNTRUSTED_LIMITS, pauseAboveBytes: null, maxInFlight: null };
    expect(shouldPause({ ...idle, bufferedAmount: 1e9, inFlight: 1e6 }, off, now)).toBe(false);
  });
});

describe('spendBytes', () => {
  /** Spend `bytes` at each time, threading the allowance; the waits. */
  const run = (steps: [number, number][], rate: number) => {
    let a: ByteAllowance | undefined;
    return steps.map(([t, bytes]) => {
      const r = spendBytes(a, t, rate, bytes);
      a = r.allowance;
      return r.waitMs;
    });
  };
  it.each([
    { why: 'a fresh allowance holds half a second', steps: [[0, 500]], rate: 1000, out: [0] },
    { why: 'past it the debt is repaid at the rate', steps: [[0, 500], [0, 250]], rate: 1000, out: [0, 250] },
    { why: 'one chunk larger than the burst is read, then owed', steps: [[0, 2000]], rate: 1000, out: [1500] },
    { why: 'at the rate nothing is ever owed', steps: [[0, 500], [100, 100], [200, 100], [300, 100]], rate: 1000, out: [0, 0, 0, 0] },
    { why: 'idle time refills no more than the burst', steps: [[0, 500], [10_000, 600]], rate: 1000, out: [0, 100] },
  ] as { why: string; steps: [number, number][]; rate: number; out: number[] }[])('$why', ({ steps, rate, out }) => {
    expect(run(steps, rate)).toEqual(out);
  });
});

describe('ByteBudget with a rate', () => {
  it('is over while its readers owe bytes, and a timer wakes the waiters when the debt is repaid', async () => {
    let now = 0;
    const b = new ByteBudget(1_000_000, 1000, () => now);
    let woken = 0;
    b.onRelease(() => (woken += 1));
    b.take(400);
    expect(b.over).toBe(false);
    b.take(200);
    expect(b.over).toBe(true);
    b.release(600); // bytes done, but the rate is still owed: nobody is woken early
    expect(woken).toBe(0);
    now = 100;
    await expect.poll(() => woken, { timeout: 2000, interval: 5 }).toBe(1);
    expect(b.over).toBe(false);
  });
});
