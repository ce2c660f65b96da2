import { describe, expect, it } from 'vitest';
import { ByteBudget, spendMessage, type Allowance } from '../../src/net/flow.js';

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
