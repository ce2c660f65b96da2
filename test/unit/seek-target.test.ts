import { describe, expect, it } from 'vitest';
import { parseSeekTarget, seekPositionMs } from '../../src/roles/client/seek-target.js';
import { thrown } from '../helpers/thrown.js';

describe('parseSeekTarget', () => {
  it.each([
    ['90', { kind: 'absolute', positionMs: 90_000 }],
    ['12.5', { kind: 'absolute', positionMs: 12_500 }],
    ['0', { kind: 'absolute', positionMs: 0 }],
    ['1:30', { kind: 'absolute', positionMs: 90_000 }],
    ['1:02:03', { kind: 'absolute', positionMs: 3_723_000 }],
    ['0:05.25', { kind: 'absolute', positionMs: 5_250 }],
    ['+10', { kind: 'relative', deltaMs: 10_000 }],
    ['-5', { kind: 'relative', deltaMs: -5_000 }],
    ['-1:00', { kind: 'relative', deltaMs: -60_000 }],
    [' 7 ', { kind: 'absolute', positionMs: 7_000 }],
  ])('%j is %j', (text, target) => {
    expect(parseSeekTarget(text)).toEqual(target);
  });

  it.each(['', 'abc', '--5', '+-5', '1:60', '1:60:00', '1::2', '5s', '1e3', ':30', '1:', 'Infinity'])('%j is refused as BAD_INPUT (exit 2)', (text) => {
    const err = thrown(() => parseSeekTarget(text));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`"${text}" is not a time`);
  });
});

describe('seekPositionMs', () => {
  it.each([
    [{ kind: 'absolute', positionMs: 90_000 } as const, 10_000, 120_000, 90_000],
    [{ kind: 'absolute', positionMs: 500_000 } as const, 10_000, 120_000, 120_000],
    [{ kind: 'relative', deltaMs: -5_000 } as const, 30_000, 120_000, 25_000],
    [{ kind: 'relative', deltaMs: -5_000 } as const, 3_000, 120_000, 0],
    [{ kind: 'relative', deltaMs: 10_000 } as const, 115_000, 120_000, 120_000],
    [{ kind: 'relative', deltaMs: 10_000 } as const, 115_000, 0, 125_000],
  ])('%j from %d in a %d ms video lands at %d', (target, now, duration, want) => {
    expect(seekPositionMs(target, now, duration)).toBe(want);
  });
});
