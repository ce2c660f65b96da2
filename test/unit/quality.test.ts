import { describe, expect, it } from 'vitest';
import { initialQuality, newQualityState, nextQuality, QUALITY, type QualityInput, type QualityOption, type QualityState } from '../../src/player/quality.js';

const OPTIONS: QualityOption[] = [
  { id: '240p', bps: 400_000 },
  { id: 'source', bps: 6_000_000 },
  { id: '720p', bps: 2_600_000 },
  { id: '480p', bps: 1_300_000 },
];
const ok = (over: Partial<QualityInput> = {}): QualityInput => ({ stalled: false, bufferedMs: 20_000, eof: false, rateBps: undefined, ...over });

/** Run the rule over `steps` (one input per second from t0), collecting the switches. */
function run(state: QualityState, steps: QualityInput[], t0: number): { state: QualityState; switches: [number, string][] } {
  const switches: [number, string][] = [];
  let s = state;
  steps.forEach((x, i) => {
    const r = nextQuality(s, OPTIONS, x, t0 + i * 1000);
    s = r.state;
    if (r.switchTo) switches.push([i, r.switchTo]);
  });
  return { state: s, switches };
}

describe('quality: where a member starts', () => {
  it.each([
    { name: 'asked for a rendition', wanted: '480p', rate: undefined, want: '480p' },
    { name: 'asked for one that does not exist: the source', wanted: '1080p', rate: undefined, want: 'source' },
    { name: 'auto, nothing known: the best', wanted: 'auto', rate: undefined, want: 'source' },
    { name: 'auto, a 3.5 Mbit/s link: 720p (2.6 with headroom)', wanted: 'auto', rate: 3_500_000, want: '720p' },
    { name: 'auto, a 1 Mbit/s link: 240p', wanted: 'auto', rate: 1_000_000, want: '240p' },
    { name: 'auto, a link slower than anything: the lightest', wanted: 'auto', rate: 100_000, want: '240p' },
  ])('$name', ({ wanted, rate, want }) => {
    expect(initialQuality(OPTIONS, wanted, rate)).toBe(want);
  });
});

describe('quality: auto', () => {
  it('steps down to what the measured rate carries when the buffer runs dry on a slower link', () => {
    const { switches, state } = run(newQualityState('source', 0), [ok(), ok({ bufferedMs: 1500, rateBps: 1_800_000 })], 10_000);
    expect(switches).toEqual([[1, '480p']]);
    expect(state.holdUpUntilMs).toBe(11_000 + QUALITY.holdAfterDownMs);
  });

  it('a stall with no rate measured: one rung down at least (the lightest when nothing fits)', () => {
    expect(run(newQualityState('720p', 0), [ok({ stalled: true, bufferedMs: 0 })], 10_000).switches).toEqual([[0, '240p']]);
  });

  it('a short buffer on a link that keeps up is not a reason (a seek, a start)', () => {
    expect(run(newQualityState('720p', 0), [ok({ bufferedMs: 500, rateBps: 5_000_000 })], 10_000).switches).toEqual([]);
  });

  it('no two switches within the minimum gap', () => {
    const { switches } = run(newQualityState('source', 0), [ok({ stalled: true, bufferedMs: 0 }), ok({ stalled: true, bufferedMs: 0 }), ...Array(8).fill(ok({ stalled: true, bufferedMs: 0 }))], 10_000);
    expect(switches).toEqual([[0, '240p']]);
  });

  it('steps up one rung after a long healthy stretch, not before the hold ends', () => {
    const healthy = Array.from({ length: 95 }, () => ok({ rateBps: undefined }));
    const { switches } = run(newQualityState('240p', 0), healthy, 0);
    // Healthy from 0 s: up at 30 s; a switch starts the healthy stretch again (counted from the next look, 1 s on).
    expect(switches).toEqual([[30, '480p'], [61, '720p'], [92, 'source']]);
  });

  it('does not step up when the rate says the next rung would not fit', () => {
    const healthy = Array.from({ length: 40 }, () => ok({ rateBps: 2_000_000 }));
    expect(run(newQualityState('480p', 0), healthy, 0).switches).toEqual([]);
  });

  it('a step up that runs dry soon after: down again, and no new try for five minutes', () => {
    const up = run(newQualityState('480p', 0), Array.from({ length: 31 }, () => ok()), 0);
    expect(up.switches).toEqual([[30, '720p']]);
    const after = nextQuality(up.state, OPTIONS, ok({ stalled: true, bufferedMs: 0, rateBps: 1_700_000 }), 40_000);
    expect(after.switchTo).toBe('480p');
    expect(after.state.holdUpUntilMs).toBe(40_000 + QUALITY.holdAfterFailMs);
  });

  it('at the end of the file (all of it buffered) it never switches', () => {
    expect(run(newQualityState('source', 0), [ok({ eof: true, stalled: false, bufferedMs: 0, rateBps: 100 })], 10_000).switches).toEqual([]);
  });
});
