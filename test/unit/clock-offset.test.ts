import { describe, expect, it } from 'vitest';
import { addSample, bestOffset, CLOCK, emptyEstimate, type ClockEstimate } from '../../src/player/clock-offset.js';

/** One exchange: local send t0, central's reading, local receive t3. */
type Exchange = [t0: number, centralMs: number, t3: number];

function estimate(exchanges: Exchange[]): ClockEstimate {
  return exchanges.reduce((est, [t0, c, t3]) => addSample(est, t0, c, t3), emptyEstimate());
}

describe('addSample', () => {
  // Central is `offset` ahead; the request takes `up` ms and the reply `down` ms.
  it.each<[string, number, number, number, number, number]>([
    // what, offset, t0, up, down, expected offset
    ['central ahead, symmetric delays', 5000, 1000, 20, 20, 5000],
    ['central behind, symmetric delays', -7250, 1000, 35, 35, -7250],
    ['same clock, symmetric delays', 0, 1000, 3, 3, 0],
    ['zero round trip', 123, 1000, 0, 0, 123],
    // Asymmetric delays bias the estimate by half the difference: the reason to prefer low RTTs.
    ['slow request', 5000, 1000, 80, 20, 5030],
    ['slow reply', 5000, 1000, 20, 80, 4970],
  ])('%s', (_what, offset, t0, up, down, expected) => {
    const centralMs = t0 + up + offset;
    const t3 = t0 + up + down;
    const est = addSample(emptyEstimate(), t0, centralMs, t3);
    expect(est.samples).toEqual([{ offsetMs: expected, rttMs: up + down, atMs: t3 }]);
  });

  it('a receive time before the send time gives an RTT of 0, not a negative one', () => {
    expect(addSample(emptyEstimate(), 1000, 6000, 990).samples[0]!.rttMs).toBe(0);
  });

  it('does not change the estimate it is given', () => {
    const before = estimate([[0, 5010, 20]]);
    const copy = structuredClone(before);
    addSample(before, 100, 5110, 120);
    expect(before).toEqual(copy);
  });
});

describe('bestOffset', () => {
  it('is undefined before any sample', () => {
    expect(bestOffset(emptyEstimate())).toBeUndefined();
  });

  it.each<[string, Exchange[], number, number]>([
    // what, exchanges (central = local + 5000 throughout), expected offset, expected rtt
    ['one sample', [[0, 5010, 20]], 5000, 20],
    [
      'the lowest-RTT sample wins over wildly wrong ones',
      [
        [0, 5900, 1000], // rtt 1000, offset 5400
        [2000, 7010, 2020], // rtt 20, offset 5000 (the good one)
        [3000, 7000, 3900], // rtt 900, offset 3550
        [4000, 9700, 4500], // rtt 500, offset 5450
      ],
      5000,
      20,
    ],
    [
      'the lowest-RTT sample wins even when it is the oldest',
      [
        [0, 5002, 4], // rtt 4
        [100, 6000, 400], // rtt 300, offset 5750
        [1000, 5500, 1600], // rtt 600, offset 4200
      ],
      5000,
      4,
    ],
    [
      'the lowest-RTT sample wins when it is the newest',
      [
        [100, 6000, 400],
        [1000, 5500, 1600],
        [2000, 7001, 2002], // rtt 2
      ],
      5000,
      2,
    ],
    [
      'on a tie, the earlier sample is kept',
      [
        [0, 5010, 20], // rtt 20, offset 5000
        [100, 5200, 120], // rtt 20, offset 5090
      ],
      5000,
      20,
    ],
  ])('%s', (_what, exchanges, offsetMs, rttMs) => {
    expect(bestOffset(estimate(exchanges))).toMatchObject({ offsetMs, rttMs });
  });
});

describe('the sample window', () => {
  it('keeps only the newest CLOCK.windowSize samples', () => {
    expect(CLOCK.windowSize).toBe(16);
    // Sample i is taken at t3 = 1000 i + 10 with RTT 10 + i: the oldest ones are the best.
    const exchanges: Exchange[] = Array.from({ length: 20 }, (_, i) => [1000 * i, 1000 * i + 5000 + i, 1000 * i + 10 + i]);
    const est = estimate(exchanges);
    expect(est.samples).toHaveLength(16);
    expect(est.samples.map((s) => s.rttMs)).toEqual(Array.from({ length: 16 }, (_, i) => 14 + i));
    // Samples 0-3 (RTT 10-13) fell out of the window, so the best is sample 4.
    expect(bestOffset(est)?.rttMs).toBe(14);
  });

  it.each<[string, number, number[]]>([
    // what, age of the first (RTT 2) sample when the second (RTT 50) arrives, RTTs kept
    ['a sample exactly maxAgeMs old is kept', CLOCK.maxAgeMs, [2, 50]],
    ['a sample 1 ms older than maxAgeMs is dropped', CLOCK.maxAgeMs + 1, [50]],
    ['a much older sample is dropped', 10 * CLOCK.maxAgeMs, [50]],
  ])('%s', (_what, ageMs, rtts) => {
    expect(CLOCK.maxAgeMs).toBe(300_000);
    const first: Exchange = [0, 5001, 2]; // t3 = 2
    const t3 = 2 + ageMs;
    const second: Exchange = [t3 - 50, t3 - 25 + 5000, t3];
    const est = estimate([first, second]);
    expect(est.samples.map((s) => s.rttMs)).toEqual(rtts);
    expect(bestOffset(est)?.rttMs).toBe(rtts[0]);
  });
});
