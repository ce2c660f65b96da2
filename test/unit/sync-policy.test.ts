import { describe, expect, it } from 'vitest';
import { pausedNeedsSeek, planStart, steadyAction, SYNC, type SteadyAction } from '../../src/player/sync-policy.js';

const none: SteadyAction = { kind: 'none' };
const resync: SteadyAction = { kind: 'resync' };
const speed = (rate: number): SteadyAction => ({ kind: 'speed', rate });

describe('SYNC thresholds the tables below rely on', () => {
  it('are the documented values', () => {
    expect(SYNC).toMatchObject({ deadbandMs: 6, resyncIfOffByMs: 250, correctionWindowMs: 800, maxSpeedDelta: 0.08, minSpeedChange: 0.003, startLeadMs: 600, pausedToleranceMs: 15 });
  });
});

describe('steadyAction', () => {
  it.each<[string, number, number, SteadyAction]>([
    // what, error (local − expected, ms), current speed, action
    ['on time at speed 1', 0, 1, none],
    ['+6 ms (deadband edge) at speed 1', 6, 1, none],
    ['-6 ms (deadband edge) at speed 1', -6, 1, none],
    ['+7 ms just past the deadband', 7, 1, speed(0.991)], // 1 - 7/800 = 0.99125
    ['-7 ms just past the deadband', -7, 1, speed(1.009)],
    ['40 ms ahead slows down proportionally', 40, 1, speed(0.95)], // 1 - 40/800
    ['40 ms behind speeds up proportionally', -40, 1, speed(1.05)],
    ['60 ms ahead', 60, 1, speed(0.925)],
    ['64 ms ahead reaches the cap exactly', 64, 1, speed(0.92)],
    ['200 ms ahead is capped at 1 - maxSpeedDelta', 200, 1, speed(0.92)],
    ['200 ms behind is capped at 1 + maxSpeedDelta', -200, 1, speed(1.08)],
    ['250 ms ahead is still a nudge', 250, 1, speed(0.92)],
    ['-250 ms behind is still a nudge', -250, 1, speed(1.08)],
    ['251 ms ahead resyncs', 251, 1, resync],
    ['251 ms behind resyncs', -251, 1, resync],
    ['5 s ahead resyncs whatever the speed', 5000, 0.92, resync],
    ['5 s behind resyncs whatever the speed', -5000, 1.08, resync],
    ['back inside the deadband at 0.97 returns to speed 1', 2, 0.97, speed(1)],
    ['back inside the deadband at 1.03 returns to speed 1', -2, 1.03, speed(1)],
    ['inside the deadband at 1.002 still returns to exactly 1', 0, 1.002, speed(1)],
    ['already at the right speed', 40, 0.95, none],
    ['a change of 0.001 is not sent', 41, 0.95, none], // wants 0.949
    ['a change of 0.002 is not sent', 42, 0.95, none], // wants 0.948
    ['a change of 0.004 is sent', 43, 0.95, speed(0.946)], // 1 - 43/800 = 0.94625
    ['at the cap, more error changes nothing', 240, 0.92, none],
    ['reversing direction is sent', -40, 0.95, speed(1.05)],
  ])('%s', (_what, errorMs, current, expected) => {
    expect(steadyAction(errorMs, current)).toEqual(expected);
  });
});

describe('planStart', () => {
  const room = (positionMs: number, atMs: number, durationMs = 60_000) => ({ positionMs, atMs, durationMs });
  const now = 100_000;

  it.each<[string, ReturnType<typeof room>, number, { seekToMs: number; startAtCentralMs: number }]>([
    // what, room, lead, plan
    ['room start 400 ms ahead (≥ half the lead): keep the room\'s start', room(12_000, now + 400), 600, { seekToMs: 12_000, startAtCentralMs: now + 400 }],
    ['room start exactly half the lead ahead: keep it', room(12_000, now + 300), 600, { seekToMs: 12_000, startAtCentralMs: now + 300 }],
    ['room start 299 ms ahead: too close, start at now + lead', room(12_000, now + 299), 600, { seekToMs: 12_301, startAtCentralMs: now + 600 }],
    ['room start right now', room(12_000, now), 600, { seekToMs: 12_600, startAtCentralMs: now + 600 }],
    ['room started 10 s ago', room(12_000, now - 10_000), 600, { seekToMs: 22_600, startAtCentralMs: now + 600 }],
    ['room started 10 s ago, longer lead', room(12_000, now - 10_000), 1000, { seekToMs: 23_000, startAtCentralMs: now + 1000 }],
    ['room started 10 s ago, short lead', room(12_000, now - 10_000), 100, { seekToMs: 22_100, startAtCentralMs: now + 100 }],
    ['past the end of the video: clamped to the duration', room(55_000, now - 10_000), 600, { seekToMs: 60_000, startAtCentralMs: now + 600 }],
    ['exactly reaching the end', room(59_400, now), 600, { seekToMs: 60_000, startAtCentralMs: now + 600 }],
  ])('%s', (_what, r, lead, plan) => {
    expect(planStart(r, now, lead)).toEqual(plan);
  });

  it('defaults the lead to SYNC.startLeadMs', () => {
    expect(planStart(room(0, now - 1000), now)).toEqual({ seekToMs: 1000 + SYNC.startLeadMs, startAtCentralMs: now + SYNC.startLeadMs });
  });

  it('at the planned start, the seek target is where the room says the video is', () => {
    for (const atMs of [now - 30_000, now - 1, now, now + 1, now + 299]) {
      const r = room(5000, atMs);
      const plan = planStart(r, now);
      // Expected position while playing: P + (T - atMs).
      expect(plan.seekToMs).toBe(r.positionMs + (plan.startAtCentralMs - r.atMs));
    }
  });
});

describe('pausedNeedsSeek', () => {
  it.each<[number, number, boolean]>([
    [10_000, 10_000, false],
    [10_015, 10_000, false],
    [9_985, 10_000, false],
    [10_016, 10_000, true],
    [9_984, 10_000, true],
    [10_015.5, 10_000, true],
    [0, 10_000, true],
  ])('local %d vs room %d → %s', (localMs, roomMs, expected) => {
    expect(pausedNeedsSeek(localMs, roomMs)).toBe(expected);
  });
});

describe('at a room speed other than 1', () => {
  it('a start seeks ahead by the lead times the speed', () => {
    const now = 1_000_000;
    expect(planStart({ positionMs: 10_000, atMs: now - 1000, durationMs: 600_000, speed: 2 }, now, 400)).toEqual({ seekToMs: 10_000 + 2 * 1400, startAtCentralMs: now + 400 });
  });

  it('nudges are relative to the room speed, and return to it', () => {
    expect(steadyAction(0, 1.5, SYNC, 1.5)).toEqual({ kind: 'none' });
    const ahead = steadyAction(40, 1.5, SYNC, 1.5);
    expect(ahead.kind).toBe('speed');
    expect((ahead as { rate: number }).rate).toBeLessThan(1.5);
    expect((ahead as { rate: number }).rate).toBeGreaterThanOrEqual(1.5 * (1 - SYNC.maxSpeedDelta));
    expect(steadyAction(1, 1.47, SYNC, 1.5)).toEqual({ kind: 'speed', rate: 1.5 });
  });
});
