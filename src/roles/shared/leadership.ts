/**
 * Which central leads, as a pure state machine: several centrals share one PostgreSQL, and one of them
 * holds the leadership as a lease (a row with an epoch and an expiry on the database's clock). The I/O
 * (central/lease.ts) asks the database and feeds the answers in here with the local clock; the node
 * (central/node.ts) does what the state says.
 *
 * Safety rests on two things. The leader trusts its lease only until `sentAtMs + ttl - margin` of its own
 * clock, counted from before it asked for the renewal, so a leader frozen past that (SIGSTOP, a long GC
 * pause, a partition) stops acting before a standby can have taken over. And every write carries the
 * epoch (fenced-db.ts), so whatever it still sends after that is refused by the database itself.
 */

export interface LeaseTiming {
  /** How long a granted or renewed lease lasts on the database's clock. */
  ttlMs: number;
  /** How often the leader renews. */
  renewEveryMs: number;
  /** How often a standby looks for an expired lease. */
  pollEveryMs: number;
  /** Clock drift and round trip the leader allows for: it stops trusting its lease this much early. */
  marginMs: number;
}

/** Timing from central's heartbeat: with a 1 s heartbeat a standby leads at most ~2.25 s after a leader dies. */
export function leaseTiming(heartbeatMs: number): LeaseTiming {
  const h = Math.max(200, heartbeatMs);
  return { ttlMs: 2 * h, renewEveryMs: Math.round(h / 3), pollEveryMs: Math.round(h / 4), marginMs: Math.round(h / 4) };
}

/** Another central that holds the lease, as the database names it. */
export interface LeaderInfo {
  holder: string;
  address: string;
  epoch: number;
}

export type Leadership =
  /** Not leading; `leader` is who holds the lease (if anyone does and we know it); no claim before `claimAfterMs`. */
  | { state: 'standby'; leader?: LeaderInfo | undefined; since: number; claimAfterMs?: number }
  /** Leading with `epoch` until `trustedUntilMs` (local clock) unless renewed. */
  | { state: 'leading'; epoch: number; trustedUntilMs: number; since: number }
  /** The node is stopping: nothing changes any more. */
  | { state: 'stopped' };

export type LeaseAnswer =
  /** The lease is ours, with this epoch (a claim gives a new epoch; a renewal keeps it). */
  | { kind: 'granted'; epoch: number }
  /** Someone else holds an unexpired lease. */
  | { kind: 'held'; leader: LeaderInfo }
  /** The database did not answer (unreachable, timed out). */
  | { kind: 'unreachable' };

export type LeadershipInput =
  /** The answer to a claim or renewal sent at `sentAtMs`. */
  | { type: 'answer'; answer: LeaseAnswer; sentAtMs: number }
  /** A write of the store opened for `epoch` was refused because the epoch moved on: someone else leads. */
  | { type: 'fenced'; epoch: number }
  /** Leading with `epoch` could not start (the store would not open): stand by, and let others try first. */
  | { type: 'failed'; epoch: number }
  | { type: 'stop' };

/** What the node must do after a step. */
export type LeadershipEffect = 'start-leading' | 'stop-leading' | 'none';

export const STANDBY: Leadership = { state: 'standby', since: 0 };

/** After failing to start leading, wait this many leases before claiming again (others may do better). */
const FAILED_START_BACKOFF = 3;

export function step(s: Leadership, input: LeadershipInput, nowMs: number, t: LeaseTiming): { next: Leadership; effect: LeadershipEffect } {
  if (s.state === 'stopped') return { next: s, effect: 'none' };
  if (input.type === 'stop') return { next: { state: 'stopped' }, effect: s.state === 'leading' ? 'stop-leading' : 'none' };
  // Only about the epoch it names: a late refusal of an older store must not end a newer leadership.
  if (input.type === 'fenced') return s.state === 'leading' && s.epoch === input.epoch ? { next: { state: 'standby', since: nowMs }, effect: 'stop-leading' } : { next: s, effect: 'none' };
  if (input.type === 'failed') {
    if (s.state !== 'leading' || s.epoch !== input.epoch) return { next: s, effect: 'none' };
    return { next: { state: 'standby', since: nowMs, claimAfterMs: nowMs + FAILED_START_BACKOFF * t.ttlMs }, effect: 'none' };
  }
  const { answer, sentAtMs } = input;
  if (answer.kind === 'granted') {
    const trustedUntilMs = sentAtMs + t.ttlMs - t.marginMs;
    // A renewal that took longer than the lease itself grants nothing we can trust.
    if (trustedUntilMs <= nowMs) return s.state === 'leading' ? { next: { state: 'standby', since: nowMs }, effect: 'stop-leading' } : { next: s, effect: 'none' };
    if (s.state === 'leading') {
      if (answer.epoch !== s.epoch) return { next: { state: 'standby', since: nowMs }, effect: 'stop-leading' };
      return { next: { ...s, trustedUntilMs: Math.max(s.trustedUntilMs, trustedUntilMs) }, effect: 'none' };
    }
    return { next: { state: 'leading', epoch: answer.epoch, trustedUntilMs, since: nowMs }, effect: 'start-leading' };
  }
  if (answer.kind === 'held') {
    if (s.state === 'leading') return { next: { state: 'standby', leader: answer.leader, since: nowMs }, effect: 'stop-leading' };
    return { next: { ...s, leader: answer.leader }, effect: 'none' };
  }
  // Unreachable: a leader keeps going on the lease it has (until trustedUntilMs); a standby waits.
  return { next: s, effect: 'none' };
}

/** Whether the node may act as leader now: leading, and the lease still trusted on the local clock. */
export function mayLead(s: Leadership, nowMs: number): boolean {
  return s.state === 'leading' && nowMs < s.trustedUntilMs;
}

/** A leader whose lease ran out without a renewal (frozen, or the database unreachable) stops leading. */
export function expire(s: Leadership, nowMs: number): { next: Leadership; effect: LeadershipEffect } {
  if (s.state === 'leading' && nowMs >= s.trustedUntilMs) return { next: { state: 'standby', since: nowMs }, effect: 'stop-leading' };
  return { next: s, effect: 'none' };
}

/** Whether a standby may claim the lease now (not while backing off after a failed start). */
export function mayClaim(s: Leadership, nowMs: number): boolean {
  return s.state === 'standby' && nowMs >= (s.claimAfterMs ?? 0);
}

/** When to ask the database next: a leader renews, a standby polls. */
export function nextAskInMs(s: Leadership, t: LeaseTiming): number {
  return s.state === 'leading' ? t.renewEveryMs : t.pollEveryMs;
}
