import { describe, expect, it } from 'vitest';
import { mayActFor, startMove, MOVE_GRACE_MS } from '../../src/roles/shared/assignment.js';

describe('mayActFor', () => {
  const move = { fromSubId: 'sub-1', untilMs: 10_000 };
  it.each([
    ['the assigned sub', 'sub-2', undefined, 'sub-2', 0, true],
    ['another sub', 'sub-2', undefined, 'sub-3', 0, false],
    ['a sub when the user has none', null, undefined, 'sub-1', 0, false],
    ['the old sub during the move', 'sub-2', move, 'sub-1', 9_999, true],
    ['the old sub once the move is over', 'sub-2', move, 'sub-1', 10_000, false],
    ['a third sub during the move', 'sub-2', move, 'sub-3', 5_000, false],
    ['the new sub during the move', 'sub-2', move, 'sub-2', 5_000, true],
  ] as const)('%s', (_why, assigned, m, sub, now, expected) => {
    expect(mayActFor(assigned, m, sub, now)).toBe(expected);
  });
});

describe('startMove', () => {
  it('records where the user came from, for the grace period', () => {
    expect(startMove('sub-1', 'sub-2', 1000)).toEqual({ fromSubId: 'sub-1', untilMs: 1000 + MOVE_GRACE_MS });
  });
  it.each([
    ['from nowhere', null, 'sub-2'],
    ['to the same sub', 'sub-2', 'sub-2'],
  ] as const)('records nothing %s', (_why, from, to) => {
    expect(startMove(from, to, 1000)).toBeUndefined();
  });
});
