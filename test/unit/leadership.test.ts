import { describe, expect, it } from 'vitest';
import { expire, leaseTiming, mayClaim, mayLead, nextAskInMs, STANDBY, step, type Leadership, type LeadershipInput } from '../../src/roles/shared/leadership.js';

const t = leaseTiming(1000);
const other = { holder: 'b', address: '127.0.0.1:9001', epoch: 4 };
const granted = (epoch: number, sentAtMs: number): LeadershipInput => ({ type: 'answer', answer: { kind: 'granted', epoch }, sentAtMs });
const held: LeadershipInput = { type: 'answer', answer: { kind: 'held', leader: other }, sentAtMs: 0 };
const unreachable: LeadershipInput = { type: 'answer', answer: { kind: 'unreachable' }, sentAtMs: 0 };
const leading = (epoch: number, trustedUntilMs: number): Leadership => ({ state: 'leading', epoch, trustedUntilMs, since: 0 });

describe('leaseTiming', () => {
  it('derives every period from the heartbeat: a standby can lead ~2.25 heartbeats after the leader stops', () => {
    expect(t).toEqual({ ttlMs: 2000, renewEveryMs: 333, pollEveryMs: 250, marginMs: 250 });
    expect(t.ttlMs + t.pollEveryMs).toBeLessThanOrEqual(2250);
    // The leader stops trusting its lease before it can expire on the database.
    expect(t.ttlMs - t.marginMs).toBeLessThan(t.ttlMs);
    expect(leaseTiming(10).ttlMs).toBe(400);
  });
});

describe('leadership step', () => {
  it.each([
    { name: 'a standby granted the lease leads, trusting it until sent + ttl - margin', s: STANDBY, input: granted(5, 1000), now: 1010, next: { ...leading(5, 2750), since: 1010 }, effect: 'start-leading' },
    { name: 'a standby told who holds it remembers the leader', s: STANDBY, input: held, now: 10, next: { state: 'standby', leader: other, since: 0 }, effect: 'none' },
    { name: 'a renewal extends the trusted time', s: leading(5, 2750), input: granted(5, 2000), now: 2010, next: leading(5, 3750), effect: 'none' },
    { name: 'a late answer to an older renewal never shortens it', s: leading(5, 3750), input: granted(5, 1500), now: 2100, next: leading(5, 3750), effect: 'none' },
    { name: 'a renewal slower than the lease is not trusted: step down', s: leading(5, 2750), input: granted(5, 100), now: 2000, next: { state: 'standby', since: 2000 }, effect: 'stop-leading' },
    { name: 'a leader whose lease another holds steps down', s: leading(5, 2750), input: held, now: 2000, next: { state: 'standby', leader: other, since: 2000 }, effect: 'stop-leading' },
    { name: 'a leader granted another epoch (its lease was taken and given back) starts over', s: leading(5, 2750), input: granted(7, 2000), now: 2000, next: { state: 'standby', since: 2000 }, effect: 'stop-leading' },
    { name: 'a leader that cannot reach the database keeps its lease for now', s: leading(5, 2750), input: unreachable, now: 2000, next: leading(5, 2750), effect: 'none' },
    { name: 'a fenced write makes the leader step down at once', s: leading(5, 2750), input: { type: 'fenced', epoch: 5 } as LeadershipInput, now: 1200, next: { state: 'standby', since: 1200 }, effect: 'stop-leading' },
    { name: "a late refusal of an older epoch's store does not end a newer leadership", s: leading(6, 2750), input: { type: 'fenced', epoch: 5 } as LeadershipInput, now: 1200, next: leading(6, 2750), effect: 'none' },
    { name: 'a fenced write means nothing to a standby', s: STANDBY, input: { type: 'fenced', epoch: 5 } as LeadershipInput, now: 1200, next: STANDBY, effect: 'none' },
    { name: 'a start that failed stands by and claims again only after three leases', s: leading(5, 2750), input: { type: 'failed', epoch: 5 } as LeadershipInput, now: 1200, next: { state: 'standby', since: 1200, claimAfterMs: 7200 }, effect: 'none' },
    { name: 'a failure of an older start changes nothing', s: leading(6, 2750), input: { type: 'failed', epoch: 5 } as LeadershipInput, now: 1200, next: leading(6, 2750), effect: 'none' },
    { name: 'stopping a leader stops its leading', s: leading(5, 2750), input: { type: 'stop' } as LeadershipInput, now: 1200, next: { state: 'stopped' }, effect: 'stop-leading' },
    { name: 'a stopped node ignores a grant that arrives late', s: { state: 'stopped' } as Leadership, input: granted(5, 1000), now: 1010, next: { state: 'stopped' }, effect: 'none' },
  ])('$name', ({ s, input, now, next, effect }) => {
    expect(step(s, input, now, t)).toEqual({ next, effect });
  });
});

describe('mayLead and expire', () => {
  it('a leader acts only while its lease is trusted, and steps down when it ran out (a SIGSTOP, a lost database)', () => {
    const s = leading(5, 2750);
    expect(mayLead(s, 2749)).toBe(true);
    expect(mayLead(s, 2750)).toBe(false);
    expect(mayLead(STANDBY, 0)).toBe(false);
    expect(expire(s, 2749)).toEqual({ next: s, effect: 'none' });
    expect(expire(s, 9000)).toEqual({ next: { state: 'standby', since: 9000 }, effect: 'stop-leading' });
    expect(expire(STANDBY, 9000)).toEqual({ next: STANDBY, effect: 'none' });
  });

  it('a standby backing off after a failed start claims again only when the back-off is over', () => {
    const backing: Leadership = { state: 'standby', since: 0, claimAfterMs: 5000 };
    expect(mayClaim(backing, 4999)).toBe(false);
    expect(mayClaim(backing, 5000)).toBe(true);
    expect(mayClaim(STANDBY, 0)).toBe(true);
    expect(mayClaim(leading(1, 9000), 0)).toBe(false);
  });

  it('a leader renews and a standby polls several times within one lease', () => {
    expect(nextAskInMs(leading(1, 0), t)).toBe(333);
    expect(nextAskInMs(STANDBY, t)).toBe(250);
    expect(3 * nextAskInMs(leading(1, 0), t)).toBeLessThan(t.ttlMs - t.marginMs);
  });
});
