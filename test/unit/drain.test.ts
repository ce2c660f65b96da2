/** A sub's drain: serving → draining → drained, on its clients and the clock. */
import { describe, expect, it } from 'vitest';
import { checkDrain, DRAIN_LINGER_MS, drainText, startDrain, type DrainState } from '../../src/roles/shared/drain.js';

const serving: DrainState = { kind: 'serving' };

describe('startDrain', () => {
  it('moves the clients when there is another sub, and sets the deadline', () => {
    const { state, action } = startDrain(serving, { nowMs: 1000, timeoutMs: 60_000, otherSubs: 2, clients: 3 });
    expect(state).toEqual({ kind: 'draining', sinceMs: 1000, deadlineMs: 61_000, otherSubs: 2, clientsAtStart: 3 });
    expect(action).toEqual({ kind: 'move', otherSubs: 2 });
  });

  it('with nowhere to go, moves nobody and waits for the deadline', () => {
    expect(startDrain(serving, { nowMs: 0, timeoutMs: 5000, otherSubs: 0, clients: 2 }).action).toEqual({ kind: 'none' });
  });

  it('asked again: the earlier deadline wins, and a drained sub stays drained', () => {
    const first = startDrain(serving, { nowMs: 0, timeoutMs: 10_000, otherSubs: 1, clients: 1 }).state;
    expect(startDrain(first, { nowMs: 1000, timeoutMs: 60_000, otherSubs: 1, clients: 1 }).state).toMatchObject({ sinceMs: 0, deadlineMs: 10_000 });
    const drained: DrainState = { kind: 'drained', atMs: 5, why: 'empty', left: 0 };
    expect(startDrain(drained, { nowMs: 9, timeoutMs: 1000, otherSubs: 1, clients: 0 })).toEqual({ state: drained, action: { kind: 'none' } });
  });
});

describe('checkDrain', () => {
  const draining = startDrain(serving, { nowMs: 0, timeoutMs: 60_000, otherSubs: 1, clients: 4 }).state;
  it.each([
    ['clients left before the deadline: wait', 10_000, 2, { kind: 'none' }],
    ['nobody left at the deadline: finished, empty', 60_000, 0, { kind: 'finish', why: 'empty', left: 0 }],
    ['the deadline with clients left: finished, they are told to go', 60_000, 2, { kind: 'finish', why: 'deadline', left: 2 }],
  ])('%s', (_name, nowMs, clients, action) => {
    expect(checkDrain(draining, { nowMs, clients }).action).toEqual(action);
  });

  it("empty: finished only after the linger (the last players' streams move meanwhile); a client back resets it", () => {
    const first = checkDrain(draining, { nowMs: 10_000, clients: 0 });
    expect(first.action).toEqual({ kind: 'none' });
    expect(checkDrain(first.state, { nowMs: 10_000 + DRAIN_LINGER_MS - 1, clients: 0 }).action).toEqual({ kind: 'none' });
    expect(checkDrain(first.state, { nowMs: 10_000 + DRAIN_LINGER_MS, clients: 0 }).action).toEqual({ kind: 'finish', why: 'empty', left: 0 });
    const back = checkDrain(first.state, { nowMs: 11_000, clients: 1 }).state;
    expect(checkDrain(back, { nowMs: 12_500, clients: 0 }).action).toEqual({ kind: 'none' });
  });

  it('a sub that is not draining does nothing', () => {
    expect(checkDrain(serving, { nowMs: 0, clients: 0 })).toEqual({ state: serving, action: { kind: 'none' } });
  });
});

describe('drainText', () => {
  it.each([
    [startDrain(serving, { nowMs: 0, timeoutMs: 60_000, otherSubs: 1, clients: 7 }).state, 3, 18_000, 'draining: 3 of 7 clients left, 42 s to go'],
    [startDrain(serving, { nowMs: 0, timeoutMs: 60_000, otherSubs: 0, clients: 1 }).state, 1, 0, 'draining: no other sub to move 1 client to; stopping in 60 s'],
    [{ kind: 'drained', atMs: 0, why: 'deadline', left: 2 } as DrainState, 0, 0, 'drained at the deadline: 2 clients told to go'],
  ])('%#', (state, clients, nowMs, text) => {
    expect(drainText(state, clients, nowMs)).toBe(text);
  });
});
